/**
 * linear-theory: papers/000 Theorem 1 and its section 4.4 experiment in plain Float64 JS.
 *   matrix.ts        small dense matrices, one-sided Jacobi SVD, norms, condition number
 *   theorem1.ts      the closed-form robust B (eq. 10) with m chosen by minimizing the objective (eq. 15)
 *   problem.ts       the simulated problem (Gaussian A with replaced singular values, N(0, I) samples)
 *   minmax-train.ts  B-hat by min-max training of eq. (12)
 *   kappa-distribution.ts  kappa(B) over draws of A (Theorem 1 from the singular values alone)
 *   sgd-trajectory.ts  B-hat under the paper's SGD against the minimiser and the m = 2 candidate
 *   experiment.ts    all of it, compared by the paper's metrics (`ct-audit reproduce linear-theory`)
 *   report.ts        the comparison rows, settings that differ, notes and the computed verdict
 */
export * from './matrix';
export { theorem1B, theorem1Objective, type Theorem1Result, type Theorem1Candidate } from './theorem1';
export {
  makeLinearProblem,
  drawIllConditionedA,
  entryStdOf,
  ENTRY_SCALE_READINGS,
  type EntryScaleReading,
  type LinearProblem,
  type LinearProblemOptions,
} from './problem';
export {
  kappaDistribution,
  quantiles,
  theorem1Spectrum,
  type KappaDistribution,
  type Quantiles,
  type SpectrumCandidate,
} from './kappa-distribution';
export {
  sgdTrajectory,
  SGD_TRAJECTORY_DEFAULTS,
  type SgdTrajectory,
  type TrajectoryPoint,
} from './sgd-trajectory';
export { linearTheoryReport, kappaNotes, LINEAR_THEORY_VERBATIM } from './report';
export {
  trainMinmaxLinear,
  minmaxLoss,
  minmaxGradB,
  minmaxGradDelta,
  MINMAX_TRAIN_DEFAULTS,
  type MinmaxOptimizer,
  type MinmaxTrainOptions,
  type MinmaxTrainResult,
} from './minmax-train';
export {
  runLinearTheory,
  LINEAR_THEORY_DEFAULTS,
  LINEAR_THEORY_PAPER,
  type LinearTheoryOptions,
  type LinearTheoryResult,
  type ReadingMeasurements,
} from './experiment';
