/**
 * A: images [B,N,N,1] -> sinograms [B,A,D,1]; parallel-beam Radon transform by Joseph's method
 * (radon-joseph.ts), with its exact transpose and FBP, as differentiable tfjs ops (DESIGN.md sections 3-4).
 *
 * `tf.customGrad` makes the gradient of A be A^T and the gradient of A^T be A, so attacks and training
 * differentiate through them exactly. FBP = (pi / A) A^T G y (G the ramp filter; derivation in fbp.ts);
 * option `backprojector: 'pixel'` swaps A^T for the pixel-driven backprojector B of radon-pixel.ts (more
 * accurate, same cost, also differentiable through its exact transpose). G is a fixed symmetric linear
 * map, applied with tf.matMul (Toeplitz matrix: fastest on wasm/XNNPACK and tfjs-node) or with the JS FFT
 * kernel on the pure-JS 'cpu' backend, where matMul is ~12x slower at N 512 (numbers: bench/radon.bench.ts).
 * Being symmetric, G is its own gradient.
 */
import { tf } from '../backend';
import { UsageError } from '@shared/errors';
import { makeGeometry, physicsOf, type Geometry } from '@shared/geometry';
import { RADON_PHYSICS, type Physics } from '@shared/physics';
import { fbpScale, resolveBackprojector, type FbpOptions, type FilterImpl } from './fbp';
import { filterMatrix, resolveFilterOptions, type FilterName } from './filters';
import { adjointView, asFloat, checkBatchShape, linearOp, type LinearOperator } from './linear-operator';
import type { MeasurementOperator } from './measurement-operator';
import { runRadonKernel, runRampFilterKernel } from './radon-kernels';
import { frobeniusNormSq } from './radon-norm';

/** A: images [B,N,N,1] -> sinograms [B,A,D,1] for one Geometry. */
export class RadonOperator implements MeasurementOperator {
  readonly geometry: Geometry;
  readonly physics: Physics = RADON_PHYSICS;
  readonly domainShape: readonly number[];
  readonly rangeShape: readonly number[];
  private readonly forwardOp: (x: tf.Tensor4D) => tf.Tensor4D;
  private readonly adjointOp: (y: tf.Tensor4D) => tf.Tensor4D;
  private readonly pixelBpOp: (y: tf.Tensor4D) => tf.Tensor4D;
  private readonly pixelBpTOp: (x: tf.Tensor4D) => tf.Tensor4D;
  private adjointView?: LinearOperator;

  constructor(geometry: Geometry) {
    // Re-validate: a Geometry may arrive as plain data (IPC, JSON specs).
    this.geometry = makeGeometry(geometry);
    if (physicsOf(this.geometry).kind !== 'radon') {
      throw new UsageError(
        `RadonOperator: the geometry's physics is ${physicsOf(this.geometry).kind}; build its operator with makeOperator`,
      );
    }
    const g = this.geometry;
    this.domainShape = [g.size, g.size, 1];
    this.rangeShape = [g.views, g.detectors, 1];
    // Each op's gradient is the other op, itself differentiable, so higher-order gradients work too.
    this.forwardOp = linearOp(
      (x) => runRadonKernel('forward', x, g),
      (dy) => this.adjointOp(dy as tf.Tensor4D),
    ) as (x: tf.Tensor4D) => tf.Tensor4D;
    this.adjointOp = linearOp(
      (y) => runRadonKernel('adjoint', y, g),
      (dx) => this.forwardOp(dx as tf.Tensor4D),
    ) as (y: tf.Tensor4D) => tf.Tensor4D;
    this.pixelBpOp = linearOp(
      (y) => runRadonKernel('pixel-bp', y, g),
      (dx) => this.pixelBpTOp(dx as tf.Tensor4D),
    ) as (y: tf.Tensor4D) => tf.Tensor4D;
    this.pixelBpTOp = linearOp(
      (x) => runRadonKernel('pixel-bp-t', x, g),
      (dy) => this.pixelBpOp(dy as tf.Tensor4D),
    ) as (x: tf.Tensor4D) => tf.Tensor4D;
  }

  /** A x: line integrals (pixel-length units) of images [B,N,N,1]; returns [B,A,D,1]. */
  forward(x: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('radon.forward', x, this.domainShape);
    return tf.tidy(() => this.forwardOp(asFloat(x)));
  }

  /** A^T y: backprojection of sinograms [B,A,D,1] (exact transpose of forward); returns [B,N,N,1]. */
  adjoint(y: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('radon.adjoint', y, this.rangeShape);
    return tf.tidy(() => this.adjointOp(asFloat(y)));
  }

  adjointOperator(): LinearOperator {
    this.adjointView ??= adjointView(this);
    return this.adjointView;
  }

  /** FBP: the initial reconstruction of MeasurementOperator. */
  initialReconstruction(y: tf.Tensor4D, o: FbpOptions = {}): tf.Tensor4D {
    return this.fbp(y, o);
  }

  /** Exact, from the projector's own interpolation weights (radon-norm.ts). */
  frobeniusNormSq(): number {
    return frobeniusNormSq(this.geometry);
  }

  describeInitialReconstruction(o: FbpOptions = {}): string {
    const { filter, cutoff } = resolveFilterOptions('radon.fbp', o);
    return `FBP (${filter}, cutoff ${cutoff})`;
  }

  /**
   * G y: each detector row of sinograms [B,A,D,1] filtered with the windowed ramp (filters.ts) and
   * multiplied by the FBP factor pi / A, so that fbp(y) = adjoint(rampFilter(y)). Differentiable.
   */
  rampFilter(y: tf.Tensor4D, o: FbpOptions = {}): tf.Tensor4D {
    checkBatchShape('radon.rampFilter', y, this.rangeShape);
    const { filter, cutoff } = resolveFilterOptions('radon.rampFilter', o);
    return tf.tidy(() => this.filterUnchecked(asFloat(y), filter, cutoff, o.filterImpl ?? 'auto'));
  }

  /**
   * Filtered backprojection of sinograms [B,A,D,1] into images [B,N,N,1], scaled so that
   * fbp(forward(x)) ~= x (fbp.ts). Differentiable; default filter 'ram-lak', cutoff 1.
   */
  fbp(y: tf.Tensor4D, o: FbpOptions = {}): tf.Tensor4D {
    checkBatchShape('radon.fbp', y, this.rangeShape);
    const { filter, cutoff } = resolveFilterOptions('radon.fbp', o);
    const bp = resolveBackprojector('radon.fbp', o.backprojector);
    const impl = o.filterImpl ?? 'auto';
    return tf.tidy(() => {
      const q = this.filterUnchecked(asFloat(y), filter, cutoff, impl);
      return bp === 'pixel' ? this.pixelBpOp(q) : this.adjointOp(q);
    });
  }

  /**
   * Pixel-driven backprojection B of sinograms [B,A,D,1] (radon-pixel.ts; B ~= A^T on smooth data, not
   * equal to it). Differentiable: its gradient is the exact transpose B^T.
   */
  pixelBackproject(y: tf.Tensor4D): tf.Tensor4D {
    checkBatchShape('radon.pixelBackproject', y, this.rangeShape);
    return tf.tidy(() => this.pixelBpOp(asFloat(y)));
  }

  private filterUnchecked(y: tf.Tensor4D, filter: FilterName, cutoff: number, impl: FilterImpl): tf.Tensor4D {
    const g = this.geometry;
    const B = y.shape[0];
    const D = g.detectors;
    const scale = fbpScale(g);
    const useFft = impl === 'fft' || (impl === 'auto' && tf.getBackend() === 'cpu');
    const rows = y.reshape([B * g.views, D]);
    let filtered: tf.Tensor;
    if (useFft) {
      // The filter is symmetric (an even kernel), so it is its own transpose.
      const apply = (r: tf.Tensor): tf.Tensor => runRampFilterKernel(r, filter, cutoff, scale);
      // The gradient is the same differentiable op, so higher-order gradients work on this path too.
      const filterOp: (r: tf.Tensor) => tf.Tensor = linearOp(apply, (dy) => filterOp(dy));
      filtered = filterOp(rows);
    } else {
      const F = tf.tensor2d(filterMatrix(D, filter, cutoff, scale), [D, D]);
      filtered = tf.matMul(rows, F);
    }
    return filtered.reshape([B, g.views, D, 1]);
  }
}
