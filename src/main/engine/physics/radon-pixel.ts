/**
 * Pixel-driven backprojection B: sinograms [B,A,D] -> images [B,N,N], and its exact transpose B^T
 * (pixel-driven "splatting" projection). An FBP backprojector option, not a second forward model.
 *
 *   (B q)(pixel x) = (1 / spacing) * sum_k q_k(x . theta_k),  q_k linearly interpolated between bins
 * (zero beyond the detector). Unlike the Joseph adjoint, whose interpolation hats are |cos t| wide in s
 * (narrower than a bin, so it aliases: ~1% moire on smooth images at 1-px bins, more at coarser bins),
 * B interpolates every view at bin resolution. B ~= A^T on smooth data (fbp.ts), so the FBP factor pi / A
 * is the same.
 *
 * Loops: for a view and an image row, the continuous bin index is affine in the column index j; as in
 * radon-joseph.ts the sinogram row is zero-padded by one bin on each side and the j-range where the
 * padded index lies in [0, D+1) is computed once, so inner loops are branch-free. B^T runs the same
 * loops with the gather turned into a scatter.
 */
import { makeGeometry, type Geometry } from '@shared/geometry';
import { detectorRange } from './radon-joseph';

export interface PixelPlan {
  readonly size: number;
  readonly views: number;
  readonly detectors: number;
  readonly spacing: number;
  /** Per view: j -> padded bin index slope, cos t / spacing. */
  readonly alpha: Float64Array;
  /** Per (view, row) k*N + i: intercept, and the column range [lo, hi] (lo > hi: none). */
  readonly beta: Float64Array;
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

const cache = new Map<string, PixelPlan>();

export function pixelPlan(g: Geometry): PixelPlan {
  const key = `${g.size}/${g.views}/${g.detectors}/${g.detectorSpacing}`;
  let p = cache.get(key);
  if (!p) {
    p = buildPlan(makeGeometry(g));
    if (cache.size >= 16) cache.delete(cache.keys().next().value as string);
    cache.set(key, p);
  }
  return p;
}

function buildPlan(g: Geometry): PixelPlan {
  const N = g.size;
  const A = g.views;
  const D = g.detectors;
  const h = g.detectorSpacing;
  const half = (N - 1) / 2;
  const alpha = new Float64Array(A);
  const beta = new Float64Array(A * N);
  const lo = new Int32Array(A * N);
  const hi = new Int32Array(A * N);
  for (let k = 0; k < A; k++) {
    const t = (k * Math.PI) / A;
    const c = Math.cos(t);
    const s = Math.sin(t);
    // Padded bin index of pixel (i, j): ((j - half) c + (half - i) s) / h + (D-1)/2 + 1.
    const a = c / h;
    alpha[k] = a;
    for (let i = 0; i < N; i++) {
      const b = (-half * c + (half - i) * s) / h + (D - 1) / 2 + 1;
      beta[k * N + i] = b;
      if (a === 0) {
        // cos t is never exactly 0 for t = k pi / A in floating point, but keep the range well defined.
        lo[k * N + i] = 0;
        hi[k * N + i] = b >= 0 && b < D + 1 ? N - 1 : -1;
      } else {
        const [l, r] = detectorRange(a, b, D + 1, N);
        lo[k * N + i] = l;
        hi[k * N + i] = r;
      }
    }
  }
  return { size: N, views: A, detectors: D, spacing: h, alpha, beta, lo, hi };
}

/** B q for `batch` sinograms [batch, A, D] into images [batch, N, N]. */
export function pixelBackproject(
  plan: PixelPlan,
  q: ArrayLike<number>,
  batch: number,
  out: Float32Array,
): void {
  const { size: N, views: A, detectors: D, alpha, beta, lo, hi } = plan;
  const W = D + 2;
  const row = new Float64Array(W);
  const acc = new Float64Array(N * N);
  const scale = 1 / plan.spacing;
  for (let b = 0; b < batch; b++) {
    acc.fill(0);
    for (let k = 0; k < A; k++) {
      const qo = (b * A + k) * D;
      for (let d = 0; d < D; d++) row[d + 1] = q[qo + d];
      const a = alpha[k];
      for (let i = 0; i < N; i++) {
        const ki = k * N + i;
        const bi = beta[ki];
        const jEnd = hi[ki];
        const o = i * N;
        for (let j = lo[ki]; j <= jEnd; j++) {
          const gj = bi + a * j;
          const idx = gj | 0;
          const w = gj - idx;
          const p0 = row[idx];
          acc[o + j] += p0 + w * (row[idx + 1] - p0);
        }
      }
    }
    const xo = b * N * N;
    for (let p = 0; p < N * N; p++) out[xo + p] = acc[p] * scale;
  }
}

/** B^T x (the exact transpose of pixelBackproject) for `batch` images into sinograms [batch, A, D]. */
export function pixelBackprojectTranspose(
  plan: PixelPlan,
  x: ArrayLike<number>,
  batch: number,
  out: Float32Array,
): void {
  const { size: N, views: A, detectors: D, alpha, beta, lo, hi } = plan;
  const W = D + 2;
  const row = new Float64Array(W);
  const scale = 1 / plan.spacing;
  for (let b = 0; b < batch; b++) {
    const xo = b * N * N;
    for (let k = 0; k < A; k++) {
      row.fill(0);
      const a = alpha[k];
      for (let i = 0; i < N; i++) {
        const ki = k * N + i;
        const bi = beta[ki];
        const jEnd = hi[ki];
        const o = xo + i * N;
        for (let j = lo[ki]; j <= jEnd; j++) {
          const gj = bi + a * j;
          const idx = gj | 0;
          const w = gj - idx;
          const c = x[o + j];
          const cw = c * w;
          row[idx] += c - cw;
          row[idx + 1] += cw;
        }
      }
      const qo = (b * A + k) * D;
      for (let d = 0; d < D; d++) out[qo + d] = row[d + 1] * scale;
    }
  }
}
