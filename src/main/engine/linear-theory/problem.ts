/**
 * The simulated problem of papers/000 section 4.4: x in R^n from N(0, I) (50,000 samples), A in R^(m x n)
 * with N(0, 1/m) entries whose smallest singular values are replaced by tiny ones (1e-3 and 1e-4), keeping
 * the other singular values and the singular vectors, so that A is ill-conditioned.
 */
import { UsageError } from '@shared/errors';
import type { Rng } from '../random';
import { type Matrix, fromSvd, matrix, svd } from './matrix';

export interface LinearProblemOptions {
  /** Signal dimension n (paper 20). */
  n: number;
  /** Measurements m (paper 10). */
  m: number;
  /** Number of samples x (paper 50,000). */
  samples: number;
  /** Replacement values for the smallest singular values of A (paper [1e-3, 1e-4]). */
  replacedSingularValues: readonly number[];
  /**
   * Subtract the sample mean from the samples (default true), so that they meet Theorem 1's assumption
   * E x = 0 exactly. Why it matters: with one delta common to all samples, eq. (12) has the cross term
   * 2 lambda (B delta)^T (B A - I) xbar, which the theorem drops because E x = 0. For 50,000 draws xbar is
   * ~0.0045 per entry, yet along the singular direction of A with S = 1e-4 the only other force on B is the
   * data term's pull ~2 (1 + lambda) S = 4e-4, so this tiny mean moves that column of B-hat by ~0.2 in the
   * null space of A (relative Frobenius error ~0.08 instead of ~0.01; measured, see the tests).
   */
  center?: boolean;
}

export interface LinearProblem {
  /** The ill-conditioned measurement matrix (the paper's A-tilde), m x n. */
  A: Matrix;
  /** Singular values of the Gaussian matrix before the replacement, decreasing. */
  originalSingularValues: Float64Array;
  samples: number;
  /**
   * Sufficient statistics of the (centered, unless center is false) samples for every loss in eq. (12),
   * which is quadratic in x: secondMoment = (1/N) sum x x^T (n x n) and mean = (1/N) sum x (zero when
   * centered).
   */
  secondMoment: Matrix;
  mean: Float64Array;
  /** The mean of the raw draws (before centering). */
  sampleMean: Float64Array;
  centered: boolean;
}

/**
 * Draws A (fork 'A' of rng) and the samples (fork 'x'). The replacement values, sorted decreasing, take the
 * positions of the smallest singular values: [1e-3, 1e-4] gives singular values ... >= 1e-3 >= 1e-4.
 */
export function makeLinearProblem(o: LinearProblemOptions, rng: Rng): LinearProblem {
  const { n, m, samples } = o;
  const k = Math.min(m, n);
  if (o.replacedSingularValues.length > k) {
    throw new UsageError(
      `linear-theory: cannot replace ${o.replacedSingularValues.length} of ${k} singular values`,
    );
  }
  if (!Number.isInteger(samples) || samples < 1) {
    throw new UsageError(`linear-theory: samples must be a positive integer, got ${samples}`);
  }
  const ra = rng.fork('A');
  const A0 = matrix(m, n);
  ra.fillNormal(A0.data, 0, 1 / Math.sqrt(m));
  const { U, s, V } = svd(A0);
  const original = Float64Array.from(s);
  const replaced = [...o.replacedSingularValues].sort((a, b) => b - a);
  replaced.forEach((v, i) => (s[k - replaced.length + i] = v));
  const A = fromSvd(U, s, V);

  const rx = rng.fork('x');
  const M = new Float64Array(n * n);
  const mean = new Float64Array(n);
  const x = new Float64Array(n);
  for (let t = 0; t < samples; t++) {
    rx.fillNormal(x);
    for (let i = 0; i < n; i++) {
      mean[i] += x[i];
      const xi = x[i];
      for (let j = i; j < n; j++) M[i * n + j] += xi * x[j];
    }
  }
  for (let i = 0; i < n; i++) mean[i] /= samples;
  const center = o.center ?? true;
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      // Centered: (1/N) sum (x - xbar)(x - xbar)^T = (1/N) sum x x^T - xbar xbar^T.
      M[i * n + j] = M[i * n + j] / samples - (center ? mean[i] * mean[j] : 0);
      M[j * n + i] = M[i * n + j];
    }
  }
  return {
    A,
    originalSingularValues: original,
    samples,
    secondMoment: matrix(n, n, M),
    mean: center ? new Float64Array(n) : Float64Array.from(mean),
    sampleMean: mean,
    centered: center,
  };
}
