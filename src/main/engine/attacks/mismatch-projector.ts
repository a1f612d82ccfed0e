/**
 * A': images [B,N,N] -> sinograms [B,A,D], the Joseph projector of a geometry whose scanner differs from the
 * nominal one (reason 3 of papers/000, section 2.2): every view angle offset by `angleOffsetDeg`
 * (theta_k = k 180/A + offset) and the detector shifted by `detectorShift` pixels (bin d at
 * s = (d - (D-1)/2) spacing + shift). Per-view gains are applied separately (mismatch.ts).
 *
 * The plan is built with the same formulas as physics/radon-joseph.ts (which has no offsets) and run by its
 * josephForward, so with zero offsets it is the nominal projector A, value for value. For unification: the
 * physics module could take these two offsets in its plan builder.
 */
import { makeGeometry, type Geometry } from '@shared/geometry';
import { detectorRange, josephForward, josephPlan, type JosephPlan } from '../physics/radon-joseph';

export interface OperatorMismatch {
  /** Global view-angle offset in degrees. */
  angleOffsetDeg: number;
  /** Detector shift in detector pixels (units of the bin spacing). */
  detectorShift: number;
}

/** Joseph plan for the mismatched geometry (radon-joseph.ts buildPlan with theta + offset, s + shift). */
export function mismatchedPlan(geometry: Geometry, m: OperatorMismatch): JosephPlan {
  const g = makeGeometry(geometry);
  if (m.angleOffsetDeg === 0 && m.detectorShift === 0) return josephPlan(g);
  const N = g.size;
  const A = g.views;
  const D = g.detectors;
  const h = g.detectorSpacing;
  const half = (N - 1) / 2;
  // s_d = h d - sHalf + shift h: the nominal formulas with sHalf replaced by sHalf - shift h.
  const sHalf = ((D - 1) / 2) * h - m.detectorShift * h;
  const offset = (m.angleOffsetDeg * Math.PI) / 180;
  const rowMode = new Uint8Array(A);
  const alpha = new Float64Array(A);
  const weight = new Float64Array(A);
  const beta = new Float64Array(A * N);
  const lo = new Int32Array(A * N);
  const hi = new Int32Array(A * N);
  const lim = N + 1;
  for (let k = 0; k < A; k++) {
    const t = (k * Math.PI) / A + offset;
    const c = Math.cos(t);
    const s = Math.sin(t);
    const row = Math.abs(c) >= Math.abs(s);
    rowMode[k] = row ? 1 : 0;
    let a: number;
    if (row) {
      a = h / c;
      weight[k] = 1 / Math.abs(c);
      for (let i = 0; i < N; i++) beta[k * N + i] = -sHalf / c - ((half - i) * s) / c + half + 1;
    } else {
      a = -h / s;
      weight[k] = 1 / Math.abs(s);
      for (let j = 0; j < N; j++) beta[k * N + j] = sHalf / s + ((j - half) * c) / s + half + 1;
    }
    alpha[k] = a;
    for (let l = 0; l < N; l++) {
      const [dlo, dhi] = detectorRange(a, beta[k * N + l], lim, D);
      lo[k * N + l] = dlo;
      hi[k * N + l] = dhi;
    }
  }
  return { size: N, views: A, detectors: D, rowMode, alpha, weight, beta, lo, hi };
}

/** A' x for `batch` images (row-major [batch, N, N]) -> [batch, A, D]. */
export function mismatchedForward(
  geometry: Geometry,
  m: OperatorMismatch,
  x: ArrayLike<number>,
  batch: number,
): Float32Array {
  const plan = mismatchedPlan(geometry, m);
  const out = new Float32Array(batch * plan.views * plan.detectors);
  josephForward(plan, x, batch, out);
  return out;
}
