/**
 * The robustness curve chart: rho-hat(eps) (eq. 9 of papers/000) of every model on one chart, against the
 * relative perturbation size eps / ||A x|| in percent, with the spread of Delta_max over slices as a shaded
 * band (min-max or quartiles). Used by the PDF report and by the UI.
 *
 *   rhoHatChartOption(curves, models, { band: 'range' }) -> EChartsOption
 *
 * Series per curve: the mean line (id `rho:<model>:<attack>`), then the band as two stacked invisible lines
 * (`band-lo:...`, `band-hi:...`; the upper one carries the difference and the fill), named like the mean line
 * so the legend toggles both.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { ReportRhoHatCurve } from '../report-input';
import { toPercent } from './axis';
import { chartFrame, chartText, modelColors, type ChartCommonOptions, type ChartModel } from './palette';

export type SpreadBand = 'range' | 'quartiles' | 'none';

export interface RhoHatChartOptions extends ChartCommonOptions {
  /** Shaded spread over slices: min-max ('range', default), q1-q3 ('quartiles') or none. */
  band?: SpreadBand;
}

export const RHO_HAT_X_AXIS_NAME = 'perturbation size ε / ‖Ax‖ (%)';
export const RHO_HAT_Y_AXIS_NAME = 'ρ̂(ε): mean ‖f(y+δ) − x‖₂';

/** The legend label of a curve: the model name, plus the attack when a model has several curves. */
export function rhoHatCurveLabel(
  curve: ReportRhoHatCurve,
  models: readonly ChartModel[],
  curves: readonly ReportRhoHatCurve[],
): string {
  const name = models.find((m) => m.id === curve.model)?.name ?? curve.model;
  const several = curves.filter((c) => c.model === curve.model).length > 1;
  return several ? `${name} (${curve.attack.kind})` : name;
}

export function rhoHatChartOption(
  curves: readonly ReportRhoHatCurve[],
  models: readonly ChartModel[],
  options: RhoHatChartOptions = {},
): EChartsOption {
  const text = chartText(options);
  const colors = modelColors(models);
  const band = options.band ?? 'range';
  const series: LineSeriesOption[] = [];
  const legend: string[] = [];
  curves.forEach((curve) => {
    const label = rhoHatCurveLabel(curve, models, curves);
    const color = colors[curve.model] ?? '#000000';
    const key = `${curve.model}:${curve.attack.kind}`;
    legend.push(label);
    series.push({
      id: `rho:${key}`,
      name: label,
      type: 'line',
      data: curve.points.map((p) => [toPercent(p.epsRelative), p.rhoHat]),
      color,
      symbol: 'circle',
      symbolSize: 5,
      lineStyle: { width: 2, color },
      itemStyle: { color },
      z: 3,
    });
    if (band === 'none') return;
    const lo = (p: ReportRhoHatCurve['points'][number]) => (band === 'range' ? p.spread.min : p.spread.q1);
    const hi = (p: ReportRhoHatCurve['points'][number]) => (band === 'range' ? p.spread.max : p.spread.q3);
    const common: LineSeriesOption = {
      name: label,
      type: 'line',
      stack: `band:${key}`,
      symbol: 'none',
      silent: true,
      legendHoverLink: false,
      tooltip: { show: false },
      lineStyle: { opacity: 0 },
      color,
      z: 1,
    };
    series.push({
      ...common,
      id: `band-lo:${key}`,
      data: curve.points.map((p) => [toPercent(p.epsRelative), lo(p)]),
    });
    series.push({
      ...common,
      id: `band-hi:${key}`,
      data: curve.points.map((p) => [toPercent(p.epsRelative), hi(p) - lo(p)]),
      areaStyle: { color, opacity: 0.15 },
    });
  });
  return {
    ...chartFrame(options, text, legend, legend, 20),
    xAxis: {
      type: 'value',
      name: RHO_HAT_X_AXIS_NAME,
      nameLocation: 'middle',
      nameGap: 26,
      min: 0,
      axisLabel: { formatter: '{value}%', fontSize: text.fontSize - 1 },
      splitLine: { show: true, lineStyle: { color: '#e6e6e6' } },
    },
    yAxis: {
      type: 'value',
      name: RHO_HAT_Y_AXIS_NAME,
      nameLocation: 'middle',
      nameGap: 46,
      scale: false,
      axisLabel: { fontSize: text.fontSize - 1 },
      splitLine: { lineStyle: { color: '#e6e6e6' } },
    },
    series,
  };
}
