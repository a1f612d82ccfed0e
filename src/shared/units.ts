/**
 * The one place where Hounsfield units and the canonical image unit meet (DESIGN.md section 3):
 * x = max(0, 1 + HU / 1000), i.e. attenuation relative to water (air 0, water 1).
 */
export const HU_WATER = 0;
export const HU_AIR = -1000;
/** HU per canonical unit: a difference of 0.001 in x is 1 HU. */
export const HU_PER_X = 1000;

/**
 * The per-pixel RMS in HU of a difference image whose l2 norm in canonical units is `l2` over `pixels`
 * pixels: HU_PER_X * l2 / sqrt(pixels). The unit a reader compares across image sizes (an l2 norm over all
 * pixels grows with the image).
 */
export function l2ToRmsHu(l2: number, pixels: number): number {
  return (HU_PER_X * l2) / Math.sqrt(pixels);
}

/** HU -> canonical attenuation relative to water, clamped at 0 (nothing attenuates less than vacuum). */
export function huToX(hu: number): number {
  const x = 1 + hu / HU_PER_X;
  return x > 0 ? x : 0;
}

/** Canonical unit -> HU (exact inverse of huToX for HU >= -1000). */
export function xToHu(x: number): number {
  return (x - 1) * HU_PER_X;
}

/** Array form of huToX; writes into `out` when given (may alias `hu`). */
export function huArrayToX(
  hu: ArrayLike<number>,
  out: Float32Array = new Float32Array(hu.length),
): Float32Array {
  for (let i = 0; i < hu.length; i++) {
    const x = 1 + hu[i] / HU_PER_X;
    out[i] = x > 0 ? x : 0;
  }
  return out;
}

/** Array form of xToHu. */
export function xArrayToHu(
  x: ArrayLike<number>,
  out: Float32Array = new Float32Array(x.length),
): Float32Array {
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - 1) * HU_PER_X;
  return out;
}

/** A display window in HU: centre (level) and width, as in DICOM (0028,1050)/(0028,1051). */
export interface Window {
  name: string;
  center: number;
  width: number;
}

export const WINDOW_PRESETS: Readonly<Record<string, Window>> = {
  'soft-tissue': { name: 'soft-tissue', center: 40, width: 400 },
  lung: { name: 'lung', center: -600, width: 1500 },
  bone: { name: 'bone', center: 480, width: 2500 },
  brain: { name: 'brain', center: 40, width: 80 },
};
