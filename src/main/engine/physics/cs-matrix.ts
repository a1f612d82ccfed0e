/**
 * The sensing matrix of block compressed sensing (src/shared/physics.ts, papers/002 section 4): Phi in
 * R^(m x n), n = block^2, i.i.d. N(0, 1/m) entries from the seeded generator (random.ts), and the rows of its
 * pseudo-inverse transposed, (A^+)^T = (Phi Phi^T)^-1 Phi, in Float64 then stored as float32.
 *
 * Why variance 1/m: E ||Phi x||^2 = ||x||^2 for every fixed x (each column has expected squared norm 1), so a
 * measurement has the energy of the image and radii in y and in x are comparable, as papers/002 measures
 * its attacks in x and feeds them in as A xi. A seed names one matrix on every machine: the generator is
 * seedrandom's, forked under 'cs-phi' so another use of the same seed does not repeat these numbers.
 */
import { UsageError } from '@shared/errors';
import { csMeasurementsPerBlock, type CsPhysics } from '@shared/physics';
import { createRng } from '../random';

export interface CsMatrices {
  /** m x n, row-major. */
  phi: Float32Array;
  /** (Phi Phi^T)^-1 Phi, m x n row-major: A^+ y = pinvT^T y. */
  pinvT: Float32Array;
  m: number;
  n: number;
}

/** Lower-triangular L with G = L L^T, G symmetric positive definite m x m (row-major, Float64). */
function cholesky(G: Float64Array, m: number): Float64Array {
  const L = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = G[i * m + j];
      for (let k = 0; k < j; k++) s -= L[i * m + k] * L[j * m + k];
      if (i === j) {
        // A Gaussian Phi with m < n has full row rank with probability 1; guard the measure-zero case.
        if (!(s > 0)) throw new UsageError('cs: Phi Phi^T is singular; choose another seed or ratio');
        L[i * m + i] = Math.sqrt(s);
      } else {
        L[i * m + j] = s / L[j * m + j];
      }
    }
  }
  return L;
}

function build(p: Pick<CsPhysics, 'ratio' | 'block' | 'seed'>): CsMatrices {
  const n = p.block * p.block;
  const m = csMeasurementsPerBlock(p);
  const phi64 = new Float64Array(m * n);
  createRng(p.seed)
    .fork('cs-phi')
    .fillNormal(phi64, 0, 1 / Math.sqrt(m));
  const G = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += phi64[i * n + k] * phi64[j * n + k];
      G[i * m + j] = s;
      G[j * m + i] = s;
    }
  }
  // Solve G Z = Phi column by column: L w = phi_col (forward), L^T z = w (backward).
  const L = cholesky(G, m);
  const Z = new Float64Array(m * n);
  const w = new Float64Array(m);
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < m; i++) {
      let s = phi64[i * n + c];
      for (let k = 0; k < i; k++) s -= L[i * m + k] * w[k];
      w[i] = s / L[i * m + i];
    }
    for (let i = m - 1; i >= 0; i--) {
      let s = w[i];
      for (let k = i + 1; k < m; k++) s -= L[k * m + i] * Z[k * n + c];
      Z[i * n + c] = s / L[i * m + i];
    }
  }
  return { phi: Float32Array.from(phi64), pinvT: Float32Array.from(Z), m, n };
}

// A few recent matrices: operators are rebuilt often (one per model, attack, certificate), Phi is not.
const cache = new Map<string, CsMatrices>();
const CACHE_SIZE = 4;

/** Phi and (A^+)^T for one cs physics (cached by ratio, block and seed). Callers must not modify them. */
export function csMatrices(p: Pick<CsPhysics, 'ratio' | 'block' | 'seed'>): CsMatrices {
  const key = `${p.ratio}/${p.block}/${typeof p.seed}:${p.seed}`;
  let hit = cache.get(key);
  if (hit) {
    cache.delete(key);
  } else {
    hit = build(p);
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  }
  cache.set(key, hit);
  return hit;
}
