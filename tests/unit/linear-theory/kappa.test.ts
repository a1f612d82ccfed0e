/**
 * Why papers/000 reports kappa(B) = 19.231 (issue 12), from seeded measurements:
 *  - Theorem 1 from the singular values alone (kappa-distribution.ts) equals theorem1B's matrices;
 *  - over 3,000 draws of A, the m = 2 candidate's kappa has the 5-95% band 4.4-6.3 with entries of variance
 *    1/10, and median 16.6, band 14.0-20.2 with entries of standard deviation 0.1 (the issue's figures), while
 *    Theorem 1's minimiser stays near 2.4-2.5 under both readings;
 *  - under the paper's SGD (lr 0.001, momentum 0.9) B-hat sits within a few percent of the m = 2 solution from
 *    ~1e3 to ~1e4 steps before it drifts towards the minimiser;
 *  - the report's verdict is computed from the rows (another paper value gives another verdict).
 *
 * Tolerance of the distribution figures: the issue's figures are themselves one run's estimates (3,000 draws,
 * another seed), so ours and theirs differ by two independent sampling errors: SE sqrt(2), with SE the
 * bootstrap standard error of our quantile (200 resamples of our draws; measured over 20 seeds it matches the
 * seed-to-seed spread: 0.06, 0.04, 0.13 for q5, median, q95 at std 0.1, where the asymptotic density formula
 * gave half that in the skewed upper tail). We allow 4 SE sqrt(2) (a false failure ~5e-5 per figure) plus
 * 0.05, the rounding of figures quoted to one decimal.
 */
import { describe, expect, it } from 'vitest';
import {
  ENTRY_SCALE_READINGS,
  LINEAR_THEORY_PAPER,
  kappaDistribution,
  linearTheoryReport,
  makeLinearProblem,
  runLinearTheory,
  sgdTrajectory,
  theorem1B,
  theorem1Spectrum,
  drawIllConditionedA,
  svd,
} from '../../../src/main/engine/linear-theory';
import { createRng } from '../../../src/main/engine/random';

const PAPER = { n: 20, m: 10, replacedSingularValues: [1e-3, 1e-4], lambda: 1, eps: 0.1 };
const DRAWS = 3000;

/** The empirical quantile at p (type 7) of sorted values. */
function quantileSorted(s: readonly number[], p: number): number {
  const h = (s.length - 1) * p;
  const lo = Math.floor(h);
  return s[lo] + (h - lo) * (s[Math.min(lo + 1, s.length - 1)] - s[lo]);
}

/** The quantile at p and its bootstrap standard error (200 seeded resamples). */
function quantileWithSe(v: readonly number[], p: number): { q: number; se: number } {
  const rng = createRng(`bootstrap-${p}`);
  const reps: number[] = [];
  const r = new Array<number>(v.length);
  for (let b = 0; b < 200; b++) {
    for (let i = 0; i < v.length; i++) r[i] = v[Math.floor(rng.uniform() * v.length)];
    reps.push(
      quantileSorted(
        [...r].sort((x, y) => x - y),
        p,
      ),
    );
  }
  const mean = reps.reduce((a, x) => a + x, 0) / reps.length;
  const se = Math.sqrt(reps.reduce((a, x) => a + (x - mean) ** 2, 0) / (reps.length - 1));
  return {
    q: quantileSorted(
      [...v].sort((x, y) => x - y),
      p,
    ),
    se,
  };
}

function expectFigure(v: readonly number[], p: number, figure: number, label: string): void {
  const { q, se } = quantileWithSe(v, p);
  const msg = `${label}: q${p * 100} = ${q.toFixed(3)} (bootstrap SE ${se.toFixed(3)}), issue ${figure}`;
  expect(Math.abs(q - figure), msg).toBeLessThanOrEqual(4 * Math.SQRT2 * se + 0.05);
}

describe('Theorem 1 from the singular values of A', () => {
  it('matches theorem1B (q_m, kappa, objective of every candidate) under both readings', () => {
    for (const reading of ['variance', 'std'] as const) {
      for (let d = 0; d < 4; d++) {
        const { A } = drawIllConditionedA(
          { ...PAPER, entryStd: ENTRY_SCALE_READINGS[reading](10) },
          createRng(`spec-${reading}-${d}`),
        );
        const S = Float64Array.from(svd(A).s).reverse();
        const fast = theorem1Spectrum(S, 20, 1, 0.1);
        const full = theorem1B(A, 1, 0.1).candidates;
        fast.forEach((c, i) => {
          const ctx = `${reading} draw ${d} m ${c.m}`;
          expect(Math.abs(c.qm - full[i].qm) / full[i].qm, ctx).toBeLessThan(1e-12);
          expect(Math.abs(c.kappa - full[i].kappa) / full[i].kappa, ctx).toBeLessThan(1e-9);
          expect(Math.abs(c.objective - full[i].objective) / full[i].objective, ctx).toBeLessThan(1e-9);
        });
      }
    }
  });
});

describe('kappa(B) over 3,000 draws of A (the issue 12 figures)', () => {
  const variance = kappaDistribution({
    ...PAPER,
    entryStd: ENTRY_SCALE_READINGS.variance(10),
    draws: DRAWS,
    seed: 'issue-12/variance',
  });
  const std = kappaDistribution({ ...PAPER, entryStd: 0.1, draws: DRAWS, seed: 'issue-12/std' });

  it('variance 1/10 (std 0.316): the m = 2 candidate spans 4.4-6.3 (5-95%), far below 19.231', () => {
    expectFigure(variance.samples.replaced, 0.05, 4.4, 'variance, m = 2');
    expectFigure(variance.samples.replaced, 0.95, 6.3, 'variance, m = 2');
    expect(variance.replaced.q95).toBeLessThan(LINEAR_THEORY_PAPER.kappaB / 2);
  });

  it('std 0.1: the m = 2 candidate has median 16.6 and band 14.0-20.2, which holds the paper value 19.231', () => {
    expectFigure(std.samples.replaced, 0.5, 16.6, 'std, m = 2');
    expectFigure(std.samples.replaced, 0.05, 14.0, 'std, m = 2');
    expectFigure(std.samples.replaced, 0.95, 20.2, 'std, m = 2');
    expect(LINEAR_THEORY_PAPER.kappaB).toBeGreaterThan(std.replaced.q05);
    expect(LINEAR_THEORY_PAPER.kappaB).toBeLessThan(std.replaced.q95);
  });

  it("Theorem 1's minimiser (m = 3 in >= 90% of draws) has kappa ~2.4-2.5 under both readings", () => {
    for (const [label, d] of [
      ['variance', variance],
      ['std', std],
    ] as const) {
      expect(d.minimiserM[3] / DRAWS, label).toBeGreaterThan(0.9);
      expect(d.minimiser.median, label).toBeGreaterThan(2.2);
      expect(d.minimiser.median, label).toBeLessThan(2.7);
      expect(d.minimiser.max, label).toBeLessThan(LINEAR_THEORY_PAPER.kappaB / 2);
    }
  });
});

describe("B-hat under the paper's SGD (lr 0.001, momentum 0.9), entries of std 0.1", () => {
  for (const seed of [0, 1, 2]) {
    it(`seed ${seed}: within 0.07 of the m = 2 solution from 1e3 to 1e4 steps, >= 0.5 from the minimiser`, () => {
      const rng = createRng(seed);
      const p = makeLinearProblem({ ...PAPER, samples: 50_000, center: true, entryStd: 0.1 }, rng);
      const t = theorem1B(p.A, 1, 0.1);
      const steps = seed === 0 ? 200_000 : 10_000;
      const tr = sgdTrajectory(
        p,
        { minimiser: t.B, replaced: t.candidates[1].B },
        { steps, checkpoints: [1e3, 3e3, 1e4, 1e5, 2e5] },
        rng.fork('train'),
      );
      const msg = JSON.stringify(tr.points);
      for (const q of tr.points.filter((x) => x.step <= 1e4)) {
        expect(q.toReplaced, msg).toBeLessThanOrEqual(0.07);
        expect(q.toMinimiser, msg).toBeGreaterThanOrEqual(0.5);
      }
      expect(tr.nearReplaced?.from, msg).toBe(1e3);
      if (seed === 0) {
        // Drifting away: at 1e5 and 2e5 steps B-hat is closer to the minimiser than to the m = 2 solution.
        const late = tr.points.filter((x) => x.step >= 1e5);
        expect(late).toHaveLength(2);
        for (const q of late) expect(q.toMinimiser, msg).toBeLessThan(q.toReplaced);
        expect(tr.nearReplaced?.to, msg).toBe(1e4);
      }
    });
  }
});

describe('the linear-theory report', () => {
  // 20,000 samples: with fewer, the sampling error of the second moment moves B-hat's spectral distance past
  // twice the paper's 0.034 (measured: 0.074 at 5,000 samples).
  const r = runLinearTheory({
    seed: 0,
    samples: 20_000,
    draws: 300,
    trajectorySteps: 12_000,
    train: { steps: 50_000 },
  });

  it("computes every row's verdict from the numbers: the paper's kappa differs, its convergence metrics hold", () => {
    const rep = linearTheoryReport(r);
    expect(rep.rows.map((x) => [x.quantity, x.verdict])).toEqual([
      ['||B-hat - B||_F / ||B||_F', 'reproduced'],
      ['||B-hat - B||_2 / ||B||_2', 'reproduced'],
      ['||I - B A||_F / ||I - B-hat A||_F', 'reproduced'],
      ['kappa(B)', 'differs'],
      ['kappa(B-hat)', 'differs'],
    ]);
    expect(rep.verdict).toBe('differs');
    expect(rep.verdictLine).toBe('verdict: differs (kappa(B), kappa(B-hat) differ; 3 of 5 reproduced)');
    expect(rep.source.verbatim[2]).toBe('• κ(B) = 19.231, κ(B̂) = 19.311, κ: condition number');
    expect(rep.notes.join('\n')).toMatch(
      /inside the 5-95% band of the m = 2 candidate under the std reading only/,
    );
    expect(rep.notes.join('\n')).toMatch(
      /std 0\.1, this seed: B-hat is within 0\.1 \(rel\. Frobenius\) of the m = 2 solution from step 1000 to 10000/,
    );
  });

  it('another paper table gives another verdict (nothing is hard-coded)', () => {
    const own = r.readings.variance.kappa!;
    const inBand = { ...LINEAR_THEORY_PAPER, kappaB: own.minimiser.median, kappaBHat: own.minimiser.median };
    expect(linearTheoryReport(r, inBand).verdict).toBe('reproduced');
    const far = { ...inBand, relFrobenius: r.relFrobenius / 3 };
    const rep = linearTheoryReport(r, far);
    expect(rep.verdict).toBe('differs');
    expect(rep.rows[0].verdict).toBe('differs');
    // Without draws the kappa rows cannot be decided.
    const noDraws = { ...r, readings: { ...r.readings, variance: { ...r.readings.variance, kappa: null } } };
    expect(linearTheoryReport(noDraws, inBand).verdict).toBe('inconclusive');
  });
});
