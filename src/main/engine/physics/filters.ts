/**
 * FBP ramp filters (DESIGN.md section 3): `ram-lak`, `shepp-logan`, `cosine`, `hamming`, `hann`, with a
 * frequency cutoff in (0, 1] as a fraction of the detector Nyquist frequency.
 *
 * The ramp is the spatially sampled band-limited ramp of Kak & Slaney, "Principles of Computerized
 * Tomographic Imaging", ch. 3 eq. (61) (in units of one detector bin):
 *   g[0] = 1/4,  g[n] = -1/(pi n)^2 for odd n,  g[n] = 0 for even n != 0.
 * Its DTFT is |f| (f in cycles per bin, |f| <= 1/2) without the DC offset of a naively sampled
 * frequency ramp, and it sums to zero. The window multiplies its length-P DFT (P >= 2D - 1, a power of
 * two), with r = |f| / (cutoff / 2) in [0, 1] and zero response for r > 1:
 *   ram-lak 1, shepp-logan sin(pi r/2)/(pi r/2), cosine cos(pi r/2), hamming 0.54 + 0.46 cos(pi r),
 *   hann (1 + cos(pi r))/2.
 * Because P >= 2D - 1, zero-padded circular filtering of a length-D row equals the linear convolution
 * with the windowed kernel restricted to |n| <= D - 1: the symmetric Toeplitz matrix filterMatrix().
 */
import { UsageError } from '@shared/errors';
import { fft, nextPowerOfTwo } from '../numeric/fft';

export const FILTER_NAMES = ['ram-lak', 'shepp-logan', 'cosine', 'hamming', 'hann'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];

export interface FilterOptions {
  /** Default 'ram-lak'. */
  filter?: FilterName;
  /** Fraction of the Nyquist frequency kept, in (0, 1]; default 1. */
  cutoff?: number;
}

/** Validate and complete filter options; `op` names the caller in error messages. */
export function resolveFilterOptions(op: string, o: FilterOptions = {}): Required<FilterOptions> {
  const filter = o.filter ?? 'ram-lak';
  if (!(FILTER_NAMES as readonly string[]).includes(filter)) {
    throw new UsageError(
      `${op}: unknown filter "${String(filter)}": choose one of ${FILTER_NAMES.join(', ')}`,
    );
  }
  const cutoff = o.cutoff ?? 1;
  if (typeof cutoff !== 'number' || !(cutoff > 0 && cutoff <= 1)) {
    throw new UsageError(
      `${op}: cutoff must be in (0, 1] (a fraction of the Nyquist frequency), got ${cutoff}`,
    );
  }
  return { filter, cutoff };
}

/** Window value at normalized frequency r in [0, 1] (1 = the cutoff). */
export function filterWindow(filter: FilterName, r: number): number {
  switch (filter) {
    case 'ram-lak':
      return 1;
    case 'shepp-logan': {
      const z = (Math.PI * r) / 2;
      return z === 0 ? 1 : Math.sin(z) / z;
    }
    case 'cosine':
      return Math.cos((Math.PI * r) / 2);
    case 'hamming':
      return 0.54 + 0.46 * Math.cos(Math.PI * r);
    case 'hann':
      return 0.5 + 0.5 * Math.cos(Math.PI * r);
  }
}

/** FFT length used for D detector bins: the smallest power of two >= 2D (>= 2D - 1 avoids wrap-around). */
export function filterPadLength(D: number): number {
  return nextPowerOfTwo(2 * D);
}

/** Kak & Slaney eq. (61) ramp, one period of length P, index n <-> lag n (n < P/2) or n - P. */
export function spatialRamp(P: number): Float64Array {
  const g = new Float64Array(P);
  g[0] = 0.25;
  for (let n = 1; n < P; n++) {
    const m = n < P / 2 ? n : n - P;
    if (m % 2 !== 0) g[n] = -1 / (Math.PI * m) ** 2;
  }
  return g;
}

interface FilterData {
  /** Length-P real frequency response (ramp DFT times window). */
  response: Float64Array;
  /** Windowed spatial kernel at lags 0..D-1 (even in the lag). */
  kernel: Float64Array;
}

const filterCache = new Map<string, FilterData>();

function filterData(D: number, filter: FilterName, cutoff: number): FilterData {
  const key = `${D}/${filter}/${cutoff}`;
  let fd = filterCache.get(key);
  if (!fd) {
    const P = filterPadLength(D);
    const re = spatialRamp(P);
    const im = new Float64Array(P);
    fft(re, im);
    const response = new Float64Array(P);
    for (let k = 0; k < P; k++) {
      const f = Math.min(k, P - k) / P; // cycles per bin, in [0, 1/2]
      const r = f / (cutoff / 2);
      response[k] = r > 1 ? 0 : re[k] * filterWindow(filter, r);
    }
    const kr = Float64Array.from(response);
    const ki = new Float64Array(P);
    fft(kr, ki, true);
    fd = { response, kernel: kr.slice(0, D) };
    if (filterCache.size >= 32) filterCache.delete(filterCache.keys().next().value as string);
    filterCache.set(key, fd);
  }
  return fd;
}

/** The windowed ramp's frequency response at the P = filterPadLength(D) DFT frequencies. */
export function filterResponse(D: number, filter: FilterName, cutoff: number): Float64Array {
  return filterData(D, filter, cutoff).response;
}

/** The windowed ramp kernel at lags 0..D-1 (the filter is even: lag -n has the same value). */
export function filterKernel(D: number, filter: FilterName, cutoff: number): Float64Array {
  return filterData(D, filter, cutoff).kernel;
}

const matrixCache = new Map<string, Float32Array>();

/**
 * The D x D symmetric Toeplitz matrix F[d, d'] = scale * kernel[|d - d'|], so that a sinogram row y
 * (length D) is filtered as y F. Cached per (D, filter, cutoff, scale); treat the result as read-only.
 */
export function filterMatrix(D: number, filter: FilterName, cutoff: number, scale = 1): Float32Array {
  const key = `${D}/${filter}/${cutoff}/${scale}`;
  let m = matrixCache.get(key);
  if (!m) {
    const k = filterKernel(D, filter, cutoff);
    m = new Float32Array(D * D);
    for (let i = 0; i < D; i++) {
      for (let j = 0; j < D; j++) m[i * D + j] = scale * k[Math.abs(i - j)];
    }
    // Each matrix is 4 D^2 bytes (2 MB at N 512): keep only a few.
    if (matrixCache.size >= 4) matrixCache.delete(matrixCache.keys().next().value as string);
    matrixCache.set(key, m);
  }
  return m;
}
