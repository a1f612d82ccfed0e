/**
 * Augmentation of N x N images by the 8 symmetries of the square (rotations by multiples of 90 degrees,
 * optionally after a left-right flip). Applied to x before the measurement y = A x is simulated, so image
 * and sinogram stay consistent.
 */
import type { Rng } from '../random';

export interface Dihedral {
  /** Quarter turns counter-clockwise, 0..3. */
  rot90: number;
  /** Left-right flip (before rotating). */
  flip: boolean;
}

export const IDENTITY: Dihedral = { rot90: 0, flip: false };

export function randomDihedral(rng: Rng): Dihedral {
  const k = rng.int(8);
  return { rot90: k & 3, flip: k >= 4 };
}

/** out[i][j] = x[source(i, j)] for the transform t; returns a new array. */
export function applyDihedral(x: Float32Array, N: number, t: Dihedral): Float32Array {
  if (t.rot90 === 0 && !t.flip) return Float32Array.from(x);
  const out = new Float32Array(N * N);
  const m = N - 1;
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < N; j++) {
      // Inverse map of "flip, then rotate counter-clockwise k times": output (i, j) <- input (si, sj).
      let si = i;
      let sj = j;
      for (let r = 0; r < t.rot90; r++) {
        // A CCW quarter turn moves input (a, b) to output (m - b, a); its inverse is (i, j) <- (j, m - i).
        const ti = sj;
        sj = m - si;
        si = ti;
      }
      if (t.flip) sj = m - sj;
      out[i * N + j] = x[si * N + sj];
    }
  }
  return out;
}
