/**
 * Chart data from result lines and summary.json (src/shared/charts/from-results.ts), the UI's charts: the
 * curves from lines agree with the engine's summary (engine/audit/summary.ts, computed independently) and with
 * hand-computed means; the sigma sweep per model at one radius, with its best sigma and abstentions.
 */
import { describe, expect, it } from 'vitest';
import {
  chartModelsOf,
  rhoHatChartOption,
  rhoHatCurvesFromLines,
  rhoHatCurvesFromSummary,
  sigmaSweepsFromLines,
  sigmaSweepChartOption,
} from '@shared/charts';
import { summarize } from '../../../src/main/engine/audit/summary';
import { unit } from '../audit/lines';

// Model 0 on slices 0..2, model 1 on slice 0 and 1; two radii (1%, 2%), two sigmas; sigma 2 abstains on
// slice 2 for model 0 at every radius.
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
      [1e-4, 1e-4],
      [2e-4, 2e-4],
    ],
  }),
  ...unit(1, 1, {
    errors: [1, 2.5],
    cleanError: 1,
    cert: [
      [1e-4, 1e-4],
      [2e-4, 2e-4],
    ],
  }),
];

describe('rhoHatCurvesFromLines', () => {
  it('gives the clean error at eps 0, then the mean Delta_max per radius with its spread over slices', () => {
    const [m0, m1] = rhoHatCurvesFromLines(lines);
    expect(m0.model).toBe('m0');
    expect(m0.points.map((p) => p.spec)).toEqual(['0 (clean)', '1%', '2%']);
    expect(m0.points.map((p) => p.epsRelative)).toEqual([0, 0.01, 0.02]);
    expect(m0.points.map((p) => p.rhoHat)).toEqual([2, 3, 6]);
    expect(m0.points[2].spread).toMatchObject({ min: 3, median: 6, max: 9 });
    expect(m0.points.map((p) => p.slices)).toEqual([3, 3, 3]);
    expect(m1.points.map((p) => p.rhoHat)).toEqual([1, 1, 2]);
  });

  it('agrees with the engine summary of the same lines (rhoHatCurvesFromSummary)', () => {
    const fromLines = rhoHatCurvesFromLines(lines);
    const fromSummary = rhoHatCurvesFromSummary(summarize(lines));
    expect(fromSummary.map((c) => c.model)).toEqual(fromLines.map((c) => c.model));
    for (const [i, c] of fromLines.entries()) {
      const s = fromSummary[i];
      expect(s.points.map((p) => p.spec)).toEqual(c.points.map((p) => p.spec));
      for (const [k, p] of c.points.entries()) {
        expect(s.points[k].rhoHat).toBeCloseTo(p.rhoHat, 12);
        expect(s.points[k].epsRelative).toBeCloseTo(p.epsRelative, 12);
        expect(s.points[k].spread.min).toBe(p.spread.min);
        expect(s.points[k].spread.max).toBe(p.spread.max);
        // summary.json has no quartiles: unknown, not invented.
        expect(s.points[k].spread.q1).toBeNaN();
      }
    }
  });

  it('draws one line per model (FBP grey) with the shared builder', () => {
    const models = chartModelsOf(['fbp', 'm0']);
    expect(models[0]).toMatchObject({ id: 'fbp', name: 'FBP', kind: 'fbp' });
    const o = rhoHatChartOption(rhoHatCurvesFromLines(lines), chartModelsOf(['m0', 'm1']), { band: 'none' });
    expect((o.series as unknown[]).length).toBe(2);
  });
});

describe('sigmaSweepsFromLines', () => {
  it('gives per model the bound (only where every slice certifies), the PSNRs and the best sigma', () => {
    const [m0, m1] = sigmaSweepsFromLines(lines, 1);
    expect(m0.model).toBe('m0');
    expect(m0.samples).toBe(20);
    expect(m0.points.map((p) => p.abstained)).toEqual([0, 1]);
    expect(m0.points[0].certifiedDiscrepancy).toBeCloseTo((2e-4 + 4e-4 + 3e-4) / 3, 15);
    expect(m0.points[1].certifiedDiscrepancy).toBeNull();
    expect(m0.points.map((p) => p.sigma)).toEqual([10, 5]);
    // Certified PSNR of the fixture: 27 - 2 j; sigma 0 is the only one certified on every slice.
    expect(m0.bestSigma).toBe(10);
    expect(m1.points.map((p) => p.certifiedPsnr)).toEqual([27, 25]);
    expect(m1.bestSigma).toBe(10);
  });

  it('converts to HU on request: sigma as HU-equivalent, the bound as RMS in HU', () => {
    const [m0] = sigmaSweepsFromLines(lines, 0, { sigma: 'hu', bound: 'rms-hu' });
    expect(m0.points.map((p) => p.sigma)).toEqual([40, 20]);
    const expected = [2e-4, 4e-4, 3e-4].map((b) => 1000 * Math.sqrt(b)).reduce((a, b) => a + b) / 3;
    expect(m0.points[0].certifiedDiscrepancy).toBeCloseTo(expected, 10);
    const o = sigmaSweepChartOption([m0], chartModelsOf(['m0']), { sigmaAxisName: 'σ (HU)' });
    expect((o.xAxis as { name: string }).name).toBe('σ (HU)');
  });

  it('has no sweep without certification', () => {
    expect(sigmaSweepsFromLines(unit(0, 0, { errors: [1], cert: null }), 0)).toEqual([]);
  });
});
