/**
 * A': images [B,N,N] -> sinograms [B,A,D], the Joseph projector of a geometry whose scanner differs from the
 * nominal one (reason 3 of papers/000, section 2.2): every view angle offset by `angleOffsetDeg`
 * (theta_k = k 180/A + offset) and the detector shifted by `detectorShift` pixels (bin d at
 * s = (d - (D-1)/2) spacing + shift). Per-view gains are applied separately (mismatch.ts).
 *
 * The plan comes from physics/radon-joseph.ts (josephPlanWithOffsets) and runs through its josephForward,
 * so with zero offsets it is the nominal projector A, value for value.
 */
import type { Geometry } from '@shared/geometry';
import { josephForward, josephPlanWithOffsets, type JosephPlan } from '../physics/radon-joseph';

export interface OperatorMismatch {
  /** Global view-angle offset in degrees. */
  angleOffsetDeg: number;
  /** Detector shift in detector pixels (units of the bin spacing). */
  detectorShift: number;
}

/** Joseph plan for the mismatched geometry (the physics plan builder with its offsets). */
export function mismatchedPlan(geometry: Geometry, m: OperatorMismatch): JosephPlan {
  return josephPlanWithOffsets(geometry, m.angleOffsetDeg, m.detectorShift);
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
