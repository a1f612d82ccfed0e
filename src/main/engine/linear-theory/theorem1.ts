/**
 * Theorem 1 of papers/000 (eq. 10, proof in its appendix A): for f = B linear, x with E x = 0 and
 * cov x = I, the minimizer of eq. (6)/(12)
 *
 *   J(B) = max_{||delta|| <= eps} E ||B A x - x||^2 + lambda ||B (A x + delta) - x||^2
 *        = (1 + lambda) ||B A - I||_F^2 + lambda eps^2 ||B||_2^2                      (appendix eq. 15)
 *
 * is B = V Q U^T with A = U S V^T and Q = diag(q_m, ..., q_m, 1/S_{m+1}, ..., 1/S_n), the S_i increasing,
 *
 *   q_m = sum_{i<=m} S_i / (sum_{i<=m} S_i^2 + h),   h = lambda eps^2 / (1 + lambda)        (eq. 10, 21)
 *
 * i.e. the m largest entries 1/S_i of the pseudo-inverse (those of the m smallest singular values) are
 * replaced by one common value q_m. The theorem leaves m open ("depends on eps, lambda and S"); the
 * derivation needs it consistent (q_m is the largest entry of Q: q_m >= 1/S_{m+1}, and the clipped entries
 * are clipped: q_m <= 1/S_m). We evaluate J exactly (with the true spectral norm) for every m and take the
 * minimizer, which is the consistent m: with t = max_i Q_i, the best Q_i are min(1/S_i, t) and J is convex
 * in t, so the minimizing candidate is the global minimizer over B = V Q U^T.
 */
import { UsageError } from '@shared/errors';
import {
  type Matrix,
  combine,
  conditionNumber,
  frobeniusNorm,
  fromSvd,
  identity,
  matMul,
  spectralNorm,
  svd,
} from './matrix';

/** (1 + lambda) ||B A - I||_F^2 + lambda eps^2 ||B||_2^2 (appendix eq. 15: cov x = I, E x = 0). */
export function theorem1Objective(B: Matrix, A: Matrix, lambda: number, eps: number): number {
  const R = combine(1, matMul(B, A), -1, identity(A.cols));
  const r = frobeniusNorm(R);
  const b = spectralNorm(B);
  return (1 + lambda) * r * r + lambda * eps * eps * b * b;
}

export interface Theorem1Candidate {
  /** Multiplicity of the clipped value q_m (the m smallest singular values of A share it). */
  m: number;
  qm: number;
  /** J(B_m), eq. 15, with the true spectral norm of B_m. */
  objective: number;
  /** q_m <= 1/S_m and (m = n or q_m >= 1/S_{m+1}): the derivation's assumptions hold for this m. */
  consistent: boolean;
  /** Condition number of B_m. */
  kappa: number;
  B: Matrix;
}

export interface Theorem1Result {
  /** The minimizing candidate's B (rows = A.cols, cols = A.rows). */
  B: Matrix;
  m: number;
  qm: number;
  objective: number;
  /** Singular values of A, increasing (the theorem's order). */
  singularValues: Float64Array;
  /** Every m = 1..rank(A). */
  candidates: Theorem1Candidate[];
}

/** The closed-form robust reconstruction of Theorem 1 (eq. 10) for measurement matrix A. */
export function theorem1B(A: Matrix, lambda: number, eps: number): Theorem1Result {
  if (!(lambda > 0) || !(eps >= 0) || !Number.isFinite(lambda) || !Number.isFinite(eps)) {
    throw new UsageError(`theorem1: need lambda > 0 and eps >= 0, got lambda ${lambda}, eps ${eps}`);
  }
  const { U, s: sDesc, V } = svd(A);
  const k = sDesc.length;
  if (!(sDesc[k - 1] > 0)) throw new UsageError('theorem1: A must have full rank min(rows, cols)');
  // Theorem order: increasing. Column j of U, V belongs to sDesc[j], i.e. to S[k - 1 - j].
  const S = Float64Array.from(sDesc).reverse();
  const h = (lambda * eps * eps) / (1 + lambda);
  const candidates: Theorem1Candidate[] = [];
  let sum = 0;
  let sumSq = 0;
  for (let m = 1; m <= k; m++) {
    sum += S[m - 1];
    sumSq += S[m - 1] * S[m - 1];
    const qm = sum / (sumSq + h);
    const Q = new Float64Array(k);
    for (let i = 0; i < k; i++) Q[i] = i < m ? qm : 1 / S[i];
    // B = V Q U^T with Q in the descending-S column order of the SVD.
    const qDesc = Float64Array.from(Q).reverse();
    const B = fromSvd(V, qDesc, U);
    const consistent = qm <= 1 / S[m - 1] && (m === k || qm >= 1 / S[m]);
    candidates.push({
      m,
      qm,
      objective: theorem1Objective(B, A, lambda, eps),
      consistent,
      kappa: conditionNumber(B),
      B,
    });
  }
  const best = candidates.reduce((a, c) => (c.objective < a.objective ? c : a));
  return { B: best.B, m: best.m, qm: best.qm, objective: best.objective, singularValues: S, candidates };
}
