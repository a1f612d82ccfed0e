/**
 * The `linear` reconstructor f(y) = B y (Theorem 1 of papers/000): one dense matrix B mapping the flattened
 * sinogram (A*D values, row-major [A,D]) to the flattened image (N*N values, row-major [N,N]), held as a
 * tf.Variable of shape [N*N, A*D]. For small problems only: B needs 4 N^2 A D bytes, and sizes beyond
 * LINEAR_MAX_BYTES (256 MiB) are refused (N 64 with 90 views: 128 MiB; N 128 with 36 views: 410 MiB).
 *
 *   LinearReconstructor.fromMatrix(g, values)        a given B (row-major [N*N, A*D])
 *   LinearReconstructor.pseudoInverse(g, { mu })     B = (A^T A + mu I)^-1 A^T in Float64 (mu 0: the
 *                                                    pseudo-inverse of a full-column-rank A, B A = I)
 *   LinearReconstructor.fromReconstructor(g, f)      the matrix of a linear f (e.g. FBP), column by column
 *   LinearReconstructor.zeros(g)                     for training from scratch
 *
 * Helpers: radonMatrix(g) (dense A, row-major [A*D, N*N]) and the Float64 Cholesky solve behind pseudoInverse.
 */
import { InputError, UsageError } from '@shared/errors';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { tf } from '../backend';
import { radonForwardArray } from '../physics';
import type { TrainableReconstructor } from './reconstructor';
import type { Reconstructor } from './reconstructor';

/** Largest B accepted (bytes, float32). */
export const LINEAR_MAX_BYTES = 256 * 1024 * 1024;

/** Number of image values n = N^2 and measurement values m = A D of a geometry. */
export function linearDims(g: Geometry): { n: number; m: number } {
  return { n: g.size * g.size, m: g.views * g.detectors };
}

/** Throws a UsageError when B for this geometry would exceed LINEAR_MAX_BYTES. */
export function checkLinearSize(g: Geometry): void {
  const { n, m } = linearDims(g);
  const bytes = 4 * n * m;
  if (bytes > LINEAR_MAX_BYTES) {
    throw new UsageError(
      `linear model: B would be ${n} x ${m} (N ${g.size}, ${g.views} views, ${g.detectors} detectors), ` +
        `${(bytes / 2 ** 20).toFixed(0)} MiB, above the ${LINEAR_MAX_BYTES / 2 ** 20} MiB limit; ` +
        'use a smaller --size or fewer --views (the linear model is for small problems)',
    );
  }
}

export interface LinearOptions {
  /** Variable name prefix (tfjs variable names are global). Default 'linear'. */
  name?: string;
  trainable?: boolean;
}

let instance = 0;

export class LinearReconstructor implements TrainableReconstructor {
  readonly kind = 'linear' as const;
  readonly geometry: Geometry;
  /** B, [N*N, A*D]: image = B sinogram (flattened row-major). */
  readonly B: tf.Variable;
  private readonly source: string;

  private constructor(geometry: Geometry, values: Float32Array, source: string, o: LinearOptions = {}) {
    this.geometry = makeGeometry(geometry);
    checkLinearSize(this.geometry);
    const { n, m } = linearDims(this.geometry);
    if (values.length !== n * m) {
      throw new InputError(`linear model: B has ${values.length} values, expected ${n} x ${m} = ${n * m}`);
    }
    for (let i = 0; i < values.length; i++) {
      if (!Number.isFinite(values[i])) throw new InputError(`linear model: B[${i}] is ${values[i]}`);
    }
    instance += 1;
    const init = tf.tensor2d(values, [n, m]);
    this.B = tf.variable(init, o.trainable ?? true, `${o.name ?? 'linear'}_${instance}/B`);
    init.dispose();
    this.source = source;
  }

  /** A given B, row-major [N*N, A*D] (Float64 values are rounded to float32). */
  static fromMatrix(
    geometry: Geometry,
    values: ArrayLike<number>,
    o: LinearOptions & { source?: string } = {},
  ): LinearReconstructor {
    return new LinearReconstructor(geometry, Float32Array.from(values), o.source ?? 'given matrix', o);
  }

  /** B = 0 (for training from scratch). */
  static zeros(geometry: Geometry, o: LinearOptions = {}): LinearReconstructor {
    const g = makeGeometry(geometry);
    checkLinearSize(g);
    const { n, m } = linearDims(g);
    return new LinearReconstructor(g, new Float32Array(n * m), 'zeros', o);
  }

  /**
   * B = (A^T A + mu I)^-1 A^T with the Joseph projector A of the geometry, computed in Float64 (Cholesky).
   * mu = 0 gives the pseudo-inverse when A has full column rank (B A = I; needs views * detectors >= N^2 and
   * well-posedness: an InputError names the failing pivot otherwise); mu > 0 the Tikhonov inverse.
   */
  static pseudoInverse(geometry: Geometry, o: LinearOptions & { mu?: number } = {}): LinearReconstructor {
    const g = makeGeometry(geometry);
    checkLinearSize(g);
    const mu = o.mu ?? 0;
    if (!(mu >= 0) || !Number.isFinite(mu))
      throw new UsageError(`linear.pseudoInverse: mu must be >= 0, got ${mu}`);
    const { n, m } = linearDims(g);
    const A = radonMatrix(g);
    // G = A^T A + mu I (n x n), then B = G^-1 A^T column by column of A^T (= rows of A).
    const G = new Float64Array(n * n);
    for (let r = 0; r < m; r++) {
      const row = r * n;
      for (let i = 0; i < n; i++) {
        const a = A[row + i];
        if (a === 0) continue;
        for (let j = 0; j < n; j++) G[i * n + j] += a * A[row + j];
      }
    }
    for (let i = 0; i < n; i++) G[i * n + i] += mu;
    const L = cholesky(G, n, 'linear.pseudoInverse');
    const B = new Float32Array(n * m);
    const col = new Float64Array(n);
    for (let r = 0; r < m; r++) {
      for (let i = 0; i < n; i++) col[i] = A[r * n + i];
      choleskySolveInPlace(L, n, col);
      for (let i = 0; i < n; i++) B[i * m + r] = col[i];
    }
    return new LinearReconstructor(
      g,
      B,
      mu === 0 ? 'pseudo-inverse of A' : `Tikhonov inverse of A (mu ${mu})`,
      o,
    );
  }

  /** The matrix of a linear reconstructor f (f applied to the unit sinograms, in batches). */
  static fromReconstructor(geometry: Geometry, f: Reconstructor, o: LinearOptions = {}): LinearReconstructor {
    const g = makeGeometry(geometry);
    checkLinearSize(g);
    const { n, m } = linearDims(g);
    const B = new Float32Array(n * m);
    const chunk = Math.max(1, Math.min(m, Math.floor(2 ** 24 / (n + m))));
    for (let c0 = 0; c0 < m; c0 += chunk) {
      const c1 = Math.min(m, c0 + chunk);
      const unit = new Float32Array((c1 - c0) * m);
      for (let c = c0; c < c1; c++) unit[(c - c0) * m + c] = 1;
      const out = tf.tidy(() => f.reconstruct(tf.tensor4d(unit, [c1 - c0, g.views, g.detectors, 1])));
      const v = out.dataSync();
      out.dispose();
      for (let c = c0; c < c1; c++) for (let i = 0; i < n; i++) B[i * m + c] = v[(c - c0) * n + i];
    }
    return new LinearReconstructor(g, B, `matrix of ${f.describe()}`, o);
  }

  reconstruct(y: tf.Tensor4D): tf.Tensor4D {
    return this.apply(y, false);
  }

  apply(y: tf.Tensor4D, _training: boolean): tf.Tensor4D {
    const g = this.geometry;
    const s = y.shape;
    if (y.rank !== 4 || s[1] !== g.views || s[2] !== g.detectors || s[3] !== 1) {
      throw new UsageError(
        `linear.reconstruct: expected [B,${g.views},${g.detectors},1], got [${s.join(',')}]`,
      );
    }
    return tf.tidy(() => {
      const flat = tf.reshape(y, [s[0], g.views * g.detectors]);
      return tf.reshape(tf.matMul(flat, this.B, false, true), [s[0], g.size, g.size, 1]) as tf.Tensor4D;
    });
  }

  trainableVariables(): tf.Variable[] {
    return [this.B];
  }

  kernelVariables(): tf.Variable[] {
    return [this.B];
  }

  /** B's values, row-major [N*N, A*D]. */
  matrix(): Float32Array {
    return this.B.dataSync() as Float32Array;
  }

  describe(): string {
    const { n, m } = linearDims(this.geometry);
    return `linear B (${n} x ${m}, ${this.source})`;
  }

  dispose(): void {
    this.B.dispose();
  }
}

/** The dense Joseph projector A of a geometry, row-major [A*D, N*N] in Float64 (A applied to unit images). */
export function radonMatrix(geometry: Geometry): Float64Array {
  const g = makeGeometry(geometry);
  checkLinearSize(g);
  const { n, m } = linearDims(g);
  const A = new Float64Array(m * n);
  const chunk = Math.max(1, Math.min(n, Math.floor(2 ** 24 / (n + m))));
  for (let c0 = 0; c0 < n; c0 += chunk) {
    const c1 = Math.min(n, c0 + chunk);
    const unit = new Float32Array((c1 - c0) * n);
    for (let c = c0; c < c1; c++) unit[(c - c0) * n + c] = 1;
    const y = radonForwardArray(unit, c1 - c0, g);
    for (let c = c0; c < c1; c++) for (let r = 0; r < m; r++) A[r * n + c] = y[(c - c0) * m + r];
  }
  return A;
}

/** Lower-triangular L with L L^T = G (symmetric positive definite, row-major n x n), Float64. */
export function cholesky(G: Float64Array, n: number, op = 'cholesky'): Float64Array {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = G[j * n + j];
    for (let k = 0; k < j; k++) d -= L[j * n + k] ** 2;
    if (!(d > 1e-12 * Math.abs(G[j * n + j]))) {
      throw new InputError(
        `${op}: the normal matrix is not positive definite at pivot ${j} (A lacks full column rank: add views, or use mu > 0)`,
      );
    }
    const ljj = Math.sqrt(d);
    L[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = G[i * n + j];
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = s / ljj;
    }
  }
  return L;
}

/** Solve L L^T v = b in place (b overwritten by v). */
export function choleskySolveInPlace(L: Float64Array, n: number, b: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * n + k] * b[k];
    b[i] = s / L[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * b[k];
    b[i] = s / L[i * n + i];
  }
}
