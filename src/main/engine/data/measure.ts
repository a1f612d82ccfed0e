/**
 * Simulated measurements for a batch: y = A x (+ noise), DESIGN.md section 3. The noise of item b is drawn
 * from its own seeded generator, so a batch item's measurement depends on its seed only (not on the batch
 * it was drawn in), which makes runs reproducible and resumable.
 */
import type { NoiseSpec } from '@shared/noise-spec';
import { tf } from '../backend';
import {
  addGaussianNoise,
  addPoissonNoise,
  DEFAULT_PIXEL_SIZE_MM,
  type MeasurementOperator,
} from '../physics';
import type { Rng } from '../random';

export interface MeasureOptions {
  noise?: NoiseSpec;
  /** One generator per batch item (required when noise is not 'none'). */
  rngs?: Rng[];
  /** Physical pixel size for Poisson noise (default 0.5 mm). */
  pixelSizeMm?: number;
}

/** y = A x (+ noise) for images x [B,N,N,1]; returns sinograms [B,A,D,1]. Does not dispose x. */
export function simulateMeasurements(
  op: MeasurementOperator,
  x: tf.Tensor4D,
  o: MeasureOptions = {},
): tf.Tensor4D {
  const noise = o.noise ?? { kind: 'none' };
  const clean = op.forward(x);
  if (noise.kind === 'none') return clean;
  const [B, A, D] = clean.shape;
  const n = A * D;
  const values = clean.dataSync() as Float32Array;
  clean.dispose();
  const out = new Float32Array(B * n);
  for (let b = 0; b < B; b++) {
    const rng = o.rngs?.[b];
    if (!rng) throw new Error(`simulateMeasurements: no generator for batch item ${b}`);
    const y = values.subarray(b * n, (b + 1) * n);
    const noisy =
      noise.kind === 'gaussian'
        ? addGaussianNoise(y, 'sigma' in noise ? { sigma: noise.sigma } : { relative: noise.relative }, rng)
        : addPoissonNoise(y, { I0: noise.i0, pixelSizeMm: o.pixelSizeMm ?? DEFAULT_PIXEL_SIZE_MM }, rng);
    out.set(noisy, b * n);
  }
  return tf.tensor4d(out, [B, A, D, 1]);
}
