/**
 * Plain FBP as a Reconstructor: the baseline every learned model is compared with. For other physics it is the
 * operator's initial reconstruction (the noisy image for denoising, A^+ y for compressed sensing).
 */
import type { Geometry } from '@shared/geometry';
import { tf } from '../backend';
import { makeOperator, type FbpOptions, type MeasurementOperator } from '../physics';
import type { Reconstructor, ReconstructorOrigin } from './reconstructor';

export class FbpReconstructor implements Reconstructor {
  readonly kind = 'fbp' as const;
  readonly geometry: Geometry;
  readonly op: MeasurementOperator;
  private readonly options: FbpOptions;

  readonly origin: ReconstructorOrigin;

  constructor(geometry: Geometry, options: FbpOptions = {}, op?: MeasurementOperator) {
    this.geometry = geometry;
    this.op = op ?? makeOperator(geometry);
    this.options = { filter: 'ram-lak', cutoff: 1, ...options };
    this.origin = { kind: 'fbp', geometry, filter: this.options.filter, cutoff: this.options.cutoff };
  }

  reconstruct(y: tf.Tensor4D): tf.Tensor4D {
    return this.op.initialReconstruction(y, this.options);
  }

  describe(): string {
    return this.op.describeInitialReconstruction(this.options);
  }

  dispose(): void {}
}
