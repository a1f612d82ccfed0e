/**
 * Gaussian-blob phantoms: smooth images whose parallel-beam projections have a closed form, so they test a
 * projector without the discontinuities of ellipses. Normalized coordinates as in phantoms-ellipse.ts:
 * (X, Y) = (u, v) / (N/2); a blob of normalized sigma has sigma * N/2 pixels.
 */
import type { Geometry } from '@shared/geometry';
import { detectorCoordinate, viewAngles } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { createRng, type Seed } from '../random';
import { checkImageSize } from './phantoms-ellipse';

/** Isotropic Gaussian amplitude * exp(-|(X, Y) - (x0, y0)|^2 / (2 sigma^2)), normalized coordinates. */
export interface GaussianBlob {
  amplitude: number;
  x0: number;
  y0: number;
  sigma: number;
}

/**
 * Ranges of randomBlobs. sigma in [0.02, 0.12] is 2.6-15 px at N = 256 (1.3-7.7 px at N = 128). Point
 * samples of a Gaussian at unit spacing sum to its integral up to a relative 2 exp(-2 pi^2 sigma_px^2)
 * (Poisson summation): 5e-9 at 1 px, < 1e-14 at 1.3 px, so point sampling is as good as area sampling
 * for everything a projector integrates. Centres keep 4 sigma inside
 * the disc of radius 0.9, so every blob lies inside the image and inside the detector's field of view.
 */
export const RANDOM_BLOB_RANGES = {
  amplitude: [0.1, 1.0],
  sigma: [0.02, 0.12],
  maxRadius: 0.9,
  defaultCount: 6,
} as const;

/** Seeded random blobs (non-negative amplitudes, see RANDOM_BLOB_RANGES). Deterministic per seed. */
export function randomBlobs(seed: Seed, count: number = RANDOM_BLOB_RANGES.defaultCount): GaussianBlob[] {
  if (!Number.isInteger(count) || count < 0 || count > 1000) {
    throw new UsageError(`randomBlobs: count must be an integer in [0, 1000], got ${count}`);
  }
  const R = RANDOM_BLOB_RANGES;
  const rng = createRng(seed).fork('random-blobs');
  const out: GaussianBlob[] = [];
  for (let k = 0; k < count; k++) {
    const amplitude = rng.uniformRange(R.amplitude[0], R.amplitude[1]);
    const sigma = rng.uniformRange(R.sigma[0], R.sigma[1]);
    // Uniform over the disc of radius rMax (sqrt of a uniform radius fraction).
    const rMax = R.maxRadius - 4 * sigma;
    const r = rMax * Math.sqrt(rng.uniform());
    const t = 2 * Math.PI * rng.uniform();
    out.push({ amplitude, x0: r * Math.cos(t), y0: r * Math.sin(t), sigma });
  }
  return out;
}

function checkBlobs(op: string, b: GaussianBlob[]): void {
  for (const [k, bl] of b.entries()) {
    if (![bl.amplitude, bl.x0, bl.y0, bl.sigma].every(Number.isFinite) || !(bl.sigma > 0)) {
      throw new UsageError(`${op}: blob ${k} needs finite fields and sigma > 0, got ${JSON.stringify(bl)}`);
    }
  }
}

/** N x N row-major image, point-sampled at pixel centres (u, v) = (j - (N-1)/2, (N-1)/2 - i). */
export function rasterizeBlobs(b: GaussianBlob[], N: number): Float32Array {
  checkImageSize('rasterizeBlobs', N);
  checkBlobs('rasterizeBlobs', b);
  const half = N / 2;
  const c = (N - 1) / 2;
  const acc = new Float64Array(N * N);
  const gu = new Float64Array(N);
  const gv = new Float64Array(N);
  for (const bl of b) {
    // Separable: exp(-(du^2 + dv^2) / (2 s^2)) = exp(-du^2 / (2 s^2)) * exp(-dv^2 / (2 s^2)).
    const s = bl.sigma * half;
    const inv = 1 / (2 * s * s);
    for (let j = 0; j < N; j++) gu[j] = Math.exp(-((j - c - bl.x0 * half) ** 2) * inv);
    for (let i = 0; i < N; i++) gv[i] = bl.amplitude * Math.exp(-((c - i - bl.y0 * half) ** 2) * inv);
    for (let i = 0; i < N; i++) {
      const row = i * N;
      const wv = gv[i];
      if (wv === 0) continue;
      for (let j = 0; j < N; j++) acc[row + j] += wv * gu[j];
    }
  }
  return Float32Array.from(acc);
}

/**
 * Analytic sinogram, A x D row-major, point-sampled at bin centres, pixel-length units. The line integral
 * of an isotropic Gaussian is the same along every direction:
 *   p(theta, s) = amplitude * sigma_px * sqrt(2 pi) * exp(-(s - s0)^2 / (2 sigma_px^2)),
 *   s0 = u0 cos(theta) + v0 sin(theta).
 */
export function blobsSinogram(b: GaussianBlob[], g: Geometry): Float32Array {
  checkImageSize('blobsSinogram', g.size);
  checkBlobs('blobsSinogram', b);
  const half = g.size / 2;
  const thetas = viewAngles(g);
  const D = g.detectors;
  const out = new Float64Array(g.views * D);
  for (const bl of b) {
    const s = bl.sigma * half;
    const peak = bl.amplitude * s * Math.sqrt(2 * Math.PI);
    const inv = 1 / (2 * s * s);
    for (let v = 0; v < g.views; v++) {
      const s0 = bl.x0 * half * Math.cos(thetas[v]) + bl.y0 * half * Math.sin(thetas[v]);
      const row = v * D;
      for (let d = 0; d < D; d++)
        out[row + d] += peak * Math.exp(-((detectorCoordinate(g, d) - s0) ** 2) * inv);
    }
  }
  return Float32Array.from(out);
}
