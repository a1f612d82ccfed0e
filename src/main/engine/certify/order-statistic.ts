/**
 * The order statistic of the certificate (DESIGN.md section 4; Corollary 3.2 and Algorithm 4 of papers/002):
 *
 *   With S sorted discrepancy samples, the certified upper bound of D_p is the K-th smallest, K the smallest
 *   integer with BinomialCDF(K - 1; S, p) >= c, where p = Phi(Phi^-1(q) + eps / sigma) (q = 0.5: the median,
 *   p = Phi(eps / sigma)); abstain when K > S.
 *
 * Why this K: the K-th smallest sample lies below the true p-quantile only if at least K samples do, and the
 * number of samples below it is Binomial(S, p') with p' <= p, so P(bound >= D_p) >= P(Binomial(S, p) <= K - 1)
 * >= c. Algorithm 4 as printed in the paper has an off-by-one and a loop that never runs; this is the
 * definition, computed exactly: the binomial CDF is summed in log space (log-gamma binomial coefficients),
 * Phi and Phi^-1 to ~1e-15.
 *
 * Abstention: K <= S iff BinomialCDF(S - 1; S, p) = 1 - p^S >= c, i.e. S >= log(1 - c) / log(p); that smallest
 * S is reported with the reason.
 */
import { UsageError } from '@shared/errors';
import { logGamma } from '../random';

const SQRT1_2 = Math.SQRT1_2;

/** erfc(x) for x >= 0: series for erf below 2.5, Lentz's continued fraction above (relative error ~1e-15). */
function erfcPositive(x: number): number {
  if (x < 2.5) {
    // erf(x) = 2/sqrt(pi) sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    let term = x;
    let sum = x;
    const x2 = x * x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 500; n++) {
    const a = n / 2;
    D = x + a * D;
    D = D === 0 ? tiny : 1 / D;
    C = x + a / C;
    if (C === 0) C = tiny;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (Math.sqrt(Math.PI) * f);
}

/** Phi(z), the standard normal CDF. */
export function normalCdf(z: number): number {
  if (Number.isNaN(z)) return NaN;
  if (z === Infinity) return 1;
  if (z === -Infinity) return 0;
  const t = Math.abs(z) * SQRT1_2;
  const tail = 0.5 * erfcPositive(t); // P(Z > |z|)
  return z >= 0 ? 1 - tail : tail;
}

/** Phi^-1(p) for p in (0, 1): Acklam's rational approximation refined by two Halley steps. */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new UsageError(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716,
    2.506628277459239,
  ];
  const b = [
    -54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572,
  ];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const lo = 0.02425;
  let x: number;
  if (p < lo) {
    const q = Math.sqrt(-2 * Math.log(p));
    x =
      (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - lo) {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) /
      (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log1p(-p));
    x =
      -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
      ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  for (let i = 0; i < 2; i++) {
    // Halley's step on e = Phi(x) - p, with the tail taken on the side where it is accurate (1 - p is exact
    // for p >= 0.5).
    const e = x < 0 ? normalCdf(x) - p : 1 - p - normalCdf(-x);
    const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
    x -= u / (1 + (x * u) / 2);
  }
  return x;
}

/** log C(S, i). */
function logChoose(S: number, i: number): number {
  return logGamma(S + 1) - logGamma(i + 1) - logGamma(S - i + 1);
}

/** log of the Binomial(S, p) pmf at i (exact limits at p = 0 and p = 1). */
export function binomialLogPmf(i: number, S: number, p: number): number {
  if (p === 0) return i === 0 ? 0 : -Infinity;
  if (p === 1) return i === S ? 0 : -Infinity;
  return logChoose(S, i) + i * Math.log(p) + (S - i) * Math.log1p(-p);
}

/** P(Binomial(S, p) <= k), summed in log space. */
export function binomialCdf(k: number, S: number, p: number): number {
  if (k < 0) return 0;
  if (k >= S) return 1;
  let m = -Infinity;
  const logs: number[] = [];
  for (let i = 0; i <= k; i++) {
    const l = binomialLogPmf(i, S, p);
    logs.push(l);
    if (l > m) m = l;
  }
  if (m === -Infinity) return 0;
  let s = 0;
  for (const l of logs) s += Math.exp(l - m);
  return Math.min(1, Math.exp(m + Math.log(s)));
}

export interface OrderStatisticInput {
  /** Number of samples S. */
  samples: number;
  /** Certification radius eps (same units as sigma). */
  eps: number;
  /** Smoothing noise level sigma > 0. */
  sigma: number;
  /** Confidence c in (0, 1). */
  confidence: number;
  /** Quantile q of the smoothed discrepancy at the attacked input. Default 0.5 (the median). */
  quantile?: number;
}

export interface OrderStatistic {
  /** p = Phi(Phi^-1(q) + eps / sigma), the quantile level the bound certifies. */
  p: number;
  /** The 1-based rank K of the certified bound among the sorted samples; null when abstaining. */
  k: number | null;
  abstain: boolean;
  /** Why there is no bound (null when there is one). */
  reason: string | null;
  /** Smallest S for which K <= S at this (p, c); null when p rounds to 1 (no S suffices). */
  minSamples: number | null;
  /** P(Binomial(S, p) <= K - 1) >= c, the exact confidence of the bound; null when abstaining. */
  coverage: number | null;
}

/** The certified quantile level p = Phi(Phi^-1(q) + eps / sigma). */
export function certifiedQuantileLevel(q: number, eps: number, sigma: number): number {
  return normalCdf(normalQuantile(q) + eps / sigma);
}

/** Smallest S with 1 - p^S >= c (the bound exists: K <= S); null when p is 1 in double precision. */
export function minSamplesFor(p: number, confidence: number): number | null {
  if (p >= 1) return null;
  if (p <= 0) return 1;
  let S = Math.max(1, Math.ceil(Math.log1p(-confidence) / Math.log(p)));
  // Fix rounding at the boundary with the defining inequality.
  while (S > 1 && 1 - p ** (S - 1) >= confidence) S--;
  while (1 - p ** S < confidence) S++;
  return S;
}

function check(o: OrderStatisticInput): Required<OrderStatisticInput> {
  const q = o.quantile ?? 0.5;
  if (!Number.isInteger(o.samples) || o.samples < 1) {
    throw new UsageError(`certify: samples must be an integer >= 1, got ${o.samples}`);
  }
  if (!(o.sigma > 0) || !Number.isFinite(o.sigma)) {
    throw new UsageError(`certify: sigma must be a positive number, got ${o.sigma}`);
  }
  if (!(o.eps >= 0) || !Number.isFinite(o.eps))
    throw new UsageError(`certify: eps must be >= 0, got ${o.eps}`);
  if (!(o.confidence > 0 && o.confidence < 1)) {
    throw new UsageError(`certify: confidence must be in (0, 1), got ${o.confidence}`);
  }
  if (!(q > 0 && q < 1)) throw new UsageError(`certify: quantile must be in (0, 1), got ${q}`);
  return { ...o, quantile: q };
}

/** K of the definition above, or abstain with the reason and the smallest S that would do. */
export function certifiedOrderStatistic(input: OrderStatisticInput): OrderStatistic {
  const o = check(input);
  const S = o.samples;
  const p = certifiedQuantileLevel(o.quantile, o.eps, o.sigma);
  const minSamples = minSamplesFor(p, o.confidence);
  // CDF(K - 1) >= c: accumulate the pmf from 0 (log space, normalized by the running maximum).
  let m = -Infinity;
  let acc = 0; // sum of exp(log pmf - m)
  for (let k = 1; k <= S; k++) {
    const l = binomialLogPmf(k - 1, S, p);
    if (l > m) {
      acc = acc * Math.exp(m - l) + 1;
      m = l;
    } else acc += Math.exp(l - m);
    const cdf = m === -Infinity ? 0 : Math.min(1, Math.exp(m + Math.log(acc)));
    if (cdf >= o.confidence) return { p, k, abstain: false, reason: null, minSamples, coverage: cdf };
  }
  const ratio = o.eps / o.sigma;
  const reason =
    minSamples === null
      ? `eps/sigma = ${ratio.toPrecision(4)} is too large: p = Phi(${ratio.toPrecision(4)}) rounds to 1, no sample count certifies it; raise sigma or lower eps`
      : `S = ${S} samples are too few for eps/sigma = ${ratio.toPrecision(4)} at confidence ${o.confidence} (p = ${p < 0.9999 ? p.toPrecision(6) : `1 - ${(1 - p).toExponential(2)}`}): the bound needs K = ${S + 1} > S; use at least ${minSamples} samples`;
  return { p, k: null, abstain: true, reason, minSamples, coverage: null };
}

/** The 1-based rank of the empirical q-quantile of S samples: ceil(q S) (the lower median for q = 0.5). */
export function empiricalQuantileRank(S: number, q = 0.5): number {
  return Math.min(S, Math.max(1, Math.ceil(q * S - 1e-12)));
}
