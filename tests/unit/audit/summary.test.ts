/**
 * summary.json from results.jsonl alone (engine/audit/summary.ts): rho-hat with spread against hand-computed
 * values, independence of line order, the certification table, best sigma and worst slices.
 */
import { describe, expect, it } from 'vitest';
import { summarySchema } from '../../../src/shared/audit-results';
import { stats, summarize } from '../../../src/main/engine/audit/summary';
import { unit } from './lines';

// Model 0 on slices 0..2, model 1 on slices 0..2; attack errors at two radii, and at each the certificate at
// the attacked input with two sigmas: sigma 1 certifies everywhere, sigma 2 abstains on slice 2 for model 0.
const lines = [
  ...unit(0, 0, {
    errors: [2, 3],
    cleanError: 1,
    cert: [
      [1e-4, 2e-4],
      [2e-4, 3e-4],
    ],
  }),
  ...unit(1, 0, {
    errors: [4, 9],
    cleanError: 2,
    cert: [
      [1e-4, 4e-4],
      [2e-4, 3e-4],
    ],
  }),
  ...unit(2, 0, {
    errors: [3, 6],
    cleanError: 3,
    cert: [
      [1e-4, 3e-4],
      [2e-4, null],
    ],
  }),
  ...unit(0, 1, {
    errors: [1, 1.5],
    cleanError: 1,
    cert: [
      [1e-4, 2e-4],
      [2e-4, 3e-4],
    ],
  }),
  ...unit(1, 1, {
    errors: [1, 1.5],
    cleanError: 1,
    cert: [
      [1e-4, 2e-4],
      [2e-4, 3e-4],
    ],
  }),
  ...unit(2, 1, {
    errors: [1, 2],
    cleanError: 1,
    cert: [
      [1e-4, 2e-4],
      [2e-4, 3e-4],
    ],
  }),
];

describe('summary', () => {
  const s = summarize(lines, { worstSlices: 2 });

  it('validates against the schema', () => {
    expect(() => summarySchema.parse(s)).not.toThrow();
    expect(s.lines).toBe(lines.length);
    expect(s.slices).toEqual({ count: 3, groups: 2 });
    expect(s.models.map((m) => [m.name, m.slices])).toEqual([
      ['m0', 3],
      ['m1', 3],
    ]);
  });

  it('rho-hat(eps) is the mean Delta_max with the sample spread (eq. 9 of papers/000)', () => {
    const r0 = s.rhoHat[0];
    expect(r0.clean.mean).toBeCloseTo(2, 12);
    expect(r0.points[0].rhoHat).toBeCloseTo(3, 12);
    expect(r0.points[1].rhoHat).toBeCloseTo(6, 12);
    // errors 3, 9, 6: sample std = 3
    expect(r0.points[1].stats).toEqual({ n: 3, mean: 6, std: 3, min: 3, median: 6, max: 9 });
    expect(r0.points[1].ratioToClean).toBeCloseTo(3, 12);
    expect(stats([5])).toEqual({ n: 1, mean: 5, std: 0, min: 5, median: 5, max: 5 });
    expect(stats([1, 2, 3, 10]).median).toBe(2.5);
  });

  it('does not depend on the order of the lines', () => {
    const shuffled = [...lines].reverse();
    expect(summarize(shuffled, { worstSlices: 2 })).toEqual(s);
  });

  it('ranks the worst slices at the largest radius (ties: lower index)', () => {
    expect(s.worst[0].slices.map((w) => [w.sliceIndex, w.error])).toEqual([
      [1, 9],
      [2, 6],
    ]);
    expect(s.worst[1].slices.map((w) => w.sliceIndex)).toEqual([2, 0]);
  });

  it('certification table: means over slices, abstentions with reasons, best sigma needs every slice certified', () => {
    const c = s.certification!;
    expect(c.sigma.map((x) => x.spec)).toEqual(['eps/1', 'eps/2']);
    expect(c.eps.map((e) => e.spec)).toEqual(['1%', '2%']);
    const row = (model: string, j: number, e = 0) =>
      c.table.find((t) => t.model === model && t.sigmaIndex === j && t.epsIndex === e)!;
    expect(c.table).toHaveLength(2 * 2 * 2);
    expect(row('m0', 1, 1).meanSigma).toBeCloseTo(5, 12);
    expect(row('m0', 1, 1).meanSigmaHu).toBeCloseTo(20, 12);
    expect(row('m0', 0).meanCertified).toBeCloseTo(3e-4, 15);
    expect(row('m0', 0).maxCertified).toBe(4e-4);
    expect(row('m0', 1).abstentions).toBe(1);
    expect(row('m0', 1).reasons).toEqual(['S = 20 samples are too few']);
    expect(row('m0', 1).meanCertified).toBeCloseTo(3e-4, 15);
    expect(row('m0', 1).maxCertified).toBeNull();
    expect(row('m0', 1).meanCertifiedPsnr).toBeNull();
    // m0: only sigma eps/1 certifies all slices; m1: eps/1 has PSNR 27 > 25 of eps/2; at both radii.
    expect(c.bestSigma.map((b) => [b.model, b.epsIndex, b.sigma, b.meanCertifiedPsnr])).toEqual([
      ['m0', 0, 'eps/1', 27],
      ['m0', 1, 'eps/1', 27],
      ['m1', 0, 'eps/1', 27],
      ['m1', 1, 'eps/1', 27],
    ]);
  });
});
