/**
 * A small in-place radix-2 complex FFT in Float64 (used to window the ramp filter and by the FFT
 * filtering path of FBP). Tables (bit reversal, twiddles) are cached per length.
 */

interface FftTables {
  rev: Uint32Array;
  cos: Float64Array;
  sin: Float64Array;
}

const tables = new Map<number, FftTables>();

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function tablesFor(n: number): FftTables {
  let t = tables.get(n);
  if (!t) {
    if (!isPowerOfTwo(n)) throw new RangeError(`fft: length must be a power of two, got ${n}`);
    const rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      rev[i] = r;
    }
    const cos = new Float64Array(n / 2);
    const sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / n);
      sin[k] = Math.sin((2 * Math.PI * k) / n);
    }
    t = { rev, cos, sin };
    tables.set(n, t);
  }
  return t;
}

/**
 * In-place DFT of (re, im): X[k] = sum_n x[n] exp(-2 pi i k n / n) (forward) or the inverse with 1/n.
 */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  const { rev, cos, sin } = tablesFor(n);
  for (let i = 0; i < n; i++) {
    const r = rev[i];
    if (r > i) {
      let t = re[i];
      re[i] = re[r];
      re[r] = t;
      t = im[i];
      im[i] = im[r];
      im[r] = t;
    }
  }
  const sgn = inverse ? 1 : -1;
  for (let size = 2; size <= n; size *= 2) {
    const halfSize = size / 2;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let j = 0; j < halfSize; j++) {
        const wr = cos[j * step];
        const wi = sgn * sin[j * step];
        const a = start + j;
        const b = a + halfSize;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
  if (inverse) {
    const s = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}

/**
 * Filter `rows` rows of length D (row-major in `y`, written to `out`) by linear convolution with a real,
 * even kernel given by its length-P frequency response `response` (P >= 2D - 1, a power of two):
 * zero-pad, FFT, multiply, inverse FFT, crop. Two real rows share one complex transform.
 */
export function filterRowsFft(
  y: ArrayLike<number>,
  rows: number,
  D: number,
  response: Float64Array,
  out: Float32Array | Float64Array,
): void {
  const P = response.length;
  const re = new Float64Array(P);
  const im = new Float64Array(P);
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows;
    re.fill(0);
    im.fill(0);
    const o0 = r * D;
    const o1 = (r + 1) * D;
    for (let d = 0; d < D; d++) re[d] = y[o0 + d];
    if (two) for (let d = 0; d < D; d++) im[d] = y[o1 + d];
    fft(re, im);
    // A real even response maps the real and imaginary inputs to the real and imaginary outputs.
    for (let k = 0; k < P; k++) {
      re[k] *= response[k];
      im[k] *= response[k];
    }
    fft(re, im, true);
    for (let d = 0; d < D; d++) out[o0 + d] = re[d];
    if (two) for (let d = 0; d < D; d++) out[o1 + d] = im[d];
  }
}
