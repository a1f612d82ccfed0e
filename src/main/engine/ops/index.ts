/**
 * ops: per-slice tensor helpers for batched tensors [B, ...] (batched.ts), used by attacks, training and
 * certification: sliceNorms, projectL2, normalizeSlices, randomOnSpheres, and their Float64 host forms.
 */
export {
  itemAxes,
  sliceNorms,
  radiusTensor,
  projectL2,
  normalizeSlices,
  blockNorms,
  sliceDistances,
  sliceNormsHost,
  projectL2Host,
  randomOnSpheres,
} from './batched';
