/**
 * The one discrete Fourier transform of the engine (used by the wasm FFT/IFFT kernels and by FBP's ramp
 * filter), in Float64:
 *   forward (sign -1): X[k] = sum_j x[j] exp(-2 pi i jk / n); inverse (sign +1) is unscaled here.
 * Iterative radix-2 Cooley-Tukey for n a power of two; Bluestein's chirp-z algorithm otherwise (any n),
 * which rewrites the DFT as a convolution done with power-of-two FFTs of length m >= 2n - 1 (Bluestein 1970;
 * Oppenheim & Schafer, Discrete-Time Signal Processing, 3rd ed., 9.6.2). Both O(n log n).
 * Hand-written: no backend here has an FFT kernel to reuse, and the npm FFT packages are either float32
 * only or power-of-two only.
 */

/** In-place radix-2 FFT of (re, im), length a power of two; sign -1 forward, +1 inverse (unscaled). */
export class Radix2 implements Dft {
  readonly n: number;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly rev: Uint32Array;

  constructor(n: number, sign: 1 | -1) {
    this.n = n;
    this.cos = new Float64Array(n >> 1);
    this.sin = new Float64Array(n >> 1);
    for (let k = 0; k < n >> 1; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = sign * Math.sin((2 * Math.PI * k) / n);
    }
    this.rev = new Uint32Array(n);
    const bits = Math.round(Math.log2(n));
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0, v = i; b < bits; b++, v >>= 1) r = (r << 1) | (v & 1);
      this.rev[i] = r;
    }
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, rev, cos, sin } = this;
    for (let i = 0; i < n; i++) {
      const j = rev[i];
      if (j > i) {
        let t = re[i];
        re[i] = re[j];
        re[j] = t;
        t = im[i];
        im[i] = im[j];
        im[j] = t;
      }
    }
    for (let len = 2; len <= n; len <<= 1) {
      const half = len >> 1;
      const step = n / len;
      for (let start = 0; start < n; start += len) {
        for (let k = 0; k < half; k++) {
          const wr = cos[k * step];
          const wi = sin[k * step];
          const a = start + k;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
  }
}

/** A DFT of one length and direction, applied row by row (unscaled). */
export interface Dft {
  /** Transform the row (re, im) of length n in place. */
  run(re: Float64Array, im: Float64Array): void;
}

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

export function nextPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/**
 * Bluestein: with w[t] = exp(sign * i pi t^2 / n), jk = (j^2 + k^2 - (k - j)^2) / 2 gives
 *   X[k] = w[k] * sum_j (x[j] w[j]) conj(w[k - j]),
 * a linear convolution of a[j] = x[j] w[j] with b[t] = conj(w[t]), t in (-n, n), done circularly in length m.
 */
export class Bluestein implements Dft {
  private readonly n: number;
  private readonly wRe: Float64Array;
  private readonly wIm: Float64Array;
  private readonly bRe: Float64Array;
  private readonly bIm: Float64Array;
  private readonly aRe: Float64Array;
  private readonly aIm: Float64Array;
  private readonly forward: Radix2;
  private readonly inverse: Radix2;

  constructor(n: number, sign: 1 | -1) {
    this.n = n;
    let m = 1;
    while (m < 2 * n - 1) m <<= 1;
    this.forward = new Radix2(m, -1);
    this.inverse = new Radix2(m, 1);
    this.wRe = new Float64Array(n);
    this.wIm = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      // t^2 mod 2n keeps the angle small (exact: t^2 < 2^53 for any n a tensor can have).
      const angle = (Math.PI * ((t * t) % (2 * n))) / n;
      this.wRe[t] = Math.cos(angle);
      this.wIm[t] = sign * Math.sin(angle);
    }
    this.bRe = new Float64Array(m);
    this.bIm = new Float64Array(m);
    for (let t = 0; t < n; t++) {
      this.bRe[t] = this.wRe[t];
      this.bIm[t] = -this.wIm[t];
      if (t > 0) {
        this.bRe[m - t] = this.wRe[t];
        this.bIm[m - t] = -this.wIm[t];
      }
    }
    this.forward.run(this.bRe, this.bIm);
    this.aRe = new Float64Array(m);
    this.aIm = new Float64Array(m);
  }

  run(re: Float64Array, im: Float64Array): void {
    const { n, wRe, wIm, bRe, bIm, aRe, aIm } = this;
    const m = aRe.length;
    aRe.fill(0);
    aIm.fill(0);
    for (let j = 0; j < n; j++) {
      aRe[j] = re[j] * wRe[j] - im[j] * wIm[j];
      aIm[j] = re[j] * wIm[j] + im[j] * wRe[j];
    }
    this.forward.run(aRe, aIm);
    for (let k = 0; k < m; k++) {
      const r = aRe[k] * bRe[k] - aIm[k] * bIm[k];
      aIm[k] = aRe[k] * bIm[k] + aIm[k] * bRe[k];
      aRe[k] = r;
    }
    this.inverse.run(aRe, aIm);
    for (let k = 0; k < n; k++) {
      const cr = aRe[k] / m;
      const ci = aIm[k] / m;
      re[k] = cr * wRe[k] - ci * wIm[k];
      im[k] = cr * wIm[k] + ci * wRe[k];
    }
  }
}

export function makeDft(n: number, sign: 1 | -1): Dft {
  return isPowerOfTwo(n) ? new Radix2(n, sign) : new Bluestein(n, sign);
}

const cache = new Map<string, Dft>();

/** A cached DFT of length n and direction (sign -1 forward, +1 inverse). */
export function dftFor(n: number, sign: 1 | -1): Dft {
  const key = `${n}:${sign}`;
  let d = cache.get(key);
  if (!d) {
    d = makeDft(n, sign);
    cache.set(key, d);
  }
  return d;
}

/** In-place DFT of (re, im) of any length; the inverse is scaled by 1/n. */
export function fft(re: Float64Array, im: Float64Array, inverse = false): void {
  const n = re.length;
  dftFor(n, inverse ? 1 : -1).run(re, im);
  if (inverse) {
    const s = 1 / n;
    for (let i = 0; i < n; i++) {
      re[i] *= s;
      im[i] *= s;
    }
  }
}
