/**
 * Reconstructor f: sinograms [B,A,D,1] -> images [B,N,N,1] (DESIGN.md section 4). Every reconstructor the
 * app audits (plain FBP, the linear model of Theorem 1, FBPConvNet) implements this, so attacks,
 * certification and audits are written once against it.
 */
import type { Geometry } from '@shared/geometry';
import type { tf } from '../backend';

export type ReconstructorKind = 'fbp' | 'linear' | 'fbpconvnet' | 'imported';

export interface Reconstructor {
  readonly kind: ReconstructorKind;
  readonly geometry: Geometry;
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
