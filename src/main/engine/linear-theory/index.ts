/**
 * linear-theory: papers/000 Theorem 1 and its section 4.4 experiment in plain Float64 JS.
 *   matrix.ts        small dense matrices, one-sided Jacobi SVD, norms, condition number
 *   theorem1.ts      the closed-form robust B (eq. 10) with m chosen by minimizing the objective (eq. 15)
 *   problem.ts       the simulated problem (Gaussian A with replaced singular values, N(0, I) samples)
 *   minmax-train.ts  B-hat by min-max training of eq. (12)
 *   experiment.ts    both, compared by the paper's metrics (`ct-audit reproduce linear-theory`)
 */
export * from './matrix';
export { theorem1B, theorem1Objective, type Theorem1Result, type Theorem1Candidate } from './theorem1';
export { makeLinearProblem, type LinearProblem, type LinearProblemOptions } from './problem';
export {
  trainMinmaxLinear,
  minmaxLoss,
  minmaxGradB,
  minmaxGradDelta,
  MINMAX_TRAIN_DEFAULTS,
  type MinmaxTrainOptions,
  type MinmaxTrainResult,
} from './minmax-train';
export {
  runLinearTheory,
  LINEAR_THEORY_DEFAULTS,
  LINEAR_THEORY_PAPER,
  type LinearTheoryOptions,
  type LinearTheoryResult,
} from './experiment';
