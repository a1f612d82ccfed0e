/**
 * MeasurementOperator A: images [B,N,N,1] -> measurements [B,A,D,1], the forward model y = A x of one
 * Geometry and its physics (src/shared/physics.ts): the Radon transform (radon-operator.ts), the identity of
 * denoising (identity-operator.ts) or block compressed sensing (cs-operator.ts). Models, training, attacks,
 * certification and audits are written against this interface, so papers/002's denoising and compressed-sensing
 * tasks run through the same code as CT.
 *
 * forward and adjoint are exact transposes, and their gradients are each other (tf.customGrad).
 * `initialReconstruction` is the fixed linear map the FBPConvNet's U-Net refines and the plain baseline
 * reconstructor: FBP for radon, y itself for denoise, A^+ y (or A^T y) for cs. It is differentiable.
 */
import type { Geometry } from '@shared/geometry';
import type { Physics } from '@shared/physics';
import type { tf } from '../backend';
import type { FbpOptions } from './fbp';
import type { LinearOperator } from './linear-operator';

/** Options of the initial reconstruction: the FBP settings, which only radon reads. */
export type InitialReconstructionOptions = FbpOptions;

export interface MeasurementOperator extends LinearOperator {
  /** The (validated) geometry: size N, and views/detectors = the measurement's rows A and columns D. */
  readonly geometry: Geometry;
  /** The forward model (radon when the geometry has none). */
  readonly physics: Physics;
  /** [N, N, 1]. */
  readonly domainShape: readonly number[];
  /** [A, D, 1]. */
  readonly rangeShape: readonly number[];
  /** A x for images [B,N,N,1]; returns [B,A,D,1]. Does not dispose x. */
  forward(x: tf.Tensor4D): tf.Tensor4D;
  /** A^T y for measurements [B,A,D,1]; returns [B,N,N,1]. Does not dispose y. */
  adjoint(y: tf.Tensor4D): tf.Tensor4D;
  /** x0(y): FBP (radon), y (denoise), A^+ y or A^T y (cs); [B,A,D,1] -> [B,N,N,1]. Differentiable. */
  initialReconstruction(y: tf.Tensor4D, o?: InitialReconstructionOptions): tf.Tensor4D;
  /** What initialReconstruction computes, for reports ("FBP (ram-lak, cutoff 1)", "A^+ y"). */
  describeInitialReconstruction(o?: InitialReconstructionOptions): string;
  /**
   * ||A||_F^2, the sum of A's squared entries = E ||A z||^2 for white image noise z of unit variance: turns
   * measurement perturbations into HU-equivalent RMS (src/shared/eps.ts).
   */
  frobeniusNormSq(): number;
}
