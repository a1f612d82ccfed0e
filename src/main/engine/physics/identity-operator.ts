/**
 * A = I: images [B,N,N,1] -> measurements [B,N,N,1] (papers/002 section 4, denoising: "A = I and b is Gaussian
 * noise with level sigma_b"; the noise is the measurement noise of data/measure.ts). The adjoint and the
 * initial reconstruction are the identity too, so an FBPConvNet on this physics is a residual U-Net denoiser
 * and the plain baseline returns the noisy image. Outputs are new tensors (callers own and dispose them).
 */
import { tf } from '../backend';
import { makeGeometry, physicsOf, type Geometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import type { Physics } from '@shared/physics';
import { adjointView, asFloat, checkBatchShape, linearOp, type LinearOperator } from './linear-operator';
import type { MeasurementOperator } from './measurement-operator';

export class IdentityOperator implements MeasurementOperator {
  readonly geometry: Geometry;
  readonly physics: Physics;
  readonly domainShape: readonly number[];
  readonly rangeShape: readonly number[];
  private readonly op: (x: tf.Tensor4D) => tf.Tensor4D;
  private view?: LinearOperator;

  constructor(geometry: Geometry) {
    this.geometry = makeGeometry(geometry);
    this.physics = physicsOf(this.geometry);
    if (this.physics.kind !== 'denoise') {
      throw new UsageError(`IdentityOperator: expected physics denoise, got ${this.physics.kind}`);
    }
    const N = this.geometry.size;
    this.domainShape = [N, N, 1];
    this.rangeShape = [N, N, 1];
    // I^T = I: the gradient of the identity is the identity (a copy, so no tensor is returned twice).
    this.op = linearOp<tf.Tensor4D>(
      (x) => tf.clone(x),
      (dy) => this.op(dy),
    );
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('identity.forward', x, this.domainShape);
    return tf.tidy(() => this.op(asFloat(x)));
  }

  adjoint(y: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('identity.adjoint', y, this.rangeShape);
    return tf.tidy(() => this.op(asFloat(y)));
  }

  adjointOperator(): LinearOperator {
    this.view ??= adjointView(this);
    return this.view;
  }

  /** x0 = y: the noisy image itself. */
  initialReconstruction(y: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('identity.initialReconstruction', y, this.rangeShape);
    return tf.tidy(() => this.op(asFloat(y)));
  }

  /** ||I||_F^2 = N^2. */
  frobeniusNormSq(): number {
    return this.geometry.size * this.geometry.size;
  }

  describeInitialReconstruction(): string {
    return 'identity (the noisy image)';
  }
}
