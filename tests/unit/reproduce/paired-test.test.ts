/**
 * The paired tests of the reproduce verdicts (engine/reproduce/paired-test.ts) against independent references:
 * p-values computed by SciPy 1.17.1 (scipy.stats.permutation_test((d, zeros), mean(a - b),
 * permutation_type='samples', n_resamples=inf) and scipy.stats.wilcoxon(d, zero_method='wilcox',
 * method='auto'): with ties SciPy's 'auto' enumerates the signs (the exact conditional distribution) while
 * its 'exact' uses the no-ties table, 0.0547 instead of 0.0469 for mixed8), closed forms (all signs equal: p = 2 / 2^n), and a brute-force enumeration written here
 * independently of the Gray-code walk.
 */
import { describe, expect, it } from 'vitest';
import {
  midranks,
  pairedDifferences,
  pairedOutcome,
  signFlipTest,
  wilcoxonSignedRank,
} from '../../../src/main/engine/reproduce/paired-test';

// [differences, SciPy sign-flip p, SciPy Wilcoxon p]
const SCIPY: Record<string, [number[], number, number]> = {
  mixed8: [[0.3, -0.1, 0.25, 0.4, -0.05, 0.2, 0.15, 0.1], 0.0546875, 0.046875],
  allneg6: [[-1.2, -0.4, -0.9, -2.0, -0.1, -0.7], 0.03125, 0.03125],
  ties10: [[1.0, -1.0, 2.0, 2.0, -0.5, 3.0, 1.0, 0.5, -2.0, 4.0], 0.142578125, 0.146484375],
  noties7: [[0.5, -0.2, 0.9, 1.3, 0.7, -0.4, 1.1], 0.078125, 0.078125],
  withzero9: [[0.0, 0.8, -0.3, 1.1, 0.6, -0.2, 0.9, 0.4, 0.0], 0.078125, 0.078125],
  n12: [
    [0.12, -0.31, 0.45, 0.08, 0.27, -0.05, 0.33, 0.19, -0.14, 0.41, 0.22, 0.06],
    0.06494140625,
    0.06396484375,
  ],
};

/** p by plain enumeration of bit masks (no Gray code, no tolerance trickery beyond 1e-12). */
function bruteSignFlip(d: number[]): number {
  const obs = Math.abs(d.reduce((s, v) => s + v, 0));
  let c = 0;
  for (let mask = 0; mask < 2 ** d.length; mask++) {
    let s = 0;
    for (let i = 0; i < d.length; i++) s += mask & (1 << i) ? -d[i] : d[i];
    if (Math.abs(s) >= obs - 1e-12) c++;
  }
  return c / 2 ** d.length;
}

describe('signFlipTest', () => {
  it('matches SciPy exact permutation p-values', () => {
    for (const [name, [d, p]] of Object.entries(SCIPY)) {
      const r = signFlipTest(d);
      expect(r.exact, name).toBe(true);
      expect(r.p, name).toBeCloseTo(p, 12);
      expect(r.meanDifference, name).toBeCloseTo(d.reduce((s, v) => s + v, 0) / d.length, 12);
    }
  });

  it('matches a brute-force enumeration on random data, and the closed form when all signs agree', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
    for (let n = 1; n <= 11; n++) {
      const d = Array.from({ length: n }, () => rand() + 0.2);
      expect(signFlipTest(d).p, `n ${n}`).toBeCloseTo(bruteSignFlip(d), 12);
      const pos = d.map((v) => Math.abs(v) + 0.01);
      expect(signFlipTest(pos).p).toBeCloseTo(2 / 2 ** n > 1 ? 1 : 2 / 2 ** n, 12);
      expect(signFlipTest(pos).minP).toBeCloseTo(Math.min(1, 2 / 2 ** n), 12);
    }
  });

  it('falls back to a seeded Monte-Carlo estimate above the exact limit, close to the exact value', () => {
    const d = Array.from({ length: 14 }, (_, i) => Math.sin(i * 1.7) + 0.15);
    const exact = signFlipTest(d).p;
    const mc = signFlipTest(d, { exactLimit: 10, draws: 40_000, seed: 3 });
    expect(mc.exact).toBe(false);
    // Binomial standard error of the estimate: sqrt(p (1 - p) / draws).
    expect(Math.abs(mc.p - exact)).toBeLessThan(4 * Math.sqrt((exact * (1 - exact)) / 40_000) + 1e-4);
    expect(signFlipTest(d, { exactLimit: 10, draws: 1000, seed: 3 }).p).toBe(
      signFlipTest(d, { exactLimit: 10, draws: 1000, seed: 3 }).p,
    );
  });

  it('rejects non-finite differences and unpaired lists', () => {
    expect(() => signFlipTest([1, NaN])).toThrow(/finite/);
    expect(() => pairedDifferences([1, 2], [1])).toThrow(/same slices/);
    expect(pairedDifferences([3, 5], [1, 1])).toEqual([2, 4]);
  });
});

describe('wilcoxonSignedRank', () => {
  it('matches SciPy exact p-values (zeros dropped, ties by midranks)', () => {
    for (const [name, [d, , p]] of Object.entries(SCIPY)) {
      expect(wilcoxonSignedRank(d).p, name).toBeCloseTo(p, 12);
    }
  });

  it('gives W+ and midranks as defined', () => {
    expect(midranks([3, 1, 3, 2])).toEqual([3.5, 1, 3.5, 2]);
    // |d| ranks 1..4 for 0.1, 0.2, 0.3, 0.4; positives 0.1 and 0.4 -> 5.
    expect(wilcoxonSignedRank([0.1, -0.2, -0.3, 0.4]).wPlus).toBe(5);
    expect(wilcoxonSignedRank([0, 0]).p).toBe(1);
  });
});

describe('pairedOutcome', () => {
  it('supports, opposes or is inconclusive by p and the sign of the mean difference', () => {
    const lower = signFlipTest([-1, -2, -1.5, -0.5, -1.2, -0.8]); // p = 1/32
    expect(pairedOutcome(lower, -1, 0.05)).toBe('supports');
    expect(pairedOutcome(lower, 1, 0.05)).toBe('opposes');
    expect(pairedOutcome(lower, -1, 0.01)).toBe('inconclusive');
    expect(pairedOutcome(signFlipTest([-1, 1, -0.5, 0.4]), -1, 0.05)).toBe('inconclusive');
  });
});
