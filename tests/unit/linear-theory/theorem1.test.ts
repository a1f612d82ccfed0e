/**
 * Theorem 1 (papers/000 eq. 10): the paper's own 2x2 example, global optimality against random
 * perturbations (J is convex in B), the choice of m, and the paper-problem candidates.
 */
import { describe, expect, it } from 'vitest';
import { createRng } from '../../../src/main/engine/random';
import {
  combine,
  makeLinearProblem,
  matrix,
  theorem1B,
  theorem1Objective,
  svd,
  fromSvd,
} from '../../../src/main/engine/linear-theory';
import { UsageError } from '@shared/errors';

describe('theorem1B', () => {
  it("reproduces the paper's 2x2 example: A = diag(1, r) gives B = diag(1, r / (r^2 + eps^2 / 2)) for lambda 1", () => {
    const r = 0.01;
    const eps = 0.1;
    const t = theorem1B(matrix(2, 2, [1, 0, 0, r]), 1, eps);
    expect(t.m).toBe(1);
    expect(t.candidates[0].consistent).toBe(true);
    const expected = [1, 0, 0, r / (r * r + 0.5 * eps * eps)];
    t.B.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 12));
  });

  it('is a global minimizer of J(B) = (1 + lambda)||BA - I||_F^2 + lambda eps^2 ||B||_2^2 (convex): no random perturbation lowers J', () => {
    const rng = createRng('thm1-opt');
    const A0 = matrix(4, 6);
    rng.fillNormal(A0.data, 0, 0.5);
    const { U, s, V } = svd(A0);
    s[2] = 1e-2;
    s[3] = 1e-3;
    const A = fromSvd(U, s, V);
    for (const [lambda, eps] of [
      [1, 0.1],
      [3, 0.5],
    ]) {
      const t = theorem1B(A, lambda, eps);
      const j0 = theorem1Objective(t.B, A, lambda, eps);
      expect(j0).toBeCloseTo(t.objective, 12);
      for (let trial = 0; trial < 200; trial++) {
        const D = matrix(t.B.rows, t.B.cols);
        rng.fillNormal(D.data, 0, trial % 2 ? 1e-3 : 1e-1);
        const j = theorem1Objective(combine(1, t.B, 1, D), A, lambda, eps);
        expect(j, `lambda ${lambda} eps ${eps} trial ${trial}`).toBeGreaterThanOrEqual(j0 - 1e-12);
      }
      // The chosen m is the (unique) consistent one.
      const consistent = t.candidates.filter((c) => c.consistent).map((c) => c.m);
      expect(consistent).toEqual([t.m]);
    }
  });

  it('on the section 4.4 problem picks a consistent m = 3 (not the paper-matching m = 2, which is inconsistent)', () => {
    const p = makeLinearProblem(
      { n: 20, m: 10, samples: 10, replacedSingularValues: [1e-3, 1e-4] },
      createRng(0),
    );
    const t = theorem1B(p.A, 1, 0.1);
    expect(t.singularValues[0]).toBeCloseTo(1e-4, 12);
    expect(t.singularValues[1]).toBeCloseTo(1e-3, 12);
    expect(t.m).toBe(3);
    const m2 = t.candidates[1];
    expect(m2.consistent).toBe(false);
    expect(m2.qm).toBeLessThan(1 / t.singularValues[2]);
    expect(m2.objective).toBeGreaterThan(t.objective);
    // h = lambda eps^2 / (1 + lambda) = 0.005: q_2 = 1.1e-3 / (1.01e-6 + 0.005).
    expect(m2.qm).toBeCloseTo(1.1e-3 / (1.01e-6 + 0.005), 10);
  });

  it('rejects invalid lambda/eps with a UsageError', () => {
    expect(() => theorem1B(matrix(2, 2, [1, 0, 0, 1]), 0, 0.1)).toThrow(UsageError);
  });
});
