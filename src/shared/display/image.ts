/**
 * Display math for float images: typed arrays -> RGBA (greyscale DICOM window, the diverging colour map
 * of signed difference maps), pixel look-ups and ROI statistics. Pure TypeScript (no DOM, no Node): the
 * viewer draws canvases with it, and image panels elsewhere (reports) can use the same colour map.
 */

/** A 2-D float image, row-major. Values in HU unless `unit` says otherwise. */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
  /** 1 = padding pixel (drawn black, left out of statistics). */
  mask?: Uint8Array | null;
  unit: 'HU' | 'line integral' | 'HU difference';
}

export interface WindowLevel {
  center: number;
  width: number;
}

/**
 * Greyscale with the DICOM linear VOI function (PS3.3 C.11.2.1.2.1), the same as the engine's
 * applyWindow, written straight into RGBA.
 */
export function windowToRgba(img: FloatImage, w: WindowLevel, out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = img.width * img.height;
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  const width = Math.max(1, w.width);
  const lo = w.center - 0.5 - (width - 1) / 2;
  const hi = w.center - 0.5 + (width - 1) / 2;
  const mask = img.mask ?? null;
  for (let i = 0; i < n; i++) {
    const x = img.data[i];
    let g: number;
    if (mask && mask[i]) g = 0;
    else if (x <= lo) g = 0;
    else if (x > hi) g = 255;
    else g = Math.round(((x - (w.center - 0.5)) / (width - 1) + 0.5) * 255);
    const j = i * 4;
    rgba[j] = g;
    rgba[j + 1] = g;
    rgba[j + 2] = g;
    rgba[j + 3] = 255;
  }
  return rgba;
}

/** Min and max of the finite values (for auto-ranged panes such as the sinogram). */
export function finiteRange(data: ArrayLike<number>): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isFinite(v)) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min <= max ? { min, max } : { min: 0, max: 0 };
}

/**
 * Diverging colour map for signed differences: blue (negative) - white (0) - red (positive), the
 * ColorBrewer RdBu scheme reversed, piecewise linear between its 7 anchors. Perceptually ordered both
 * ways and readable for the common colour-vision deficiencies.
 */
const RDBU: [number, number, number][] = [
  [33, 102, 172],
  [103, 169, 207],
  [209, 229, 240],
  [247, 247, 247],
  [253, 219, 199],
  [239, 138, 98],
  [178, 24, 43],
];

/** t in [-1, 1] -> RGB of the diverging map (clamped). */
export function divergingColor(t: number): [number, number, number] {
  const c = Math.max(-1, Math.min(1, Number.isFinite(t) ? t : 0));
  const pos = ((c + 1) / 2) * (RDBU.length - 1);
  const i = Math.min(RDBU.length - 2, Math.floor(pos));
  const f = pos - i;
  const a = RDBU[i];
  const b = RDBU[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
  ];
}

/** Signed values -> RGBA on the diverging map, symmetric range [-range, +range]. */
export function divergingToRgba(img: FloatImage, range: number, out?: Uint8ClampedArray): Uint8ClampedArray {
  const n = img.width * img.height;
  const rgba = out ?? new Uint8ClampedArray(n * 4);
  const r = range > 0 ? range : 1;
  for (let i = 0; i < n; i++) {
    const [cr, cg, cb] = divergingColor(img.data[i] / r);
    const j = i * 4;
    rgba[j] = cr;
    rgba[j + 1] = cg;
    rgba[j + 2] = cb;
    rgba[j + 3] = 255;
  }
  return rgba;
}

/** a - b, element-wise (same shape). */
export function difference(a: FloatImage, b: FloatImage): FloatImage {
  if (a.width !== b.width || a.height !== b.height) {
    throw new Error(`difference: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  }
  const data = new Float32Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] - b.data[i];
  return { width: a.width, height: a.height, data, unit: 'HU difference' };
}

export interface RoiStats {
  count: number;
  mean: number;
  /** Population standard deviation. */
  sd: number;
  min: number;
  max: number;
}

/** Pixel rectangle, inclusive start, exclusive end. */
export interface PixelRect {
  col0: number;
  row0: number;
  col1: number;
  row1: number;
}

/** Statistics over the pixels inside `rect` (clipped to the image), padding excluded; null when empty. */
export function roiStats(img: FloatImage, rect: PixelRect): RoiStats | null {
  const c0 = Math.max(0, Math.min(img.width, Math.floor(rect.col0)));
  const c1 = Math.max(0, Math.min(img.width, Math.ceil(rect.col1)));
  const r0 = Math.max(0, Math.min(img.height, Math.floor(rect.row0)));
  const r1 = Math.max(0, Math.min(img.height, Math.ceil(rect.row1)));
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const i = r * img.width + c;
      if (img.mask && img.mask[i]) continue;
      const v = img.data[i];
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (count === 0) return null;
  const mean = sum / count;
  let ss = 0;
  for (let r = r0; r < r1; r++) {
    for (let c = c0; c < c1; c++) {
      const i = r * img.width + c;
      if (img.mask && img.mask[i]) continue;
      const d = img.data[i] - mean;
      ss += d * d;
    }
  }
  return { count, mean, sd: Math.sqrt(ss / count), min, max };
}

/** The value at integer pixel (row, col), or null outside the image or on padding. */
export function valueAt(img: FloatImage, row: number, col: number): number | null {
  if (row < 0 || col < 0 || row >= img.height || col >= img.width) return null;
  const i = row * img.width + col;
  if (img.mask && img.mask[i]) return null;
  return img.data[i];
}
