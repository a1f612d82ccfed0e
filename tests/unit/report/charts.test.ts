/**
 * The chart option builders of src/shared/charts (used by the PDF and the UI): series per model, axis
 * types, data equal to the input; and server-side SVG rendering in Node.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { LineSeriesOption } from 'echarts';
import {
  BASELINE_COLOR,
  MODEL_COLORS,
  axisTypeFor,
  modelColors,
  rhoHatChartOption,
  sigmaSweepChartOption,
  toPercent,
  trainingChartOption,
  RHO_HAT_X_AXIS_NAME,
} from '@shared/charts';
import type { ReportInput } from '@shared/report-input';
import { renderChartSvg } from '../../../src/main/engine/audit/report/index';
import { makeSampleReportInput } from './sample-input';

let input: ReportInput;
const models = () => input.models.map((m) => ({ id: m.id, name: m.name, kind: m.kind }));
const series = (o: { series?: unknown }): LineSeriesOption[] => o.series as LineSeriesOption[];
const byId = (o: { series?: unknown }, id: string): LineSeriesOption => {
  const s = series(o).find((x) => x.id === id);
  if (!s) throw new Error(`no series ${id}`);
  return s;
};

beforeAll(() => {
  input = makeSampleReportInput({ size: 32, slices: 3, samples: 20 });
});

describe('rhoHatChartOption', () => {
  it('has one mean line and one error-bar series per curve, on value axes in percent', () => {
    const o = rhoHatChartOption(input.rhoHat, models());
    expect(series(o)).toHaveLength(2 * input.rhoHat.length);
    expect(series(o).map((s) => s.type)).toEqual(input.rhoHat.flatMap(() => ['line', 'custom']));
    const x = o.xAxis as { type: string; name: string };
    const y = o.yAxis as { type: string };
    expect(x.type).toBe('value');
    expect(x.name).toBe(RHO_HAT_X_AXIS_NAME);
    expect(y.type).toBe('value');
    expect((o.legend as { data: string[] }).data).toEqual(
      input.rhoHat.map((c) => models().find((m) => m.id === c.model)?.name),
    );
  });

  it('plots the input: (eps relative in %, rho-hat), error bars from min to max', () => {
    const o = rhoHatChartOption(input.rhoHat, models());
    for (const c of input.rhoHat) {
      const key = `${c.model}:${c.attack.kind}`;
      expect(byId(o, `rho:${key}`).data).toEqual(c.points.map((p) => [toPercent(p.epsRelative), p.rhoHat]));
      expect(byId(o, `bars:${key}`).data).toEqual(
        c.points.map((p) => [toPercent(p.epsRelative), p.spread.min, p.spread.max]),
      );
      // The bars are named like the mean line, so the legend toggles both.
      expect(byId(o, `bars:${key}`).name).toBe(byId(o, `rho:${key}`).name);
    }
    expect(toPercent(0.07)).toBe(7);
  });

  it('tells the curves apart by dash pattern and symbol as well as colour', () => {
    const o = rhoHatChartOption(input.rhoHat, models());
    const mains = input.rhoHat.map((c) => byId(o, `rho:${c.model}:${c.attack.kind}`));
    const dashes = mains.map((s) => JSON.stringify((s.lineStyle as { type: unknown }).type));
    const symbols = mains.map((s) => s.symbol);
    expect(new Set(dashes).size).toBe(mains.length);
    expect(new Set(symbols).size).toBe(mains.length);
  });

  it('draws shaded bands, quartiles or none on request, and names the attack when a model has two curves', () => {
    const c = input.rhoHat[0];
    const key = `${c.model}:${c.attack.kind}`;
    const b = rhoHatChartOption(input.rhoHat, models(), { spread: 'band' });
    expect(byId(b, `band-lo:${key}`).data).toEqual(
      c.points.map((p) => [toPercent(p.epsRelative), p.spread.min]),
    );
    expect(byId(b, `band-hi:${key}`).data).toEqual(
      c.points.map((p) => [toPercent(p.epsRelative), p.spread.max - p.spread.min]),
    );
    expect(byId(b, `band-hi:${key}`).stack).toBe(byId(b, `band-lo:${key}`).stack);
    const q = rhoHatChartOption(input.rhoHat, models(), { band: 'quartiles' });
    expect(byId(q, `bars:${key}`).data).toEqual(
      c.points.map((p) => [toPercent(p.epsRelative), p.spread.q1, p.spread.q3]),
    );
    expect(series(rhoHatChartOption(input.rhoHat, models(), { band: 'none' }))).toHaveLength(
      input.rhoHat.length,
    );
    const two = [c, { ...c, attack: { ...c.attack, kind: 'pgd-x' } }];
    const o = rhoHatChartOption(two, models(), { band: 'none' });
    expect(series(o).map((s) => s.name)).toEqual(['FBPConvNet (ord) (pga-y)', 'FBPConvNet (ord) (pgd-x)']);
  });

  it('gives FBP the baseline grey and the networks the palette in order', () => {
    const colors = modelColors(models());
    expect(colors).toEqual({ ord: MODEL_COLORS[0], minmax: MODEL_COLORS[1], fbp: BASELINE_COLOR });
    expect(byId(rhoHatChartOption(input.rhoHat, models()), 'rho:fbp:pga-y').color).toBe(BASELINE_COLOR);
  });
});

describe('sigmaSweepChartOption', () => {
  it('has a bound series (left axis) and a PSNR series (right axis) per model, with the input data', () => {
    const o = sigmaSweepChartOption(input.certification.sweeps, models());
    expect(series(o)).toHaveLength(2 * input.certification.sweeps.length);
    expect((o.yAxis as unknown[]).length).toBe(2);
    for (const s of input.certification.sweeps) {
      const bound = byId(o, `bound:${s.model}`);
      const psnr = byId(o, `psnr:${s.model}`);
      expect(bound.yAxisIndex).toBe(0);
      expect(psnr.yAxisIndex).toBe(1);
      expect(bound.data).toEqual(s.points.map((p) => [p.sigma, p.certifiedDiscrepancy]));
      expect(psnr.data).toEqual(s.points.map((p) => [p.sigma, p.smoothedPsnr]));
      const best = s.points.find((p) => p.sigma === s.bestSigma);
      expect(psnr.markPoint?.data?.[0]).toMatchObject({ coord: [best?.sigma, best?.smoothedPsnr] });
    }
    // Abstentions are gaps (null), not zeros.
    expect(input.certification.sweeps[0].points[0].certifiedDiscrepancy).toBeNull();
  });

  it('uses a log sigma axis labelled at the grid when the grid spans a decade, else linear', () => {
    const o = sigmaSweepChartOption(input.certification.sweeps, models());
    const x = o.xAxis as { type: string; axisLabel: { customValues?: number[] } };
    expect(x.type).toBe('log');
    expect(x.axisLabel.customValues).toEqual([0.01, 0.02, 0.05, 0.1]);
    const narrow = input.certification.sweeps.map((s) => ({ ...s, points: s.points.slice(1, 3) }));
    expect((sigmaSweepChartOption(narrow, models()).xAxis as { type: string }).type).toBe('value');
    expect(axisTypeFor([0, 1, 10])).toBe('value');
    expect(axisTypeFor([0.1, 1])).toBe('log');
  });
});

describe('trainingChartOption', () => {
  it('plots loss and validation loss on the left axis and validation PSNR on the right', () => {
    const curve = input.models[0].trainingCurve ?? [];
    const o = trainingChartOption(curve);
    expect(series(o).map((s) => s.id)).toEqual(['loss', 'val-loss', 'val-psnr']);
    expect(byId(o, 'loss').data).toEqual(curve.map((p) => [p.step, p.loss]));
    expect(byId(o, 'val-loss').data).toEqual(
      curve.filter((p) => p.valLoss != null).map((p) => [p.step, p.valLoss]),
    );
    expect(byId(o, 'val-psnr').yAxisIndex).toBe(1);
    expect((o.yAxis as { type: string }[])[0].type).toBe('value');
    expect(series(trainingChartOption([{ step: 0, loss: 1 }]))).toHaveLength(1);
  });

  it('labels a validation PSNR that barely moves in steps of at least 0.1 dB', () => {
    const curve = [
      { step: 1, loss: 0.008 },
      { step: 3, loss: 0.007, valLoss: 0.007, valPsnr: 24.7531, valFbpPsnr: 24.7412 },
      { step: 4, loss: 0.0075, valLoss: 0.0072, valPsnr: 24.7559 },
    ];
    const svg = renderChartSvg(trainingChartOption(curve), 400, 240);
    const labels = [...svg.matchAll(/>(24\.\d+|2[45])</g)].map((m) => m[1]);
    expect(labels.length).toBeGreaterThan(0);
    for (const l of labels) expect(l).toMatch(/^\d+(\.\d)?$/);
  });
});

describe('renderChartSvg (Node, server-side)', () => {
  it('renders the rho-hat and sweep charts to SVG with the legend and axis names as text', () => {
    const svg = renderChartSvg(rhoHatChartOption(input.rhoHat, models()), 400, 240);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="400"');
    for (const m of input.models) expect(svg).toContain(m.name);
    expect(svg).toContain('perturbation size');
    expect((svg.match(/<path/g) ?? []).length).toBeGreaterThan(10);
    // Every error bar is drawn: a vertical line and two caps per point (the wider y range of the bars may add
    // a grid line or two).
    const points = input.rhoHat.reduce((n, c) => n + c.points.length, 0);
    const bare = renderChartSvg(rhoHatChartOption(input.rhoHat, models(), { band: 'none' }), 400, 240);
    const count = (t: string) => (t.match(/<path/g) ?? []).length;
    expect(count(svg) - count(bare)).toBeGreaterThanOrEqual(3 * points);
    expect(count(svg) - count(bare)).toBeLessThanOrEqual(3 * points + 4);
    const sweep = renderChartSvg(sigmaSweepChartOption(input.certification.sweeps, models()), 400, 240);
    expect(sweep).toContain('smoothed PSNR (dB)');
    expect(renderChartSvg(trainingChartOption(input.models[0].trainingCurve ?? []), 300, 200)).toContain(
      'training loss',
    );
  });
});
