/** Plain FBP as a Reconstructor: the baseline every learned model is compared with. */
import type { Geometry } from '@shared/geometry';
import { tf } from '../backend';
import { RadonOperator, type FbpOptions } from '../physics';
import type { Reconstructor } from './reconstructor';

export class FbpReconstructor implements Reconstructor {
  readonly kind = 'fbp' as const;
  readonly geometry: Geometry;
  readonly op: RadonOperator;
  private readonly options: FbpOptions;

  constructor(geometry: Geometry, options: FbpOptions = {}, op?: RadonOperator) {
    this.geometry = geometry;
    this.op = op ?? new RadonOperator(geometry);
    this.options = { filter: 'ram-lak', cutoff: 1, ...options };
  }

  reconstruct(y: tf.Tensor4D): tf.Tensor4D {
    return this.op.fbp(y, this.options);
  }

  describe(): string {
    return `FBP (${this.options.filter}, cutoff ${this.options.cutoff})`;
  }

  dispose(): void {}
}
