/**
 * The order statistic K of the certificate against exact binomial quantiles computed two independent ways:
 *  - a table from scipy 1.17 (K = binom.ppf(c, S, p) + 1, p = norm.cdf(norm.ppf(q) + eps/sigma),
 *    min S = ceil(log(1 - c) / log p)), printed by the snippet in the comment below;
 *  - a Float64 recursion here: the pmf anchored at its mode and normalized (no log-gamma), scanned for the
 *    smallest K with CDF(K - 1) >= c.
 * Includes the abstain boundary (S = 50: eps/sigma 1.35 certifies with K = 50, 1.36 abstains and needs 51),
 * general quantiles q, and p rounding to 1.
 *
 *   from scipy.stats import norm, binom
 *   p = norm.cdf(norm.ppf(q) + r); K = int(binom.ppf(c, S, p)) + 1   # abstain when K > S
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@shared/errors';
import {
  binomialCdf,
  certifiedOrderStatistic,
  certifiedQuantileLevel,
  empiricalQuantileRank,
  minSamplesFor,
  normalCdf,
  normalQuantile,
} from '../../../src/main/engine/certify';

/** The Binomial(S, p) pmf by the mode-anchored recursion in Float64 (no log-gamma), normalized. */
function refPmf(S: number, p: number): Float64Array {
  const w = new Float64Array(S + 1);
  if (p >= 1) {
    w[S] = 1;
    return w;
  }
  const mode = Math.min(S, Math.floor((S + 1) * p));
  w[mode] = 1;
  const ratio = p / (1 - p);
  for (let i = mode; i < S; i++) w[i + 1] = (w[i] * (S - i) * ratio) / (i + 1);
  for (let i = mode; i > 0; i--) w[i - 1] = (w[i] * i) / ((S - i + 1) * ratio);
  let total = 0;
  for (const v of w) total += v;
  return w.map((v) => v / total);
}

/** P(Binomial(S, p) <= k). */
function refCdf(k: number, S: number, p: number): number {
  const w = refPmf(S, p);
  let s = 0;
  for (let i = 0; i <= Math.min(k, S); i++) s += w[i];
  return s;
}

/** Smallest K with CDF(K - 1) >= c, or null when K > S. */
function refK(S: number, p: number, c: number): number | null {
  const w = refPmf(S, p);
  let cdf = 0;
  for (let K = 1; K <= S; K++) {
    cdf += w[K - 1];
    if (cdf >= c) return K;
  }
  return null;
}

const SCIPY = [
  { S: 50, ratio: 0.5, c: 0.99, q: 0.5, p: 0.6914624612740131, K: 43, minS: 13 },
  { S: 50, ratio: 0.25, c: 0.99, q: 0.5, p: 0.5987063256829237, K: 39, minS: 9 },
  { S: 50, ratio: 1.0, c: 0.99, q: 0.5, p: 0.8413447460685429, K: 48, minS: 27 },
  { S: 50, ratio: 1.35, c: 0.99, q: 0.5, p: 0.911492008562598, K: 50, minS: 50 },
  { S: 50, ratio: 1.36, c: 0.99, q: 0.5, p: 0.913085038052915, K: null, minS: 51 },
  { S: 1000, ratio: 0.5, c: 0.99, q: 0.5, p: 0.6914624612740131, K: 726, minS: 13 },
  { S: 1000, ratio: 2.0, c: 0.99, q: 0.5, p: 0.9772498680518208, K: 988, minS: 201 },
  { S: 1000, ratio: 2.5, c: 0.99, q: 0.5, p: 0.9937903346742238, K: 1000, minS: 740 },
  { S: 1000, ratio: 2.6, c: 0.99, q: 0.5, p: 0.9953388119762813, K: 1000, minS: 986 },
  { S: 1000, ratio: 2.62, c: 0.99, q: 0.5, p: 0.9956035116518787, K: null, minS: null },
  { S: 100, ratio: 0.0, c: 0.95, q: 0.5, p: 0.5, K: 59, minS: 5 },
  { S: 20, ratio: 0.1, c: 0.9, q: 0.5, p: 0.539827837277029, K: 15, minS: 4 },
  { S: 500, ratio: 1.0, c: 0.999, q: 0.5, p: 0.8413447460685429, K: 446, minS: 40 },
  { S: 50, ratio: 0.5, c: 0.99, q: 0.25, p: 0.4307402926818966, K: 31, minS: 6 },
  { S: 50, ratio: 0.5, c: 0.99, q: 0.75, p: 0.8799005424683051, K: 50, minS: 36 },
  { S: 1, ratio: 0.0, c: 0.4, q: 0.5, p: 0.5, K: 1, minS: 1 },
  { S: 1, ratio: 0.0, c: 0.6, q: 0.5, p: 0.5, K: null, minS: 2 },
  { S: 10000, ratio: 1.5, c: 0.99, q: 0.5, p: 0.9331927987311419, K: 9390, minS: 67 },
];

describe('normal CDF and quantile', () => {
  it('match scipy to ~1e-15', () => {
    const cdf: [number, number][] = [
      [-8, 6.22096057427174e-16],
      [-3, 0.0013498980316300933],
      [-1, 0.15865525393145707],
      [0, 0.5],
      [0.5, 0.6914624612740131],
      [1, 0.8413447460685429],
      [2, 0.9772498680518208],
      [5, 0.9999997133484281],
      [6, 0.9999999990134123],
    ];
    for (const [z, v] of cdf)
      expect(Math.abs(normalCdf(z) - v) / Math.min(v, 1 - v || 1), `Phi(${z})`).toBeLessThan(1e-12);
    const ppf: [number, number][] = [
      [1e-10, -6.361340902404056],
      [0.001, -3.090232306167813],
      [0.025, -1.9599639845400545],
      [0.3, -0.5244005127080409],
      [0.5, 0],
      [0.9, 1.2815515655446004],
      [0.975, 1.959963984540054],
      [0.999, 3.090232306167813],
      [1 - 1e-9, 5.997807019601637],
    ];
    for (const [p, z] of ppf)
      expect(Math.abs(normalQuantile(p) - z), `PhiInv(${p})`).toBeLessThan(1e-9 * Math.max(1, Math.abs(z)));
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
    expect(() => normalQuantile(1.5)).toThrow(UsageError);
  });
});

describe('certified order statistic K', () => {
  it('matches the exact binomial quantile (scipy table and the Float64 recursion), including abstentions', () => {
    for (const t of SCIPY) {
      const ctx = JSON.stringify(t);
      const os = certifiedOrderStatistic({
        samples: t.S,
        eps: t.ratio * 0.02,
        sigma: 0.02,
        confidence: t.c,
        quantile: t.q,
      });
      expect(Math.abs(os.p - t.p), ctx).toBeLessThan(1e-13);
      expect(os.k, ctx).toBe(t.K);
      expect(os.k, ctx).toBe(refK(t.S, t.p, t.c));
      expect(os.abstain, ctx).toBe(t.K === null);
      if (t.minS !== null) expect(os.minSamples, ctx).toBe(t.minS);
      if (os.k !== null) {
        // The defining inequalities, in the independent recursion.
        expect(refCdf(os.k - 1, t.S, t.p), ctx).toBeGreaterThanOrEqual(t.c);
        if (os.k > 1) expect(refCdf(os.k - 2, t.S, t.p), ctx).toBeLessThan(t.c);
        expect(Math.abs((os.coverage as number) - refCdf(os.k - 1, t.S, t.p)), ctx).toBeLessThan(1e-10);
        expect(os.reason).toBeNull();
      } else {
        expect(os.reason, ctx).toMatch(/too few|too large/);
        expect(os.coverage).toBeNull();
      }
    }
  });

  it('abstains exactly when 1 - p^S < c, and minSamples is the smallest S that certifies', () => {
    const c = 0.99;
    for (const ratio of [0.3, 1, 1.35, 1.36, 2, 2.62, 3]) {
      const p = certifiedQuantileLevel(0.5, ratio, 1);
      const need = minSamplesFor(p, c) as number;
      expect(certifiedOrderStatistic({ samples: need, eps: ratio, sigma: 1, confidence: c }).abstain).toBe(
        false,
      );
      if (need > 1) {
        const below = certifiedOrderStatistic({ samples: need - 1, eps: ratio, sigma: 1, confidence: c });
        expect(below.abstain, `ratio ${ratio}`).toBe(true);
        expect(below.minSamples).toBe(need);
        expect(below.reason).toContain(`use at least ${need} samples`);
        expect(below.reason).toContain(`K = ${need} > S`);
      }
      expect(1 - p ** need).toBeGreaterThanOrEqual(c);
      expect(1 - p ** (need - 1)).toBeLessThan(c);
    }
    const huge = certifiedOrderStatistic({ samples: 1000, eps: 9, sigma: 1, confidence: 0.99 });
    expect(huge).toMatchObject({ abstain: true, k: null, minSamples: null, p: 1 });
    expect(huge.reason).toMatch(/rounds to 1/);
  });

  it('binomialCdf agrees with the recursion; empirical quantile ranks; argument errors', () => {
    for (const [S, p] of [
      [50, 0.3],
      [1000, 0.97],
      [7, 0.5],
      [200, 0.001],
    ] as const) {
      for (let k = 0; k <= S; k += Math.max(1, Math.floor(S / 13))) {
        expect(Math.abs(binomialCdf(k, S, p) - refCdf(k, S, p)), `S ${S} p ${p} k ${k}`).toBeLessThan(1e-12);
      }
    }
    expect(empiricalQuantileRank(50)).toBe(25);
    expect(empiricalQuantileRank(51)).toBe(26);
    expect(empiricalQuantileRank(1)).toBe(1);
    expect(empiricalQuantileRank(100, 0.9)).toBe(90);
    const ok = { samples: 50, eps: 0.01, sigma: 0.02, confidence: 0.99 };
    expect(() => certifiedOrderStatistic({ ...ok, samples: 0 })).toThrow(/samples/);
    expect(() => certifiedOrderStatistic({ ...ok, sigma: 0 })).toThrow(/sigma/);
    expect(() => certifiedOrderStatistic({ ...ok, eps: -1 })).toThrow(/eps/);
    expect(() => certifiedOrderStatistic({ ...ok, confidence: 1 })).toThrow(/confidence/);
    expect(() => certifiedOrderStatistic({ ...ok, quantile: 0 })).toThrow(/quantile/);
  });
});
