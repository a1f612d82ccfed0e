/**
 * Joseph's projector and its exact transpose on plain typed arrays (DESIGN.md section 3).
 * A: images [B,N,N] (row-major Float32Array) -> sinograms [B,A,D]; A^T the reverse.
 *
 * Joseph (1982), "An improved algorithm for reprojecting rays through pixel images": each ray
 * {u cos t + v sin t = s} is stepped along the axis it is most aligned with. For a view with
 * |cos t| >= |sin t| the ray crosses every image row once; at row i (v_i = (N-1)/2 - i) it hits
 *   u = (s - v_i sin t) / cos t,
 * the image is linearly interpolated between the two neighbouring columns there, and the sum over rows
 * is multiplied by the step length 1/|cos t| (ray length between consecutive rows). Views with
 * |sin t| > |cos t| step along columns instead (weight 1/|sin t|), on a transposed copy of the image so
 * that the inner loop reads memory contiguously.
 *
 * For a fixed view and image line, the in-line coordinate is affine in the detector index d
 * (s = (d - (D-1)/2) * spacing), g(d) = alpha * d + beta_line, in units of a zero-padded line
 * (one zero pixel on each side, so indices floor(g) and floor(g)+1 are always in [0, N+1]). The set of
 * d with 0 <= g(d) < N + 1 is an interval computed once per (view, line) and checked against the very
 * expression the loops evaluate, so the inner loops run without branches.
 *
 * The adjoint executes the same loops with every gather turned into a scatter, so it is the exact
 * transpose of the forward map (<Ax, y> = <x, A^T y> up to floating-point rounding); both accumulate in
 * Float64.
 */
import { UsageError } from '@shared/errors';
import { makeGeometry, physicsOf, type Geometry } from '@shared/geometry';

/** Precomputed per-view, per-line constants of Joseph's method for one geometry. */
export interface JosephPlan {
  readonly size: number;
  readonly views: number;
  readonly detectors: number;
  /** Per view: true when the view steps along image rows (|cos t| >= |sin t|). */
  readonly rowMode: Uint8Array;
  /** Per view: d -> g slope. */
  readonly alpha: Float64Array;
  /** Per view: the step-length weight 1/max(|cos t|, |sin t|). */
  readonly weight: Float64Array;
  /** Per (view, line), index k*N + line: intercept of g(d). */
  readonly beta: Float64Array;
  /** Per (view, line): first and last detector index whose ray meets the padded line (lo > hi: none). */
  readonly lo: Int32Array;
  readonly hi: Int32Array;
}

const planCache = new Map<string, JosephPlan>();
const PLAN_CACHE_MAX = 16;

function planKey(g: Geometry): string {
  return `${g.size}/${g.views}/${g.detectors}/${g.detectorSpacing}`;
}

/** The plan for a geometry, cached (a handful of geometries at most live in one process). */
export function josephPlan(g: Geometry): JosephPlan {
  // Every Radon path (tensor kernels, typed-array API, FBP, dense matrices) starts here: a geometry of another
  // physics has views/detectors that mean something else, so projecting with it would be silently wrong.
  const kind = physicsOf(g).kind;
  if (kind !== 'radon') throw new UsageError(`radon: the geometry's physics is ${kind}, not radon`);
  const key = planKey(g);
  let plan = planCache.get(key);
  if (!plan) {
    plan = buildPlan(makeGeometry(g)); // validates plain-data geometries once per key
    if (planCache.size >= PLAN_CACHE_MAX) planCache.delete(planCache.keys().next().value as string);
    planCache.set(key, plan);
  }
  return plan;
}

/**
 * The plan of a scanner that differs from the nominal geometry (operator mismatch, reason 3 of papers/000
 * section 2.2): every view angle offset by `angleOffsetDeg` (theta_k = k 180/A + offset) and the detector
 * shifted by `detectorShift` bins (bin d at s = (d - (D-1)/2 + shift) spacing). Not cached (attacks sweep
 * many offsets); with zero offsets it equals josephPlan(g) value for value.
 */
export function josephPlanWithOffsets(
  g: Geometry,
  angleOffsetDeg: number,
  detectorShift: number,
): JosephPlan {
  if (angleOffsetDeg === 0 && detectorShift === 0) return josephPlan(g);
  return buildPlan(makeGeometry(g), (angleOffsetDeg * Math.PI) / 180, detectorShift);
}

function buildPlan(g: Geometry, angleOffset = 0, detectorShift = 0): JosephPlan {
  const N = g.size;
  const A = g.views;
  const D = g.detectors;
  const h = g.detectorSpacing;
  const half = (N - 1) / 2;
  // s_d = h d - sHalf: a detector shift of `detectorShift` bins replaces sHalf by sHalf - shift h.
  const sHalf = ((D - 1) / 2) * h - detectorShift * h;
  const rowMode = new Uint8Array(A);
  const alpha = new Float64Array(A);
  const weight = new Float64Array(A);
  const beta = new Float64Array(A * N);
  const lo = new Int32Array(A * N);
  const hi = new Int32Array(A * N);
  const lim = N + 1;
  for (let k = 0; k < A; k++) {
    const t = (k * Math.PI) / A + angleOffset;
    const c = Math.cos(t);
    const s = Math.sin(t);
    const row = Math.abs(c) >= Math.abs(s);
    rowMode[k] = row ? 1 : 0;
    let a: number;
    if (row) {
      // Line = image row i, v_i = half - i; padded column index g = u + half + 1, u = (s_d - v_i sin t)/cos t.
      a = h / c;
      weight[k] = 1 / Math.abs(c);
      for (let i = 0; i < N; i++) {
        const v = half - i;
        beta[k * N + i] = -sHalf / c - (v * s) / c + half + 1;
      }
    } else {
      // Line = image column j (a row of the transposed image), u_j = j - half; padded row index
      // g = half - v + 1, v = (s_d - u_j cos t)/sin t.
      a = -h / s;
      weight[k] = 1 / Math.abs(s);
      for (let j = 0; j < N; j++) {
        const u = j - half;
        beta[k * N + j] = sHalf / s + (u * c) / s + half + 1;
      }
    }
    alpha[k] = a;
    for (let l = 0; l < N; l++) {
      const b = beta[k * N + l];
      const [dlo, dhi] = detectorRange(a, b, lim, D);
      lo[k * N + l] = dlo;
      hi[k * N + l] = dhi;
    }
  }
  return { size: N, views: A, detectors: D, rowMode, alpha, weight, beta, lo, hi };
}

/** The interval of d in [0, D-1] with 0 <= b + a*d < lim (g is monotone in d), exact for the loop's arithmetic. */
export function detectorRange(a: number, b: number, lim: number, D: number): [number, number] {
  const ok = (d: number): boolean => {
    const gd = b + a * d;
    return gd >= 0 && gd < lim;
  };
  let dlo: number;
  let dhi: number;
  if (a > 0) {
    dlo = Math.ceil(-b / a);
    dhi = Math.ceil((lim - b) / a) - 1;
  } else {
    dlo = Math.floor((lim - b) / a) + 1;
    dhi = Math.floor(-b / a);
  }
  dlo = Math.max(0, dlo);
  dhi = Math.min(D - 1, dhi);
  if (dlo > dhi) return [0, -1];
  // The closed-form bounds can be off by one through rounding: fix them with the loop's own expression.
  while (dlo <= dhi && !ok(dlo)) dlo++;
  while (dhi >= dlo && !ok(dhi)) dhi--;
  if (dlo > dhi) return [0, -1];
  while (dlo > 0 && ok(dlo - 1)) dlo--;
  while (dhi < D - 1 && ok(dhi + 1)) dhi++;
  return [dlo, dhi];
}

/** Copy one N x N image (offset `off` in x) into zero-padded [N, N+2] rows and the padded transpose. */
function padImage(
  x: ArrayLike<number>,
  off: number,
  N: number,
  rows: Float64Array,
  cols: Float64Array,
): void {
  const W = N + 2;
  for (let i = 0; i < N; i++) {
    const o = i * W + 1;
    const xi = off + i * N;
    for (let j = 0; j < N; j++) {
      const val = x[xi + j];
      rows[o + j] = val;
      cols[j * W + 1 + i] = val;
    }
  }
}

function checkLength(op: string, what: string, got: number, want: number): void {
  if (got !== want) {
    throw new RangeError(`${op}: ${what} has ${got} values, expected ${want}`);
  }
}

/**
 * Forward projection of `batch` images (row-major [batch, N, N]) into sinograms [batch, A, D].
 * `views` optionally restricts the work to views [v0, v1) (used to split views across threads).
 */
export function josephForward(
  plan: JosephPlan,
  x: ArrayLike<number>,
  batch: number,
  out: Float32Array,
  v0 = 0,
  v1 = plan.views,
): void {
  const N = plan.size;
  const D = plan.detectors;
  const A = plan.views;
  const W = N + 2;
  checkLength('radonForwardArray', 'image', x.length, batch * N * N);
  checkLength('radonForwardArray', 'output', out.length, batch * A * D);
  const rows = new Float64Array(N * W);
  const cols = new Float64Array(N * W);
  const acc = new Float64Array(D);
  const { rowMode, alpha, weight, beta, lo, hi } = plan;
  for (let b = 0; b < batch; b++) {
    padImage(x, b * N * N, N, rows, cols);
    for (let k = v0; k < v1; k++) {
      const img = rowMode[k] ? rows : cols;
      const a = alpha[k];
      acc.fill(0);
      for (let l = 0; l < N; l++) {
        const kl = k * N + l;
        const bl = beta[kl];
        const dEnd = hi[kl];
        const o = l * W;
        for (let d = lo[kl]; d <= dEnd; d++) {
          const gd = bl + a * d;
          const idx = gd | 0; // gd >= 0, so truncation is floor
          const w = gd - idx;
          const p0 = img[o + idx];
          acc[d] += p0 + w * (img[o + idx + 1] - p0);
        }
      }
      const wt = weight[k];
      const yo = (b * A + k) * D;
      for (let d = 0; d < D; d++) out[yo + d] = acc[d] * wt;
    }
  }
}

/**
 * Adjoint (backprojection) of `batch` sinograms [batch, A, D] into images [batch, N, N]: the exact
 * transpose of josephForward. `views` [v0, v1) restricts the sum to those views (partial sums for threads).
 */
export function josephAdjoint(
  plan: JosephPlan,
  y: ArrayLike<number>,
  batch: number,
  out: Float32Array | Float64Array,
  v0 = 0,
  v1 = plan.views,
): void {
  const N = plan.size;
  const D = plan.detectors;
  const A = plan.views;
  const W = N + 2;
  checkLength('radonAdjointArray', 'sinogram', y.length, batch * A * D);
  checkLength('radonAdjointArray', 'output', out.length, batch * N * N);
  const rows = new Float64Array(N * W);
  const cols = new Float64Array(N * W);
  const yk = new Float64Array(D);
  const { rowMode, alpha, weight, beta, lo, hi } = plan;
  for (let b = 0; b < batch; b++) {
    rows.fill(0);
    cols.fill(0);
    for (let k = v0; k < v1; k++) {
      const img = rowMode[k] ? rows : cols;
      const a = alpha[k];
      const wt = weight[k];
      const yo = (b * A + k) * D;
      for (let d = 0; d < D; d++) yk[d] = y[yo + d] * wt;
      for (let l = 0; l < N; l++) {
        const kl = k * N + l;
        const bl = beta[kl];
        const dEnd = hi[kl];
        const o = l * W;
        for (let d = lo[kl]; d <= dEnd; d++) {
          const gd = bl + a * d;
          const idx = gd | 0;
          const w = gd - idx;
          const c = yk[d];
          const cw = c * w;
          img[o + idx] += c - cw;
          img[o + idx + 1] += cw;
        }
      }
    }
    // Transpose of the zero padding is cropping; the column-mode accumulator is transposed back.
    const xo = b * N * N;
    for (let i = 0; i < N; i++) {
      const ro = i * W + 1;
      for (let j = 0; j < N; j++) out[xo + i * N + j] = rows[ro + j] + cols[j * W + 1 + i];
    }
  }
}
