/**
 * Small dense Float64 matrices (row-major) for the linear-theory reproduction (papers/000 section 4.4:
 * 20 x 10 problems), with a one-sided Jacobi SVD. Plain JS on purpose: the problems are tiny, Float64
 * matters along singular values of 1e-4, and the whole experiment runs ~1e5 steps in seconds without tfjs.
 */
import { ShapeError } from '@shared/errors';

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: entry (i, j) at data[i * cols + j]. */
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: ArrayLike<number>): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new ShapeError(`matrix: need positive integer sizes, got ${rows} x ${cols}`);
  }
  const d = new Float64Array(rows * cols);
  if (data) {
    if (data.length !== rows * cols) {
      throw new ShapeError(`matrix: ${rows} x ${cols} needs ${rows * cols} values, got ${data.length}`);
    }
    d.set(data);
  }
  return { rows, cols, data: d };
}

export function identity(n: number): Matrix {
  const m = matrix(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** diag(values) as a rows x cols matrix (values on the leading diagonal). */
export function diagonal(values: ArrayLike<number>, rows = values.length, cols = values.length): Matrix {
  const m = matrix(rows, cols);
  for (let i = 0; i < Math.min(rows, cols, values.length); i++) m.data[i * cols + i] = values[i];
  return m;
}

export function clone(a: Matrix): Matrix {
  return matrix(a.rows, a.cols, a.data);
}

export function transpose(a: Matrix): Matrix {
  const t = matrix(a.cols, a.rows);
  for (let i = 0; i < a.rows; i++) {
    for (let j = 0; j < a.cols; j++) t.data[j * a.rows + i] = a.data[i * a.cols + j];
  }
  return t;
}

/** a b. */
export function matMul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) {
    throw new ShapeError(`matMul: inner sizes differ: ${a.rows}x${a.cols} times ${b.rows}x${b.cols}`);
  }
  const c = matrix(a.rows, b.cols);
  const n = b.cols;
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k];
      if (aik === 0) continue;
      const bo = k * n;
      const co = i * n;
      for (let j = 0; j < n; j++) c.data[co + j] += aik * b.data[bo + j];
    }
  }
  return c;
}

/** a v for a vector v of length a.cols. */
export function matVec(a: Matrix, v: ArrayLike<number>): Float64Array {
  if (v.length !== a.cols) throw new ShapeError(`matVec: ${a.rows}x${a.cols} times a vector of ${v.length}`);
  const out = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let s = 0;
    for (let j = 0; j < a.cols; j++) s += a.data[i * a.cols + j] * v[j];
    out[i] = s;
  }
  return out;
}

function checkSame(op: string, a: Matrix, b: Matrix): void {
  if (a.rows !== b.rows || a.cols !== b.cols) {
    throw new ShapeError(`${op}: shapes differ: ${a.rows}x${a.cols} and ${b.rows}x${b.cols}`);
  }
}

/** alpha a + beta b. */
export function combine(alpha: number, a: Matrix, beta: number, b: Matrix): Matrix {
  checkSame('combine', a, b);
  const c = matrix(a.rows, a.cols);
  for (let i = 0; i < c.data.length; i++) c.data[i] = alpha * a.data[i] + beta * b.data[i];
  return c;
}

export function sub(a: Matrix, b: Matrix): Matrix {
  return combine(1, a, -1, b);
}

export function frobeniusNorm(a: Matrix): number {
  let s = 0;
  for (let i = 0; i < a.data.length; i++) s += a.data[i] * a.data[i];
  return Math.sqrt(s);
}

export function vecNorm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

export interface Svd {
  /** rows x k, orthonormal columns (k = min(rows, cols)). */
  U: Matrix;
  /** k singular values, decreasing. */
  s: Float64Array;
  /** cols x k, orthonormal columns. */
  V: Matrix;
}

/**
 * Thin SVD a = U diag(s) V^T by one-sided Jacobi (Hestenes 1958; Demmel & Veselic 1992): plane rotations
 * orthogonalize the columns of a copy of the matrix until every pair is orthogonal to `tol` relative to
 * their norms; singular values are the column norms, V accumulates the rotations. Accurate to high
 * relative precision even for tiny singular values (1e-4 here), which a normal-equations eigen-solver is not.
 */
export function svd(a: Matrix, tol = 1e-15, maxSweeps = 100): Svd {
  if (a.rows < a.cols) {
    const t = svd(transpose(a), tol, maxSweeps);
    return { U: t.V, s: t.s, V: t.U };
  }
  const m = a.rows;
  const n = a.cols;
  // Work on columns: W = a (m x n) stored column-major for cache-friendly pair updates.
  const W = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) W[j * m + i] = a.data[i * n + j];
  const V = new Float64Array(n * n); // column-major too
  for (let j = 0; j < n; j++) V[j * n + j] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const wp = W[p * m + i];
          const wq = W[q * m + i];
          alpha += wp * wp;
          beta += wq * wq;
          gamma += wp * wq;
        }
        if (gamma === 0 || Math.abs(gamma) <= tol * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // Rotation that zeroes the (p, q) entry of W^T W (Golub & Van Loan, Algorithm 8.4.1's sym.schur2).
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const wp = W[p * m + i];
          const wq = W[q * m + i];
          W[p * m + i] = c * wp - s * wq;
          W[q * m + i] = s * wp + c * wq;
        }
        for (let i = 0; i < n; i++) {
          const vp = V[p * n + i];
          const vq = V[q * n + i];
          V[p * n + i] = c * vp - s * vq;
          V[q * n + i] = s * vp + c * vq;
        }
      }
    }
    if (!rotated) break;
  }
  const norms = Array.from({ length: n }, (_, j) => vecNorm(W.subarray(j * m, (j + 1) * m)));
  const order = norms.map((_, j) => j).sort((x, y) => norms[y] - norms[x]);
  const U = matrix(m, n);
  const Vout = matrix(n, n);
  const s = new Float64Array(n);
  // Below this a column of W is rounding noise (numerical rank deficiency): its U column is rebuilt below.
  const negligible = norms[order[0]] * Math.max(m, n) * Number.EPSILON;
  const zero = new Array<boolean>(n).fill(false);
  order.forEach((j, k) => {
    s[k] = norms[j];
    zero[k] = !(norms[j] > negligible);
    for (let i = 0; i < m; i++) U.data[i * n + k] = zero[k] ? 0 : W[j * m + i] / norms[j];
    for (let i = 0; i < n; i++) Vout.data[i * n + k] = V[j * n + i];
  });
  // Columns of (numerically) zero singular values: complete U to orthonormal columns (Gram-Schmidt on the
  // unit vectors against the columns already set).
  for (let k = 0; k < n; k++) {
    if (!zero[k]) continue;
    for (let e = 0; e < m; e++) {
      const col = new Float64Array(m);
      col[e] = 1;
      for (let l = 0; l < n; l++) {
        if (l === k || (zero[l] && l > k)) continue;
        let d = 0;
        for (let i = 0; i < m; i++) d += U.data[i * n + l] * col[i];
        for (let i = 0; i < m; i++) col[i] -= d * U.data[i * n + l];
      }
      const nc = vecNorm(col);
      if (nc > 1e-8) {
        for (let i = 0; i < m; i++) U.data[i * n + k] = col[i] / nc;
        break;
      }
    }
  }
  return { U, s, V: Vout };
}

/** U diag(s) V^T. */
export function fromSvd(U: Matrix, s: ArrayLike<number>, V: Matrix): Matrix {
  const us = clone(U);
  for (let i = 0; i < us.rows; i++) for (let k = 0; k < us.cols; k++) us.data[i * us.cols + k] *= s[k];
  return matMul(us, transpose(V));
}

/** ||a||_2, the largest singular value. */
export function spectralNorm(a: Matrix): number {
  return svd(a).s[0];
}

/** sigma_max / sigma_min over the min(rows, cols) singular values (Infinity when rank-deficient). */
export function conditionNumber(a: Matrix): number {
  const s = svd(a).s;
  const min = s[s.length - 1];
  return min > 0 ? s[0] / min : Infinity;
}
