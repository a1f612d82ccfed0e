/**
 * Pixels for people: windowed greyscale and a diverging colour map for signed maps, as PNG.
 *
 * Greyscale: a window in HU is applied as the viewer applies it, with the DICOM linear VOI function
 * (engine/dicom/display-window.ts) to the image converted to HU (src/shared/units.ts); a window in canonical
 * units maps [c - w/2, c + w/2] linearly to black..white, clipping outside.
 * Diverging: ColorBrewer RdBu (11 classes, interpolated in sRGB), reversed so negative is blue and positive
 * red, white at 0, symmetric limits [-L, L], values beyond clipped.
 */
import { PNG } from 'pngjs';
import type { ReportWindow } from '@shared/report-input';
import { xArrayToHu, xToHu } from '@shared/units';
import { applyWindow } from '../../dicom/display-window';
import { encodeGrayPng } from '../../io/png';

/** ColorBrewer RdBu, from blue (negative) to red (positive). */
const RDBU_REVERSED = [
  '#053061',
  '#2166ac',
  '#4393c3',
  '#92c5de',
  '#d1e5f0',
  '#f7f7f7',
  '#fddbc7',
  '#f4a582',
  '#d6604d',
  '#b2182b',
  '#67001f',
].map((h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]);

/** RGB of t in [0, 1] on the reversed RdBu map. */
export function divergingColor(t: number): [number, number, number] {
  const s = Math.min(1, Math.max(0, t)) * (RDBU_REVERSED.length - 1);
  const i = Math.min(RDBU_REVERSED.length - 2, Math.floor(s));
  const f = s - i;
  const a = RDBU_REVERSED[i];
  const b = RDBU_REVERSED[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + f * (b[c] - a[c]))) as [number, number, number];
}

/** 8-bit greyscale of a canonical image under a window. */
export function windowGray(img: Float32Array, w: ReportWindow): Uint8Array {
  if (w.unit === 'HU') return applyWindow(xArrayToHu(img), { center: w.center, width: Math.max(1, w.width) });
  const { lo, hi } = windowLimits(w);
  const scale = 255 / Math.max(hi - lo, 1e-12);
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) {
    const v = (img[i] - lo) * scale;
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
  }
  return out;
}

export function grayPng(img: Float32Array, size: number, w: ReportWindow): Buffer {
  return encodeGrayPng(windowGray(img, w), size, size);
}

export function encodeRgbPng(rgb: Uint8Array, width: number, height: number): Buffer {
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}

/** Signed values on [-limit, limit] as an RGB PNG (width x height, row-major). */
export function divergingPng(values: Float32Array, width: number, height: number, limit: number): Buffer {
  const rgb = new Uint8Array(width * height * 3);
  const L = limit > 0 ? limit : 1;
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = divergingColor((values[i] / L + 1) / 2);
    rgb[3 * i] = r;
    rgb[3 * i + 1] = g;
    rgb[3 * i + 2] = b;
  }
  return encodeRgbPng(rgb, width, height);
}

/** A vertical colour bar, top = high: greyscale or diverging, `steps` rows. */
export function colorBarPng(kind: 'gray' | 'diverging', steps = 256): Buffer {
  if (kind === 'gray') {
    const g = new Uint8Array(steps);
    for (let i = 0; i < steps; i++) g[i] = Math.round((255 * (steps - 1 - i)) / (steps - 1));
    return encodeGrayPng(g, 1, steps);
  }
  const v = new Float32Array(steps);
  for (let i = 0; i < steps; i++) v[i] = 1 - (2 * i) / (steps - 1);
  return divergingPng(v, 1, steps, 1);
}

/** The smallest of 1, 2, 2.5, 5 x 10^k that is >= v (v > 0); 1 for v <= 0. */
export function niceCeil(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const e = Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const c = m * 10 ** e;
    if (c >= v * (1 - 1e-12)) return +c.toPrecision(12);
  }
  return 10 ** (e + 1);
}

/** a - b of two canonical images, in the window's unit (HU through src/shared/units.ts). */
export function signedDifference(a: Float32Array, b: Float32Array, unit: 'HU' | 'x'): Float32Array {
  const out = new Float32Array(a.length);
  if (unit === 'HU') for (let i = 0; i < a.length; i++) out[i] = xToHu(a[i]) - xToHu(b[i]);
  else for (let i = 0; i < a.length; i++) out[i] = a[i] - b[i];
  return out;
}

/** The q-quantile (0..1) of |v| over all arrays: a colour limit that a few extreme pixels do not dictate. */
export function absQuantile(q: number, ...arrays: Float32Array[]): number {
  const n = arrays.reduce((s, a) => s + a.length, 0);
  if (n === 0) return 0;
  const all = new Float32Array(n);
  let o = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) all[o++] = Math.abs(a[i]);
  all.sort();
  return all[Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1))];
}

export function maxAbs(...arrays: Float32Array[]): number {
  let m = 0;
  for (const a of arrays) for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/** Window limits in the window's unit, for labels. */
export function windowLimits(w: ReportWindow): { lo: number; hi: number } {
  return { lo: w.center - w.width / 2, hi: w.center + w.width / 2 };
}
