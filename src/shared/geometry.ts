/**
 * Parallel-beam CT geometry (DESIGN.md section 3), or the geometry of another forward model (physics.ts).
 * Plain data, shared by every process.
 *
 * Image: N x N pixels, row i top to bottom, column j left to right, pixel centres at
 *   (u, v) = (j - (N-1)/2, (N-1)/2 - i) in pixel units.
 * Views: theta_k = k * 180 / A degrees, k = 0..A-1.
 * Detector: bins d = 0..D-1 at s = (d - (D-1)/2) * spacing pixels; default D = ceil(N * sqrt(2)).
 * Measurement (theta, s) = line integral of the image over {u cos(theta) + v sin(theta) = s}, pixel-length units.
 * Sinograms are [B, A, D, 1]; images [B, N, N, 1].
 *
 * Other physics (physics.ts) keep measurements [B, A, D, 1], with `views` and `detectors` the measurement's
 * rows and columns, derived from the physics (the views/detectors a caller passes are then ignored, since
 * the physics fixes them): denoise A = N, D = N (y is an image); cs A = number of blocks (N / block)^2,
 * D = m per block. `physics` is absent for radon, so CT geometries keep their plain form in card.json.
 */
import { UsageError } from './errors';
import {
  csMeasurementsPerBlock,
  describePhysics,
  makePhysics,
  type Physics,
  type PhysicsInput,
} from './physics';

export interface Geometry {
  /** Image side N in pixels. */
  size: number;
  /** Number of views A over [0, 180) degrees. */
  views: number;
  /** Number of detector bins D. */
  detectors: number;
  /** Detector bin spacing in pixels. */
  detectorSpacing: number;
  /** The forward model; absent means radon (parallel-beam CT). */
  physics?: Physics;
}

export type GeometryPresetName = 'paper' | 'demo';

/** `paper`: the CT experiment of papers/000 (N 512, 143 views); `demo`: same views-per-pixel ratio at N 128. */
export const GEOMETRY_PRESETS: Readonly<Record<GeometryPresetName, { size: number; views: number }>> = {
  paper: { size: 512, views: 143 },
  demo: { size: 128, views: 36 },
};

export function defaultDetectorCount(size: number, detectorSpacing = 1): number {
  return Math.ceil((size * Math.SQRT2) / detectorSpacing);
}

export interface GeometryOptions {
  size: number;
  views: number;
  detectors?: number;
  detectorSpacing?: number;
  /** Default radon. */
  physics?: PhysicsInput;
}

function checkInt(name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`geometry: ${name} must be an integer in [${min}, ${max}], got ${v}`);
  }
}

/** The physics of a geometry (radon when absent). */
export function physicsOf(g: Pick<Geometry, 'physics'>): Physics {
  return g.physics ?? { kind: 'radon' };
}

export function makeGeometry(o: GeometryOptions): Geometry {
  checkInt('size', o.size, 2, 4096);
  const physics = makePhysics(o.physics);
  if (physics.kind === 'denoise') {
    return { size: o.size, views: o.size, detectors: o.size, detectorSpacing: 1, physics };
  }
  if (physics.kind === 'cs') {
    if (o.size % physics.block !== 0) {
      throw new UsageError(
        `geometry: compressed sensing with ${physics.block}x${physics.block} blocks needs an image size that is a multiple of ${physics.block}, got ${o.size}`,
      );
    }
    const blocks = (o.size / physics.block) ** 2;
    return {
      size: o.size,
      views: blocks,
      detectors: csMeasurementsPerBlock(physics),
      detectorSpacing: 1,
      physics,
    };
  }
  checkInt('views', o.views, 1, 10000);
  const detectorSpacing = o.detectorSpacing ?? 1;
  if (!(detectorSpacing > 0) || !Number.isFinite(detectorSpacing)) {
    throw new UsageError(`geometry: detectorSpacing must be a positive number, got ${detectorSpacing}`);
  }
  const detectors = o.detectors ?? defaultDetectorCount(o.size, detectorSpacing);
  checkInt('detectors', detectors, 1, 16384);
  return { size: o.size, views: o.views, detectors, detectorSpacing };
}

export function presetGeometry(name: GeometryPresetName): Geometry {
  return makeGeometry(GEOMETRY_PRESETS[name]);
}

/** View angles in radians: theta_k = k * pi / A. */
export function viewAngles(g: Geometry): Float64Array {
  const a = new Float64Array(g.views);
  for (let k = 0; k < g.views; k++) a[k] = (k * Math.PI) / g.views;
  return a;
}

/** Detector coordinate s of bin d, in pixels. */
export function detectorCoordinate(g: Geometry, d: number): number {
  return (d - (g.detectors - 1) / 2) * g.detectorSpacing;
}

/** Pixel-centre coordinates (u, v) of pixel (i, j) for an N x N image. */
export function pixelCenter(size: number, i: number, j: number): [number, number] {
  return [j - (size - 1) / 2, (size - 1) / 2 - i];
}

export function describeGeometry(g: Geometry): string {
  const p = physicsOf(g);
  if (p.kind !== 'radon') return `${g.size}x${g.size} px, ${describePhysics(p)}`;
  return `parallel beam, ${g.size}x${g.size} px, ${g.views} views over [0, 180) deg, ${g.detectors} detectors at ${g.detectorSpacing} px`;
}
