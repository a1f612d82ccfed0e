/**
 * The validation set of a training run: fixed slices (held out by series, or the generated validation
 * stream), their measurements simulated once with seeded noise, and FBP's PSNR/SSIM on them as the
 * baseline every epoch's model is compared with (DESIGN.md section 3: PSNR data range = the reference's
 * max - min; SSIM 11x11 Gaussian window).
 */
import type { NoiseSpec } from '@shared/noise-spec';
import { tf } from '../backend';
import { simulateMeasurements, type DataSource, type SliceRef } from '../data';
import { psnr, ssim } from '../metrics';
import type { Reconstructor } from '../models/reconstructor';
import type { MeasurementOperator } from '../physics';
import { createRng } from '../random';

export interface QualityMetrics {
  psnr: number;
  ssim: number;
}

function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return a.length ? s / a.length : NaN;
}

export class ValidationSet {
  private constructor(
    /** Batches of reference images [b,N,N,1] and their measurements [b,A,D,1]. */
    private readonly batches: { x: tf.Tensor4D; y: tf.Tensor4D }[],
    readonly size: number,
  ) {}

  static async build(
    source: DataSource,
    refs: readonly SliceRef[],
    o: { op: MeasurementOperator; noise: NoiseSpec; seed: string; batchSize: number },
  ): Promise<ValidationSet> {
    const N = o.op.geometry.size;
    const batches: { x: tf.Tensor4D; y: tf.Tensor4D }[] = [];
    for (let i = 0; i < refs.length; i += o.batchSize) {
      const part = refs.slice(i, i + o.batchSize);
      const data = new Float32Array(part.length * N * N);
      for (let k = 0; k < part.length; k++) data.set(await source.load(part[k], N), k * N * N);
      const x = tf.tensor4d(data, [part.length, N, N, 1]);
      const rngs = part.map((_, k) => createRng(`${o.seed}/validation-noise/${i + k}`));
      batches.push({ x, y: simulateMeasurements(o.op, x, { noise: o.noise, rngs }) });
    }
    return new ValidationSet(batches, refs.length);
  }

  /** Mean PSNR and SSIM of f's reconstructions (inference mode) against the references. */
  evaluate(f: Reconstructor): QualityMetrics {
    const p: number[] = [];
    const s: number[] = [];
    for (const b of this.batches) {
      const xHat = tf.tidy(() => f.reconstruct(b.y));
      p.push(...psnr(b.x, xHat));
      s.push(...ssim(b.x, xHat));
      xHat.dispose();
    }
    return { psnr: mean(p), ssim: mean(s) };
  }

  dispose(): void {
    for (const b of this.batches) tf.dispose([b.x, b.y]);
    this.batches.length = 0;
  }
}
