/**
 * Paired tests for "method A is lower than method B on the same slices" (issue 12: an ordering of rho-hat is
 * only called an agreement when a paired test supports it). Both tests take the per-slice differences
 * d_i = a_i - b_i and are two-sided, exact, and make no normality assumption:
 *
 *   signFlipTest      the permutation test of the mean difference under H0 "d_i is symmetric about 0": the
 *                     2^n sign vectors s are equally likely, p = #{s : |sum s_i d_i| >= |sum d_i|} / 2^n
 *                     (Fisher 1935; scipy.stats.permutation_test(..., permutation_type='samples') with
 *                     n_resamples=inf). Enumerated exactly up to `exactLimit` slices (2^24 sums in Gray-code
 *                     order: one addition each); above it, `draws` seeded random sign vectors with the
 *                     unbiased estimate p = (b + 1) / (draws + 1) (Phipson and Smyth 2010), flagged exact: false.
 *   wilcoxonSignedRank the signed-rank test: zeros dropped (Wilcoxon's convention, scipy zero_method='wilcox'),
 *                     |d| ranked with midranks for ties, statistic W+ = sum of the ranks of positive d; the null
 *                     distribution of W+ is computed exactly for every n by dynamic programming over the
 *                     (doubled, hence integer) ranks, so ties are handled exactly too (conditional on the tie
 *                     pattern); p = P(|W+ - E W+| >= |w - E W+|).
 *
 * The sign-flip test is the one the reproduce verdicts use (it tests the mean, and rho-hat is a mean); the
 * Wilcoxon p-value is printed next to it as a check that the conclusion does not hinge on a few slices.
 */
import { UsageError } from '@shared/errors';
import { createRng, type Seed } from '../random';

export interface PairedTestResult {
  /** Slices used (sign-flip: all; Wilcoxon: the non-zero differences). */
  n: number;
  /** Mean of the differences d_i = a_i - b_i over all slices. */
  meanDifference: number;
  /** Two-sided p-value. */
  p: number;
  /** Whether p is exact (false: Monte-Carlo over `draws` sign vectors). */
  exact: boolean;
  /** The smallest p-value this test can give with these n slices (what n slices can show at best). */
  minP: number;
}

export interface WilcoxonResult extends PairedTestResult {
  /** W+, the sum of the ranks of the positive differences (midranks for ties). */
  wPlus: number;
}

export const SIGN_FLIP_EXACT_LIMIT = 24;
export const SIGN_FLIP_DRAWS = 200_000;

function checkDiffs(d: readonly number[], who: string): void {
  for (const v of d)
    if (!Number.isFinite(v)) throw new UsageError(`${who}: differences must be finite numbers, got ${v}`);
}

/** The differences a_i - b_i of two paired lists (same slices, same order). */
export function pairedDifferences(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length)
    throw new UsageError(`paired test: ${a.length} values against ${b.length}; pairs need the same slices`);
  return a.map((v, i) => v - b[i]);
}

/** Two-sided exact (n <= exactLimit) or Monte-Carlo sign-flip permutation test of the mean difference. */
export function signFlipTest(
  d: readonly number[],
  o: { exactLimit?: number; draws?: number; seed?: Seed } = {},
): PairedTestResult {
  checkDiffs(d, 'sign-flip test');
  const n = d.length;
  const mean = n > 0 ? d.reduce((s, v) => s + v, 0) / n : 0;
  if (n === 0) return { n, meanDifference: 0, p: 1, exact: true, minP: 1 };
  const observed = Math.abs(d.reduce((s, v) => s + v, 0));
  // Sums equal up to rounding count as ties (>=): the tolerance is relative to the largest possible sum.
  const tol = 1e-9 * d.reduce((s, v) => s + Math.abs(v), 0);
  const limit = o.exactLimit ?? SIGN_FLIP_EXACT_LIMIT;
  // The smallest p: only the observed signs and their mirror image reach |sum| (when no d is 0).
  const minP = Math.min(1, 2 / 2 ** n);
  if (n <= limit) {
    // Gray-code walk over the 2^n sign vectors: step k flips the sign of element ctz(k).
    const signs = new Int8Array(n).fill(1);
    let sum = d.reduce((s, v) => s + v, 0);
    let count = 0;
    const total = 2 ** n;
    for (let k = 0; k < total; k++) {
      if (k > 0) {
        const j = 31 - Math.clz32(k & -k);
        sum -= 2 * signs[j] * d[j];
        signs[j] = -signs[j] as 1 | -1;
      }
      if (Math.abs(sum) >= observed - tol) count++;
    }
    return { n, meanDifference: mean, p: count / total, exact: true, minP };
  }
  const draws = o.draws ?? SIGN_FLIP_DRAWS;
  const rng = createRng(o.seed ?? 'sign-flip');
  let b = 0;
  for (let t = 0; t < draws; t++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += rng.uniform() < 0.5 ? -d[i] : d[i];
    if (Math.abs(s) >= observed - tol) b++;
  }
  return { n, meanDifference: mean, p: (b + 1) / (draws + 1), exact: false, minP: 1 / (draws + 1) };
}

/** Midranks (1-based) of v, ties sharing the mean of their ranks. */
export function midranks(v: readonly number[]): number[] {
  const order = v.map((x, i) => i).sort((a, b) => v[a] - v[b]);
  const r = new Array<number>(v.length);
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && v[order[j + 1]] === v[order[i]]) j++;
    for (let k = i; k <= j; k++) r[order[k]] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return r;
}

/** Exact two-sided Wilcoxon signed-rank test (file comment). */
export function wilcoxonSignedRank(dAll: readonly number[]): WilcoxonResult {
  checkDiffs(dAll, 'Wilcoxon test');
  const mean = dAll.length > 0 ? dAll.reduce((s, v) => s + v, 0) / dAll.length : 0;
  const d = dAll.filter((v) => v !== 0);
  const n = d.length;
  if (n === 0) return { n, meanDifference: mean, p: 1, exact: true, minP: 1, wPlus: 0 };
  const ranks = midranks(d.map(Math.abs));
  const twice = ranks.map((r) => Math.round(2 * r)); // midranks are multiples of 1/2
  const total = twice.reduce((s, v) => s + v, 0);
  // counts[w] = number of sign patterns with 2 W+ = w (as probabilities, to stay finite for large n).
  let dist = new Float64Array(total + 1);
  dist[0] = 1;
  for (const r of twice) {
    const next = new Float64Array(total + 1);
    for (let w = 0; w <= total; w++) {
      if (dist[w] === 0) continue;
      next[w] += dist[w] / 2;
      next[w + r] += dist[w] / 2;
    }
    dist = next;
  }
  const w2 = d.reduce((s, v, i) => s + (v > 0 ? twice[i] : 0), 0);
  const center = total / 2;
  const dev = Math.abs(w2 - center);
  let p = 0;
  for (let w = 0; w <= total; w++) if (Math.abs(w - center) >= dev - 1e-9) p += dist[w];
  // All signs equal: the extreme pattern and its mirror.
  const minP = Math.min(1, 2 / 2 ** n);
  return { n, meanDifference: mean, p: Math.min(1, p), exact: true, minP, wPlus: w2 / 2 };
}

/** The outcome of a directional claim tested with a two-sided p-value at level alpha. */
export type PairedOutcome = 'supports' | 'opposes' | 'inconclusive';

/**
 * Whether a paired test supports the claim that the differences have the sign `expected` (-1: a < b,
 * +1: a > b): supports when p < alpha and the mean difference has that sign, opposes when p < alpha and it
 * has the other sign, inconclusive otherwise.
 */
export function pairedOutcome(t: PairedTestResult, expected: -1 | 1, alpha: number): PairedOutcome {
  if (!(t.p < alpha) || t.meanDifference === 0) return 'inconclusive';
  return Math.sign(t.meanDifference) === expected ? 'supports' : 'opposes';
}
