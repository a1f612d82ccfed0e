/**
 * Min-max training of eq. (12) and the section 4.4 experiment: gradients against central finite
 * differences of the loss written straight from its definition, determinism, and the acceptance numbers
 * (full paper settings: 50,000 samples, 1e5 steps; ~1 s per seed in Float64 JS).
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/main/engine/random';
import {
  LINEAR_THEORY_PAPER,
  makeLinearProblem,
  matrix,
  minmaxGradB,
  minmaxGradDelta,
  minmaxLoss,
  runLinearTheory,
  trainMinmaxLinear,
} from '../../../src/main/engine/linear-theory';
import { createJobContext } from '../../../src/main/engine/job-context';
import { JobCancelledError } from '@shared/errors';

/** The kappa draws and the SGD path have their own tests (kappa.test.ts); these check B-hat only. */
const NO_EXTRAS = { draws: 0, trajectorySteps: 0 };
describe('min-max training of eq. (12)', () => {
  it('dL/dB and dL/ddelta match central finite differences (uncentered samples, so the xbar terms count)', () => {
    const rng = createRng('fd');
    const p = makeLinearProblem(
      { n: 6, m: 4, samples: 7, replacedSingularValues: [1e-2], center: false },
      rng,
    );
    expect(Math.hypot(...p.mean)).toBeGreaterThan(0.1); // 7 samples: a mean far from 0
    const B = matrix(6, 4);
    rng.fillNormal(B.data);
    const delta = Float64Array.from({ length: 4 }, () => rng.normal(0, 0.3));
    const lambda = 1.7;
    const gB = minmaxGradB(B, delta, p, lambda);
    const h = 1e-6;
    for (let i = 0; i < B.data.length; i++) {
      const Bp = matrix(6, 4, B.data);
      const Bm = matrix(6, 4, B.data);
      Bp.data[i] += h;
      Bm.data[i] -= h;
      const fd = (minmaxLoss(Bp, delta, p, lambda) - minmaxLoss(Bm, delta, p, lambda)) / (2 * h);
      expect(Math.abs(gB.data[i] - fd), `dB[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
    const gd = minmaxGradDelta(B, delta, p, lambda);
    for (let i = 0; i < delta.length; i++) {
      const dp = Float64Array.from(delta);
      const dm = Float64Array.from(delta);
      dp[i] += h;
      dm[i] -= h;
      const fd = (minmaxLoss(B, dp, p, lambda) - minmaxLoss(B, dm, p, lambda)) / (2 * h);
      expect(Math.abs(gd[i] - fd), `ddelta[${i}]`).toBeLessThan(1e-6 * Math.max(1, Math.abs(fd)));
    }
  });

  it('the samples are N(0, I): second moment within sampling error of I; centering zeroes the mean', () => {
    const p = makeLinearProblem(
      { n: 20, m: 10, samples: 50_000, replacedSingularValues: [1e-3, 1e-4] },
      createRng(1),
    );
    expect(p.centered).toBe(true);
    expect(Array.from(p.mean).every((v) => v === 0)).toBe(true);
    let maxDev = 0;
    for (let i = 0; i < 20; i++) {
      for (let j = 0; j < 20; j++) {
        maxDev = Math.max(maxDev, Math.abs(p.secondMoment.data[i * 20 + j] - (i === j ? 1 : 0)));
      }
    }
    // Entries have standard deviation ~ sqrt(2/N) = 0.0063 (diagonal) and 1/sqrt(N) = 0.0045: 6 sigma.
    expect(maxDev).toBeLessThan(0.04);
    expect(Math.max(...Array.from(p.sampleMean, Math.abs))).toBeLessThan(0.03);
  });

  it('is deterministic for a seed and keeps delta in the eps-ball', () => {
    const p = makeLinearProblem(
      { n: 20, m: 10, samples: 2000, replacedSingularValues: [1e-3, 1e-4] },
      createRng(5),
    );
    const a = trainMinmaxLinear(p, { steps: 500 }, createRng('t'));
    const b = trainMinmaxLinear(p, { steps: 500 }, createRng('t'));
    expect(Array.from(a.B.data)).toEqual(Array.from(b.B.data));
    expect(Math.hypot(...a.delta)).toBeLessThanOrEqual(0.1 * (1 + 1e-12));
  });

  // Acceptance of issue 7: the first two metrics <= 0.05 and the third in [0.98, 1.02] for the default
  // seed and two others, at the paper's settings (50,000 samples) and the CLI's default 1e5 steps.
  for (const seed of [0, 1, 2]) {
    it(`section 4.4 at full settings, seed ${seed}: B-hat matches Theorem 1's B`, () => {
      const r = runLinearTheory({ seed, ...NO_EXTRAS });
      const msg = JSON.stringify({ ...r, settings: undefined });
      expect(r.relFrobenius, msg).toBeLessThanOrEqual(0.05);
      expect(r.relSpectral, msg).toBeLessThanOrEqual(0.05);
      expect(r.residualRatio, msg).toBeGreaterThanOrEqual(0.98);
      expect(r.residualRatio, msg).toBeLessThanOrEqual(1.02);
      // kappa(B-hat) follows kappa(B) (the paper's point), here near 2.5 with the objective-minimizing m.
      expect(Math.abs(r.kappaBHat - r.kappaB) / r.kappaB, msg).toBeLessThan(0.05);
      expect(r.m).toBe(3);
      expect(r.mReplaced.m).toBe(2);
      expect(r.mReplaced.consistent).toBe(false);
      expect(r.paper).toEqual(LINEAR_THEORY_PAPER);
      expect(r.seed).toBe(seed);
    });
  }

  it('without centering the tiny sample mean pulls B-hat off Theorem 1 along the 1e-4 direction (why we center)', () => {
    const centered = runLinearTheory({ seed: 0, ...NO_EXTRAS, train: { steps: 50_000 } });
    const raw = runLinearTheory({ seed: 0, center: false, ...NO_EXTRAS, train: { steps: 50_000 } });
    expect(centered.relFrobenius).toBeLessThan(0.03);
    expect(raw.relFrobenius).toBeGreaterThan(2 * centered.relFrobenius);
  });

  it('reports progress and stops with JobCancelledError when cancelled', () => {
    const ac = new AbortController();
    const steps: number[] = [];
    const job = createJobContext({
      signal: ac.signal,
      onProgress: (p) => {
        steps.push(p.step);
        if (p.step >= 300) ac.abort();
      },
    });
    expect(() => runLinearTheory({ samples: 100, ...NO_EXTRAS, train: { steps: 10_000 } }, job)).toThrow(
      JobCancelledError,
    );
    expect(steps.slice(0, 3)).toEqual([100, 200, 300]);
  });
});
