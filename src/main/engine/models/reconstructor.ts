/**
 * Reconstructor f: sinograms [B,A,D,1] -> images [B,N,N,1] (DESIGN.md section 4). Every reconstructor the
 * app audits (plain FBP, the linear model of Theorem 1, FBPConvNet) implements this, so attacks,
 * certification and audits are written once against it.
 */
import type { Geometry } from '@shared/geometry';
import type { tf } from '../backend';

export type ReconstructorKind = 'fbp' | 'linear' | 'fbpconvnet' | 'imported';

/**
 * Where a reconstructor comes from, so another thread can build the same one (certify/smoothing-pool.ts runs
 * smoothing samples in worker threads): a saved model folder, or plain FBP with its settings.
 */
export type ReconstructorOrigin =
  { kind: 'saved'; dir: string } | { kind: 'fbp'; geometry: Geometry; filter?: string; cutoff?: number };

export interface Reconstructor {
  readonly kind: ReconstructorKind;
  readonly geometry: Geometry;
  /** How to rebuild this reconstructor elsewhere; absent for models built in memory (tests, training). */
  readonly origin?: ReconstructorOrigin;
  /**
   * False for a black-box model (an imported network run by onnxruntime): reconstruct gives forward passes
   * only, no gradient flows through it, and attacks must be gradient-free. Absent means true.
   */
  readonly differentiable?: boolean;
  /**
   * f(y) in inference mode (batch norm uses its moving statistics). Differentiable with respect to y (attacks
   * take tf.grad through it). Does not dispose y. Caller owns the result.
   */
  reconstruct(y: tf.Tensor4D): tf.Tensor4D;
  /** One line for reports and logs, e.g. "FBP (ram-lak, cutoff 1)". */
  describe(): string;
  /** Free weights and cached operators. */
  dispose(): void;
}

/** Options of TrainableReconstructor.apply. */
export interface ApplyOptions {
  /**
   * With training = true: false keeps batch norm's moving statistics unchanged (batch statistics are still
   * used), for the extra forward passes of inner maximizations (PGD, power iterations). Default true.
   */
  updateStats?: boolean;
}

/** A reconstructor with trainable weights. */
export interface TrainableReconstructor extends Reconstructor {
  /** f(y); with training = true batch norm uses batch statistics and updates its moving averages. */
  apply(y: tf.Tensor4D, training: boolean, opts?: ApplyOptions): tf.Tensor4D;
  /** The variables the model optimizer updates. */
  trainableVariables(): tf.Variable[];
  /**
   * The weight matrices / kernels that weight penalties act on (l2 decay, Parseval): dense matrices and
   * convolution kernels (FBPConvNet: the rank-4 conv and transposed-conv kernels; no biases or BN parameters).
   */
  kernelVariables(): tf.Variable[];
  /**
   * Every variable that defines the model, trainable or not (e.g. batch-norm moving statistics), in a fixed
   * order; checkpoints save these. Default when absent: trainableVariables().
   */
  stateVariables?(): tf.Variable[];
}
