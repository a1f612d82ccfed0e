/**
 * The FBP baseline on a known image: x -> y = A x (+ noise) -> FBP(y), with PSNR/SSIM against x.
 * Used by `ct-audit reconstruct` and as the reference every learned reconstructor is compared with.
 */
import type { Geometry } from '@shared/geometry';
import type { NoiseSpec } from '@shared/noise-spec';
import { ShapeError } from '@shared/errors';
import { tf } from '../backend';
import { radonForwardArray, fbpArray, type FilterName } from '../physics';
import { addGaussianNoise, addPoissonNoise, DEFAULT_PIXEL_SIZE_MM } from '../physics/noise';
import { psnr, ssim } from '../metrics';
import type { Seed } from '../random';

export interface FbpBaselineOptions {
  filter?: FilterName;
  cutoff?: number;
  noise?: NoiseSpec;
  seed?: Seed;
  /** Physical pixel size, for Poisson noise (line integrals in mm). */
  pixelSizeMm?: number;
}

export interface FbpBaselineResult {
  /** Clean sinogram A x, [A, D]. */
  sinogram: Float32Array;
  /** Measured sinogram (clean + noise), [A, D]. */
  measured: Float32Array;
  /** FBP of the measured sinogram, [N, N]. */
  fbp: Float32Array;
  /** PSNR in dB against x with data range R = max(x) - min(x). */
  psnr: number;
  ssim: number;
  dataRange: number;
  /** ||measured - sinogram|| / ||sinogram||. */
  relativeNoise: number;
}

function addNoise(y: Float32Array, noise: NoiseSpec, seed: Seed, pixelSizeMm: number): Float32Array {
  switch (noise.kind) {
    case 'none':
      return y;
    case 'gaussian':
      return addGaussianNoise(
        y,
        'sigma' in noise ? { sigma: noise.sigma } : { relative: noise.relative },
        seed,
      );
    case 'poisson':
      return addPoissonNoise(y, { I0: noise.i0, pixelSizeMm }, seed);
  }
}

function norm(a: Float32Array, b?: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = b ? a[i] - b[i] : a[i];
    s += d * d;
  }
  return Math.sqrt(s);
}

/** Needs an initialised backend (metrics run as tfjs ops). */
export function fbpBaseline(x: Float32Array, g: Geometry, o: FbpBaselineOptions = {}): FbpBaselineResult {
  if (x.length !== g.size * g.size) {
    throw new ShapeError(
      `fbpBaseline: expected an image of ${g.size}x${g.size} = ${g.size * g.size} values, got ${x.length}`,
    );
  }
  const sinogram = radonForwardArray(x, 1, g);
  const measured = addNoise(
    sinogram,
    o.noise ?? { kind: 'none' },
    o.seed ?? 0,
    o.pixelSizeMm ?? DEFAULT_PIXEL_SIZE_MM,
  );
  const fbp = fbpArray(measured, 1, g, { filter: o.filter, cutoff: o.cutoff });
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of x) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const dataRange = hi - lo;
  const [p, s] = tf.tidy(() => {
    const ref = tf.tensor4d(x, [1, g.size, g.size, 1]);
    const rec = tf.tensor4d(fbp, [1, g.size, g.size, 1]);
    return [psnr(ref, rec, { dataRange })[0], ssim(ref, rec, { dataRange })[0]];
  });
  const ny = norm(sinogram);
  return {
    sinogram,
    measured,
    fbp,
    psnr: p,
    ssim: s,
    dataRange,
    relativeNoise: ny > 0 ? norm(measured, sinogram) / ny : 0,
  };
}
