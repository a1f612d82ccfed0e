/**
 * Smoothed error samples (Algorithm 3 of papers/002, with a fixed reference): for a measurement y' (possibly
 * attacked), a FIXED reference image r (the ground-truth slice, or f of the clean measurement) and S smoothing
 * noises delta_k ~ N(0, sigma^2 I), the errors
 *
 *   e_k = l(f(y' + A delta_k), r)     space 'x' (as papers/002: the noise perturbs the image, enters as A delta)
 *   e_k = l(f(y' + delta_k), r)       space 'y' (the noise perturbs the measurement directly)
 *
 * with l the per-pixel MSE of eq. (1), (1/n) ||a - b||^2. Why a fixed r and not papers/002's discrepancy
 * l(f(y' + delta), f(y')): Corollary 3.2 rests on the percentile-smoothing lemma (Chiang et al. 2020, Lemma
 * 2.2), which holds for a FIXED function of the smoothed input; the discrepancy's second argument f(y') moves
 * with the input, and the bound then fails (tests/unit/certify/validity.test.ts shows a smooth counterexample
 * with a median of 1 against a "bound" of ~1e-19). e_k(y') = h(y' + delta_k) with h = l(f(.), r) fixed, so
 * the lemma holds exactly.
 *
 * This is the hot loop: the S noisy copies of a slice are pushed through f in chunks of `batchSize`
 * (memory-bounded), each chunk in one tidy.
 *
 * Noise k of slice b is drawn from its own seeded stream `${seed}/slice-${b}/sample-${k}`, so any sample can
 * be regenerated exactly: the reconstructions of the median and certified samples are recomputed afterwards
 * instead of keeping all S reconstructions in memory.
 */
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor } from '../models/reconstructor';
import { makeOperator, checkBatchShape, type MeasurementOperator } from '../physics';
import { createRng, type Seed } from '../random';
import { sampleInThreads, smoothingThreads } from './smoothing-pool';

export type SmoothingSpace = 'x' | 'y';

export interface SmoothingOptions {
  /** Smoothing noise level sigma > 0 (same units as the space: image values or line integrals). */
  sigma: number;
  /** Number of noise samples S. */
  samples: number;
  /** Where the noise lives. Default 'x' (papers/002). */
  space?: SmoothingSpace;
  seed?: Seed;
  /**
   * Noisy copies per forward pass. Default: as many as fit in ~64 MiB of inputs and outputs, at most 8 (on wasm
   * the small FBPConvNet at N 128 runs 52 ms/sample at 8, 58 at 16: bench/attacks.bench.ts).
   */
  batchSize?: number;
  /** The forward operator A (space 'x'). Default: makeOperator(model.geometry). */
  op?: MeasurementOperator;
  /**
   * Threads sharing the samples (smoothing-pool.ts; the values do not depend on it). Default: every core for
   * jobs large enough to pay for the threads' start-up, when the model can be rebuilt in a thread (its origin).
   */
  threads?: number;
}

export interface ErrorSamples {
  sigma: number;
  samples: number;
  space: SmoothingSpace;
  batchSize: number;
  /** Per slice: the S errors l(f(y'_b + noise_k), r_b) in sample order. */
  values: Float64Array[];
  /** Per slice: sample indices sorted by increasing discrepancy (ties by index). */
  order: Int32Array[];
}

export const SMOOTHING_MEMORY_BYTES = 64 * 2 ** 20;
export const SMOOTHING_MAX_BATCH = 8;

/** The default chunk size for a geometry. */
export function defaultBatchSize(model: Reconstructor, samples: number): number {
  const g = model.geometry;
  const perSample = 4 * (g.size * g.size * 2 + g.views * g.detectors);
  return Math.max(1, Math.min(samples, SMOOTHING_MAX_BATCH, Math.floor(SMOOTHING_MEMORY_BYTES / perSample)));
}

function seedOf(seed: Seed | undefined): string {
  return String(seed ?? 0);
}

/** The noise of samples [k0, k1) of slice b, [k1 - k0, ...itemShape] values. */
function noiseChunk(
  seed: string,
  b: number,
  k0: number,
  k1: number,
  per: number,
  sigma: number,
): Float32Array {
  const out = new Float32Array((k1 - k0) * per);
  const root = createRng(seed);
  for (let k = k0; k < k1; k++) {
    root
      .fork(`slice-${b}/sample-${k}`)
      .fillNormal(out.subarray((k - k0) * per, (k - k0 + 1) * per), 0, sigma);
  }
  return out;
}

export interface ResolvedSmoothing {
  sigma: number;
  samples: number;
  space: SmoothingSpace;
  seed: string;
  batchSize: number;
  op: MeasurementOperator;
  itemShape: number[];
}

export function resolveSmoothing(model: Reconstructor, o: SmoothingOptions): ResolvedSmoothing {
  if (!(o.sigma > 0) || !Number.isFinite(o.sigma)) {
    throw new UsageError(`certify: sigma must be a positive number, got ${o.sigma}`);
  }
  if (!Number.isInteger(o.samples) || o.samples < 1) {
    throw new UsageError(`certify: samples must be an integer >= 1, got ${o.samples}`);
  }
  const space = o.space ?? 'x';
  if (space !== 'x' && space !== 'y')
    throw new UsageError(`certify: space must be x or y, got ${String(space)}`);
  const batchSize = o.batchSize ?? defaultBatchSize(model, o.samples);
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new UsageError(`certify: batchSize must be an integer >= 1, got ${batchSize}`);
  }
  const op = o.op ?? makeOperator(model.geometry);
  const itemShape = space === 'x' ? [...op.domainShape] : [...op.rangeShape];
  return { sigma: o.sigma, samples: o.samples, space, seed: seedOf(o.seed), batchSize, op, itemShape };
}

/** y'_b + (A) noise for a chunk: [k1 - k0, A, D, 1]. Inside a tidy. */
function noisyMeasurements(
  r: ResolvedSmoothing,
  yb: tf.Tensor4D,
  b: number,
  k0: number,
  k1: number,
): tf.Tensor4D {
  const per = r.itemShape.reduce((a, c) => a * c, 1);
  const noise = tf.tensor4d(noiseChunk(r.seed, b, k0, k1, per, r.sigma), [
    k1 - k0,
    ...(r.itemShape as [number, number, number]),
  ]);
  const inY = r.space === 'x' ? r.op.forward(noise) : noise;
  return tf.add(yb, inY);
}

/**
 * The errors of samples [k0, k1) of slice b (yb [1,A,D,1] its measurement, base [1,N,N,1] its reference), in
 * chunks of r.batchSize starting at k0 (k0 a multiple of the batch size, so a chunk holds the same samples
 * whichever thread computes it: the values do not depend on the thread count). Leaves no tensors.
 */
export async function errorsOfRange(
  model: Reconstructor,
  yb: tf.Tensor4D,
  base: tf.Tensor4D,
  r: ResolvedSmoothing,
  b: number,
  k0: number,
  k1: number,
  onChunk?: (k1: number) => void,
): Promise<Float64Array> {
  const out = new Float64Array(k1 - k0);
  for (let c0 = k0; c0 < k1; c0 += r.batchSize) {
    const c1 = Math.min(k1, c0 + r.batchSize);
    const d = tf.tidy(() => {
      const recon = model.reconstruct(noisyMeasurements(r, yb, b, c0, c1));
      return tf.mean(tf.squaredDifference(recon, base), [1, 2, 3]);
    });
    const dv = await d.data();
    d.dispose();
    for (let k = c0; k < c1; k++) out[k - k0] = dv[k - c0];
    onChunk?.(c1);
  }
  return out;
}

/**
 * The S errors against `reference` [B,N,N,1] of every slice of y [B,A,D,1]. Progress: one step per chunk
 * (phase 'certify'). Large jobs run in worker threads (smoothing-pool.ts, `threads`) with identical values.
 * Leaves tf.memory().numTensors unchanged (also per chunk).
 */
export async function sampleErrors(
  model: Reconstructor,
  y: tf.Tensor4D,
  reference: tf.Tensor4D,
  options: SmoothingOptions,
  job?: JobContext,
  progress: { phase?: string; offset?: number; total?: number } = {},
): Promise<ErrorSamples> {
  const r = resolveSmoothing(model, options);
  checkBatchShape('certify', y, r.op.rangeShape);
  checkBatchShape('certify', reference, r.op.domainShape);
  const B = y.shape[0];
  if (reference.shape[0] !== B) {
    throw new UsageError(`certify: the reference has ${reference.shape[0]} slices, y has ${B}`);
  }
  const chunks = Math.ceil(r.samples / r.batchSize);
  const total = progress.total ?? B * chunks;
  let step = progress.offset ?? 0;
  const report = (b: number, k1: number) => {
    step += 1;
    job?.progress({ phase: progress.phase ?? 'certify', step, total, metrics: { slice: b, samples: k1 } });
  };
  const threads = smoothingThreads(model, r, options.threads);
  const values: Float64Array[] = [];
  const order: Int32Array[] = [];
  for (let b = 0; b < B; b++) {
    const yb = tf.slice(y, [b, 0, 0, 0], [1, -1, -1, -1]);
    const base = tf.slice(reference, [b, 0, 0, 0], [1, -1, -1, -1]);
    let vals: Float64Array;
    try {
      if (threads > 1) {
        vals = await sampleInThreads(model, yb, base, r, b, threads, job, (k1) => report(b, k1));
      } else {
        vals = new Float64Array(r.samples);
        for (let k0 = 0; k0 < r.samples; k0 += r.batchSize) {
          job?.throwIfCancelled();
          const k1 = Math.min(r.samples, k0 + r.batchSize);
          vals.set(await errorsOfRange(model, yb, base, r, b, k0, k1), k0);
          report(b, k1);
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    } finally {
      yb.dispose();
      base.dispose();
    }
    values.push(vals);
    order.push(
      Int32Array.from({ length: r.samples }, (_, i) => i).sort((i, j) => vals[i] - vals[j] || i - j),
    );
  }
  return { sigma: r.sigma, samples: r.samples, space: r.space, batchSize: r.batchSize, values, order };
}

/** f(y'_b + (A) delta_k) for sample k of slice b, regenerated from its seed: [N*N] values. */
export function reconstructSample(
  model: Reconstructor,
  y: tf.Tensor4D,
  options: SmoothingOptions,
  b: number,
  k: number,
): Float32Array {
  const r = resolveSmoothing(model, options);
  return tf.tidy(() => {
    const yb = tf.slice(y, [b, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D;
    return model.reconstruct(noisyMeasurements(r, yb, b, k, k + 1)).dataSync() as Float32Array;
  });
}
