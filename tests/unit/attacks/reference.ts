/**
 * Independent Float64 references for the attack tests: dense matrices of linear maps, the symmetric
 * eigen-decomposition (cyclic Jacobi), power iteration, and the exact maximum of ||r + M d|| over the ball
 * ||d|| <= eps (the trust-region problem, solved by its secular equation).
 */

/** Row-major dense matrix. */
export interface Dense {
  rows: number;
  cols: number;
  v: Float64Array;
}

/** M M^T (rows x rows). */
export function gramRows(M: Dense): Float64Array {
  const { rows: n, cols: m, v } = M;
  const G = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += v[i * m + k] * v[j * m + k];
      G[i * n + j] = s;
      G[j * n + i] = s;
    }
  }
  return G;
}

/**
 * Eigen-decomposition of a symmetric n x n matrix by cyclic Jacobi rotations (Golub & Van Loan 8.5):
 * values and the eigenvectors as the columns of `vectors` (row-major n x n), sorted by decreasing value.
 */
export function symmetricEigen(S: Float64Array, n: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(S);
  const V = new Float64Array(n * n);
  for (let i = 0; i < n; i++) V[i * n + i] = 1;
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    let total = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        total += a[i * n + j] ** 2;
        if (i !== j) off += a[i * n + j] ** 2;
      }
    if (off <= 1e-30 * total) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = V[k * n + p];
          const vkq = V[k * n + q];
          V[k * n + p] = c * vkp - s * vkq;
          V[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = order.map((i) => a[i * n + i]);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    for (let k = 0; k < n; k++) vectors[k * n + dst] = V[k * n + src];
  });
  return { values, vectors };
}

/** sigma_max(M) by power iteration on M^T M (Float64), `iters` iterations from a fixed start. */
export function powerSigmaMax(M: Dense, iters = 3000): number {
  const { rows: n, cols: m, v } = M;
  let x = new Float64Array(m).map((_, i) => 1 + 0.01 * Math.sin(i + 1));
  let sigma = 0;
  for (let it = 0; it < iters; it++) {
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += v[i * m + k] * x[k];
      y[i] = s;
    }
    const z = new Float64Array(m);
    for (let i = 0; i < n; i++) for (let k = 0; k < m; k++) z[k] += v[i * m + k] * y[i];
    const nz = Math.sqrt(z.reduce((s2, t) => s2 + t * t, 0));
    sigma = Math.sqrt(nz);
    x = z.map((t) => t / nz);
  }
  return sigma;
}

/**
 * max over ||d||_2 <= eps of ||r + M d||_2 for M (n x m), r (n), exactly: with M M^T = U diag(s^2) U^T and
 * c = U^T r, the maximizer is d = (mu I - M^T M)^-1 M^T r for the mu > s_1^2 with ||d|| = eps, i.e.
 *   sum_i s_i^2 c_i^2 / (mu - s_i^2)^2 = eps^2,   and the maximum^2 = sum_i c_i^2 mu^2 / (mu - s_i^2)^2
 * plus the part of r outside the range of U (none when U is a full basis). When c_1 = 0 (the "hard case")
 * the value at mu = s_1^2 is used, eps^2 s_1^2 + the rest: ||r||^2 terms with mu -> s_1^2.
 */
export function trustRegionMax(M: Dense, r: ArrayLike<number>, eps: number): number {
  const n = M.rows;
  const { values, vectors } = symmetricEigen(gramRows(M), n);
  const s2 = values.map((x) => Math.max(x, 0));
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += vectors[k * n + i] * r[k];
    c[i] = s;
  }
  if (eps === 0) return Math.sqrt(c.reduce((s, t) => s + t * t, 0));
  const norm2 = (mu: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (s2[i] * c[i] * c[i]) / (mu - s2[i]) ** 2;
    return s;
  };
  const value2 = (mu: number) => {
    let s = 0;
    for (let i = 0; i < n; i++) s += (c[i] * c[i] * mu * mu) / (mu - s2[i]) ** 2;
    return s;
  };
  // norm2 decreases from +inf (c_1 != 0) at mu = s_1^2 to 0 at infinity: bisection on log(mu - s_1^2).
  let lo = s2[0] * 1e-14 + 1e-300;
  let hi = s2[0] + 1;
  while (norm2(s2[0] + hi) > eps * eps) hi *= 2;
  if (norm2(s2[0] + lo) < eps * eps) {
    // Hard case: the top direction is free; value = eps^2 s_1^2 + contribution of the others at mu = s_1^2.
    let rest = 0;
    let used = 0;
    for (let i = 1; i < n; i++) {
      const mu = s2[0];
      rest += (c[i] * c[i] * mu * mu) / (mu - s2[i]) ** 2;
      used += (s2[i] * c[i] * c[i]) / (mu - s2[i]) ** 2;
    }
    return Math.sqrt(rest + (eps * eps - used) * s2[0] + c[0] * c[0]);
  }
  for (let it = 0; it < 200; it++) {
    const mid = Math.sqrt(lo * hi);
    if (norm2(s2[0] + mid) > eps * eps) lo = mid;
    else hi = mid;
  }
  return Math.sqrt(value2(s2[0] + Math.sqrt(lo * hi)));
}

/** y = M x. */
export function matVec(M: Dense, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(M.rows);
  for (let i = 0; i < M.rows; i++) {
    let s = 0;
    for (let k = 0; k < M.cols; k++) s += M.v[i * M.cols + k] * x[k];
    y[i] = s;
  }
  return y;
}

/** C = P Q. */
export function matMul(P: Dense, Q: Dense): Dense {
  const v = new Float64Array(P.rows * Q.cols);
  for (let i = 0; i < P.rows; i++)
    for (let k = 0; k < P.cols; k++) {
      const p = P.v[i * P.cols + k];
      if (p === 0) continue;
      for (let j = 0; j < Q.cols; j++) v[i * Q.cols + j] += p * Q.v[k * Q.cols + j];
    }
  return { rows: P.rows, cols: Q.cols, v };
}
