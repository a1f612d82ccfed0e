/**
 * A: images [B,N,N,1] -> measurements [B,K,m,1], block compressed sensing (src/shared/physics.ts): the image is
 * tiled into K = (N / b)^2 blocks of b x b pixels (block rows top to bottom, then columns left to right;
 * pixels row-major inside a block), and block k is measured as y_k = Phi x_k with the seeded Gaussian Phi of
 * cs-matrix.ts (papers/002 section 4, as ISTA-Net).
 *
 *   forward          y_k = Phi x_k
 *   adjoint          x_k = Phi^T y_k                 (exact transpose of forward)
 *   pseudoInverse    x_k = Phi^T (Phi Phi^T)^-1 y_k  (A^+: A A^+ = I, A^+ A the projector onto row(A))
 *   initialReconstruction = pseudoInverse, or adjoint with physics.init 'adjoint'
 *
 * Each map is wrapped by linearOp, so its gradient is its exact transpose (forward <-> adjoint; the
 * pseudo-inverse's transpose is y = (Phi Phi^T)^-1 Phi x). The matrices are uploaded per call inside tf.tidy
 * (0.4 MB at b = 32), so an operator holds no tensors and needs no dispose.
 */
import { tf } from '../backend';
import { makeGeometry, physicsOf, type Geometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import type { CsPhysics } from '@shared/physics';
import { csMatrices, type CsMatrices } from './cs-matrix';
import { adjointView, asFloat, checkBatchShape, linearOp, type LinearOperator } from './linear-operator';
import type { MeasurementOperator } from './measurement-operator';

export class CsOperator implements MeasurementOperator {
  readonly geometry: Geometry;
  readonly physics: CsPhysics;
  readonly domainShape: readonly number[];
  readonly rangeShape: readonly number[];
  private readonly mats: CsMatrices;
  private readonly forwardOp: (x: tf.Tensor4D) => tf.Tensor4D;
  private readonly adjointOp: (y: tf.Tensor4D) => tf.Tensor4D;
  private readonly pinvOp: (y: tf.Tensor4D) => tf.Tensor4D;
  private readonly pinvTOp: (x: tf.Tensor4D) => tf.Tensor4D;
  private view?: LinearOperator;

  constructor(geometry: Geometry) {
    this.geometry = makeGeometry(geometry);
    const p = physicsOf(this.geometry);
    if (p.kind !== 'cs') throw new UsageError(`CsOperator: expected physics cs, got ${p.kind}`);
    this.physics = p;
    this.mats = csMatrices(p);
    const g = this.geometry;
    this.domainShape = [g.size, g.size, 1];
    this.rangeShape = [g.views, g.detectors, 1];
    const { m, n, phi, pinvT } = this.mats;
    // Rows of blocks [B K, n] times M^T ([n, m]) or times M ([m, n]); M uploaded inside the caller's tidy.
    const times = (rows: tf.Tensor2D, M: Float32Array, transposeM: boolean): tf.Tensor2D =>
      tf.matMul(rows, tf.tensor2d(M, [m, n]), false, transposeM);
    this.forwardOp = linearOp<tf.Tensor4D>(
      (x) => this.toMeasurements(times(this.toBlocks(x), phi, true), x.shape[0]),
      (dy) => this.adjointOp(dy),
    );
    this.adjointOp = linearOp<tf.Tensor4D>(
      (y) => this.toImage(times(this.measurementRows(y), phi, false), y.shape[0]),
      (dx) => this.forwardOp(dx),
    );
    this.pinvOp = linearOp<tf.Tensor4D>(
      (y) => this.toImage(times(this.measurementRows(y), pinvT, false), y.shape[0]),
      (dx) => this.pinvTOp(dx),
    );
    this.pinvTOp = linearOp<tf.Tensor4D>(
      (x) => this.toMeasurements(times(this.toBlocks(x), pinvT, true), x.shape[0]),
      (dy) => this.pinvOp(dy),
    );
  }

  /** Phi (m x n, row-major float32; do not modify). */
  get matrix(): Float32Array {
    return this.mats.phi;
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('cs.forward', x, this.domainShape);
    return tf.tidy(() => this.forwardOp(asFloat(x)));
  }

  adjoint(y: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('cs.adjoint', y, this.rangeShape);
    return tf.tidy(() => this.adjointOp(asFloat(y)));
  }

  adjointOperator(): LinearOperator {
    this.view ??= adjointView(this);
    return this.view;
  }

  /** A^+ y, block by block; returns [B,N,N,1]. Differentiable. */
  pseudoInverse(y: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('cs.pseudoInverse', y, this.rangeShape);
    return tf.tidy(() => this.pinvOp(asFloat(y)));
  }

  initialReconstruction(y: tf.Tensor4D): tf.Tensor4D {
    return this.physics.init === 'pinv' ? this.pseudoInverse(y) : this.adjoint(y);
  }

  /** The squared entries of Phi, once per block of the image (A is block-diagonal with Phi on each block). */
  frobeniusNormSq(): number {
    let s = 0;
    for (const v of this.mats.phi) s += v * v;
    return s * this.geometry.views;
  }

  describeInitialReconstruction(): string {
    return this.physics.init === 'pinv' ? 'pseudo-inverse A^+ y' : 'adjoint A^T y';
  }

  /** [B,N,N,1] -> [B K, b^2]: one row per block (rank-4 transposes only, which every backend has). */
  private toBlocks(x: tf.Tensor4D): tf.Tensor2D {
    const b = this.physics.block;
    const r = this.geometry.size / b;
    const B = x.shape[0];
    return x
      .reshape([B * r, b, r, b])
      .transpose([0, 2, 1, 3])
      .reshape([B * r * r, b * b]);
  }

  /** [B K, b^2] -> [B,N,N,1] (the inverse of toBlocks). */
  private toImage(rows: tf.Tensor2D, B: number): tf.Tensor4D {
    const b = this.physics.block;
    const r = this.geometry.size / b;
    const N = this.geometry.size;
    return rows
      .reshape([B * r, r, b, b])
      .transpose([0, 2, 1, 3])
      .reshape([B, N, N, 1]);
  }

  private measurementRows(y: tf.Tensor4D): tf.Tensor2D {
    return y.reshape([y.shape[0] * this.geometry.views, this.mats.m]);
  }

  private toMeasurements(rows: tf.Tensor2D, B: number): tf.Tensor4D {
    return rows.reshape([B, this.geometry.views, this.mats.m, 1]);
  }
}
