/**
 * The simulated problem of papers/000 section 4.4: x in R^n from N(0, I) (50,000 samples), A in R^(m x n)
 * with Gaussian entries whose smallest singular values are replaced by tiny ones (1e-3 and 1e-4), keeping
 * the other singular values and the singular vectors, so that A is ill-conditioned.
 *
 * The paper writes the entries as "Aij ~ N(0, 1/10)" (m = 10). Read as a variance (our default) their standard
 * deviation is 1/sqrt(10) = 0.316; read as a standard deviation it is 0.1. The two readings give different
 * condition numbers of B (Theorem 1's kappa scales with the retained singular values of A): `entryStd` picks
 * one (ENTRY_SCALE_READINGS), and `reproduce linear-theory` prints both next to the paper's kappa.
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
  /** Standard deviation of the entries of A before the replacement (default 1/sqrt(m): variance 1/m). */
  entryStd?: number;
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

/** The two readings of the paper's "N(0, 1/10)" as entry standard deviations, for m measurements. */
export const ENTRY_SCALE_READINGS = {
  /** 1/m is the variance (the usual N(mean, variance) notation): std 1/sqrt(m), 0.316 at m = 10. */
  variance: (m: number): number => 1 / Math.sqrt(m),
  /** 1/m is the standard deviation: std 0.1 at m = 10. */
  std: (m: number): number => 1 / m,
} as const;
export type EntryScaleReading = keyof typeof ENTRY_SCALE_READINGS;

/** The entry standard deviation `o` asks for (default: the variance reading). */
export function entryStdOf(o: Pick<LinearProblemOptions, 'm' | 'entryStd'>): number {
  return o.entryStd ?? ENTRY_SCALE_READINGS.variance(o.m);
}

/**
 * A = U S V^T of a Gaussian m x n matrix with entries N(0, entryStd^2), its smallest singular values replaced
 * (sorted decreasing, they take the last positions: [1e-3, 1e-4] gives ... >= 1e-3 >= 1e-4). Returns A and
 * the singular values before the replacement (decreasing).
 */
export function drawIllConditionedA(
  o: Pick<LinearProblemOptions, 'm' | 'n' | 'replacedSingularValues' | 'entryStd'>,
  rng: Rng,
): { A: Matrix; originalSingularValues: Float64Array } {
  const { m, n } = o;
  const k = Math.min(m, n);
  if (o.replacedSingularValues.length > k) {
    throw new UsageError(
      `linear-theory: cannot replace ${o.replacedSingularValues.length} of ${k} singular values`,
    );
  }
  const std = entryStdOf(o);
  if (!(std > 0) || !Number.isFinite(std)) {
    throw new UsageError(`linear-theory: the entry standard deviation must be positive, got ${std}`);
  }
  const A0 = matrix(m, n);
  rng.fillNormal(A0.data, 0, std);
  const { U, s, V } = svd(A0);
  const original = Float64Array.from(s);
  const replaced = [...o.replacedSingularValues].sort((a, b) => b - a);
  replaced.forEach((v, i) => (s[k - replaced.length + i] = v));
  return { A: fromSvd(U, s, V), originalSingularValues: original };
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

/** Draws A (fork 'A' of rng, drawIllConditionedA) and the samples (fork 'x'). */
export function makeLinearProblem(o: LinearProblemOptions, rng: Rng): LinearProblem {
  const { n, samples } = o;
  if (!Number.isInteger(samples) || samples < 1) {
    throw new UsageError(`linear-theory: samples must be a positive integer, got ${samples}`);
  }
  const { A, originalSingularValues: original } = drawIllConditionedA(o, rng.fork('A'));

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
