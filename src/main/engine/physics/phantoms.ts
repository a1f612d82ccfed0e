/**
 * Phantoms with exact sinograms: images [N, N] (row-major Float32Array) and their analytic parallel-beam
 * projections [A, D] (row per view) in the conventions of DESIGN.md section 3.
 *
 *   makePhantom('shepp-logan' | 'ellipses' | 'blobs', N, { seed, supersample })
 *     -> { image, sinogram(g), description }
 *
 * Values are in canonical units (attenuation relative to water). Ellipses and blobs are given in
 * normalized coordinates (X, Y) = (u, v) / (N/2), so one description renders at every N.
 */
import type { Geometry } from '@shared/geometry';
import { ShapeError, UsageError } from '@shared/errors';
import type { Seed } from '../random';
import { ellipsesSinogram, rasterizeEllipses, randomEllipses, sheppLoganEllipses } from './phantoms-ellipse';
import { blobsSinogram, randomBlobs, rasterizeBlobs } from './phantoms-blob';

export {
  type Ellipse,
  type RandomEllipsesOptions,
  RANDOM_ELLIPSE_RANGES,
  sheppLoganEllipses,
  randomEllipses,
  rasterizeEllipses,
  ellipsesSinogram,
} from './phantoms-ellipse';
export {
  type GaussianBlob,
  RANDOM_BLOB_RANGES,
  randomBlobs,
  rasterizeBlobs,
  blobsSinogram,
} from './phantoms-blob';

export type PhantomKind = 'shepp-logan' | 'ellipses' | 'blobs';
export const PHANTOM_KINDS: readonly PhantomKind[] = ['shepp-logan', 'ellipses', 'blobs'];

export interface Phantom {
  /** N x N, row-major, row 0 at the top. */
  image: Float32Array;
  /** Exact line integrals for geometry g (g.size must be N), A x D row-major. */
  sinogram(g: Geometry): Float32Array;
  description: string;
}

export interface MakePhantomOptions {
  /** Seed of the random kinds (default 0); ignored by 'shepp-logan'. */
  seed?: Seed;
  /** k x k sub-samples per pixel when rasterizing ellipses (default 4); blobs are point-sampled. */
  supersample?: number;
}

export const DEFAULT_PHANTOM_SUPERSAMPLE = 4;

export function makePhantom(kind: PhantomKind, N: number, opts: MakePhantomOptions = {}): Phantom {
  const seed = opts.seed ?? 0;
  const k = opts.supersample ?? DEFAULT_PHANTOM_SUPERSAMPLE;
  const checked = (g: Geometry): Geometry => {
    if (g.size !== N) {
      throw new ShapeError(
        `makePhantom: the phantom is ${N}x${N} px but the geometry is ${g.size}x${g.size} px`,
        {
          phantomSize: N,
          geometrySize: g.size,
        },
      );
    }
    return g;
  };
  switch (kind) {
    case 'shepp-logan':
    case 'ellipses': {
      const e = kind === 'shepp-logan' ? sheppLoganEllipses() : randomEllipses(seed);
      const name =
        kind === 'shepp-logan'
          ? 'modified Shepp-Logan (Toft 1996)'
          : `random ellipses (seed ${String(seed)}: body + ${e.length - 1} interior ellipses)`;
      return {
        image: rasterizeEllipses(e, N, k),
        sinogram: (g) => ellipsesSinogram(e, checked(g)),
        description: `${name}, ${N}x${N} px, ${k}x${k} supersampling`,
      };
    }
    case 'blobs': {
      const b = randomBlobs(seed);
      return {
        image: rasterizeBlobs(b, N),
        sinogram: (g) => blobsSinogram(b, checked(g)),
        description: `random Gaussian blobs (seed ${String(seed)}: ${b.length} blobs), ${N}x${N} px, point-sampled`,
      };
    }
    default:
      throw new UsageError(
        `makePhantom: unknown kind "${String(kind)}": choose one of ${PHANTOM_KINDS.join(', ')}`,
      );
  }
}
