/**
 * Measurement noise for sinograms y (line integrals of x in pixel-length units, DESIGN.md section 3):
 *   addGaussianNoise(y, { sigma } | { relative }, seed)      y + N(0, sigma^2), i.i.d. per bin
 *   addPoissonNoise(y, { I0, muWater, pixelSizeMm }, seed)   low-dose transmission (photon counting) noise
 * Arrays are one measurement (any length); the tensor forms treat axis 0 as the batch. Every draw comes from
 * the seeded generator (random.ts); a seed or a generator may be passed.
 */
import { InputError, UsageError } from '@shared/errors';
import { tf } from '../backend';
import { toRng, type Rng, type Seed } from '../random';

/** Absolute standard deviation, or relative to the RMS of y: sigma = relative * ||y|| / sqrt(n). */
export type GaussianNoiseLevel = { sigma: number } | { relative: number };

function checkFinite(op: string, y: Float32Array): void {
  for (let k = 0; k < y.length; k++) {
    if (!Number.isFinite(y[k]))
      throw new InputError(`${op}: measurement ${k} is ${y[k]}; expected finite values`);
  }
}

/** The absolute sigma that `level` means for measurement y. */
export function gaussianNoiseSigma(y: Float32Array, level: GaussianNoiseLevel): number {
  if ('sigma' in level) {
    if (!(level.sigma >= 0) || !Number.isFinite(level.sigma)) {
      throw new UsageError(`addGaussianNoise: sigma must be a finite number >= 0, got ${level.sigma}`);
    }
    return level.sigma;
  }
  if (!(level.relative >= 0) || !Number.isFinite(level.relative)) {
    throw new UsageError(
      `addGaussianNoise: relative level must be a finite number >= 0, got ${level.relative}`,
    );
  }
  if (y.length === 0) return 0;
  let ss = 0;
  for (let k = 0; k < y.length; k++) ss += y[k] * y[k];
  return level.relative * Math.sqrt(ss / y.length);
}

/** y + e with e_k ~ N(0, sigma^2) i.i.d.; returns a new array, y is untouched. */
export function addGaussianNoise(y: Float32Array, level: GaussianNoiseLevel, seed: Seed | Rng): Float32Array {
  checkFinite('addGaussianNoise', y);
  const sigma = gaussianNoiseSigma(y, level);
  const rng = toRng(seed);
  const out = new Float32Array(y.length);
  for (let k = 0; k < y.length; k++) out[k] = y[k] + rng.normal(0, sigma);
  return out;
}

/**
 * Linear attenuation of water at about 70 keV, in 1/mm (NIST XCOM: mu/rho ~ 0.193 cm^2/g at 70 keV, times
 * 1 g/cm^3, is 0.0193/mm; 0.0192/mm is the value low-dose simulation studies commonly use).
 */
export const MU_WATER_PER_MM = 0.0192;
/** Default pixel size: 0.5 mm, i.e. a 256 mm field of view at the `paper` preset's N = 512. */
export const DEFAULT_PIXEL_SIZE_MM = 0.5;
/** Counts below this are replaced by it before the log (see PoissonNoiseOptions.zeroCountFloor). */
export const DEFAULT_ZERO_COUNT_FLOOR = 0.5;

export interface PoissonNoiseOptions {
  /** Incident photons per detector bin per view (blank scan): ~1e4 is low dose, 1e5-1e6 normal dose. */
  I0: number;
  /** Attenuation of water, 1/mm (default MU_WATER_PER_MM). x = 1 means this value. */
  muWater?: number;
  /**
   * Pixel size in mm (default 0.5). A measurement y (pixel-length units, x relative to water) is the
   * physical line integral p = y * muWater * pixelSizeMm. For noise that does not change with N at a fixed
   * field of view, pass pixelSizeFromFov(fovMm, N).
   */
  pixelSizeMm?: number;
  /**
   * Zero counts (photon starvation) have no log; they are replaced by this many photons (default 0.5), which
   * caps the noisy line integral at ln(I0 / floor): 9.9 at I0 = 1e4, i.e. ~1030 pixels of water at 0.5 mm.
   * Counts >= 1 are used as they are.
   */
  zeroCountFloor?: number;
}

/** Pixel size that makes N pixels span a field of view of fovMm millimetres. */
export function pixelSizeFromFov(fovMm: number, N: number): number {
  if (!(fovMm > 0) || !(N > 0))
    throw new UsageError(`pixelSizeFromFov: need fovMm > 0 and N > 0, got ${fovMm}, ${N}`);
  return fovMm / N;
}

interface ResolvedPoisson {
  I0: number;
  /** mm^-1 * mm: measurement units -> physical line integral. */
  scale: number;
  floor: number;
}

function resolvePoisson(o: PoissonNoiseOptions): ResolvedPoisson {
  const muWater = o.muWater ?? MU_WATER_PER_MM;
  const px = o.pixelSizeMm ?? DEFAULT_PIXEL_SIZE_MM;
  const floor = o.zeroCountFloor ?? DEFAULT_ZERO_COUNT_FLOOR;
  if (!(o.I0 > 0) || !Number.isFinite(o.I0))
    throw new UsageError(`addPoissonNoise: I0 must be > 0, got ${o.I0}`);
  if (!(muWater > 0) || !Number.isFinite(muWater)) {
    throw new UsageError(`addPoissonNoise: muWater must be > 0 (1/mm), got ${muWater}`);
  }
  if (!(px > 0) || !Number.isFinite(px))
    throw new UsageError(`addPoissonNoise: pixelSizeMm must be > 0, got ${px}`);
  if (!(floor > 0 && floor <= 1)) {
    throw new UsageError(`addPoissonNoise: zeroCountFloor must be in (0, 1], got ${floor}`);
  }
  return { I0: o.I0, scale: muWater * px, floor };
}

export interface PoissonNoiseResult {
  /** Noisy measurements, same units as y. */
  y: Float32Array;
  /** Bins that received zero photons (replaced by zeroCountFloor). */
  zeroCounts: number;
}

/**
 * Transmission noise of a photon-counting scan (the usual low-dose simulation, e.g. Yu et al., "Development
 * and validation of a practical lower-dose simulation tool", Med. Phys. 39 (2012), without electronic noise):
 *   p = y * muWater * pixelSizeMm,  n ~ Poisson(I0 exp(-p)),  p' = -ln(max(n, floor) / I0),  y' = p' / (muWater * pixelSizeMm).
 * Negative y (which no real object produces) simply gives more than I0 expected photons.
 */
export function addPoissonNoiseWithStats(
  y: Float32Array,
  opts: PoissonNoiseOptions,
  seed: Seed | Rng,
): PoissonNoiseResult {
  checkFinite('addPoissonNoise', y);
  const { I0, scale, floor } = resolvePoisson(opts);
  const rng = toRng(seed);
  const out = new Float32Array(y.length);
  let zeroCounts = 0;
  for (let k = 0; k < y.length; k++) {
    const n = rng.poisson(I0 * Math.exp(-y[k] * scale));
    if (n === 0) zeroCounts++;
    out[k] = -Math.log(Math.max(n, floor) / I0) / scale;
  }
  return { y: out, zeroCounts };
}

/** Noisy copy of y under Poisson transmission noise (see addPoissonNoiseWithStats). */
export function addPoissonNoise(y: Float32Array, opts: PoissonNoiseOptions, seed: Seed | Rng): Float32Array {
  return addPoissonNoiseWithStats(y, opts, seed).y;
}

/**
 * Predicted variance of each noisy measurement, in measurement units squared, by the delta method:
 * Var(p') ~ 1 / (I0 exp(-p)) (the inverse expected count), so Var(y') ~ exp(p) / (I0 (muWater pixelSizeMm)^2).
 * Accurate when the expected count is large (relative error O(1 / count)).
 */
export function poissonNoiseVariance(y: Float32Array, opts: PoissonNoiseOptions): Float32Array {
  const { I0, scale } = resolvePoisson(opts);
  const out = new Float32Array(y.length);
  for (let k = 0; k < y.length; k++) out[k] = Math.exp(y[k] * scale) / (I0 * scale * scale);
  return out;
}

function perItem(op: string, y: tf.Tensor, fn: (item: Float32Array, b: number) => Float32Array): tf.Tensor {
  if (y.rank < 1 || y.shape[0] === 0)
    throw new UsageError(`${op}: expected a batched tensor [B, ...], got [${y.shape}]`);
  const data = y.dataSync() as Float32Array;
  const B = y.shape[0];
  const per = data.length / B;
  const out = new Float32Array(data.length);
  for (let b = 0; b < B; b++) out.set(fn(data.subarray(b * per, (b + 1) * per), b), b * per);
  return tf.tensor(out, y.shape, 'float32');
}

/**
 * Tensor form of addGaussianNoise for a batch [B, ...] (e.g. sinograms [B, A, D, 1]): a relative level is
 * relative to each item's RMS. Items draw from one generator in batch order. Not differentiable (data).
 */
export function addGaussianNoiseTensor(y: tf.Tensor, level: GaussianNoiseLevel, seed: Seed | Rng): tf.Tensor {
  const rng = toRng(seed);
  return perItem('addGaussianNoiseTensor', y, (item) => addGaussianNoise(item, level, rng));
}

/** Tensor form of addPoissonNoise for a batch [B, ...]; items draw from one generator in batch order. */
export function addPoissonNoiseTensor(y: tf.Tensor, opts: PoissonNoiseOptions, seed: Seed | Rng): tf.Tensor {
  const rng = toRng(seed);
  return perItem('addPoissonNoiseTensor', y, (item) => addPoissonNoise(item, opts, rng));
}
