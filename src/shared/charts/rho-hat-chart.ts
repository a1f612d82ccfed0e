/**
 * The robustness curve chart: rho-hat(eps) (eq. 9 of papers/000) of every model on one chart, against the
 * relative perturbation size eps / ||A x|| in percent, with the spread of Delta_max over slices (min-max or
 * quartiles). Used by the PDF report and by the UI.
 *
 *   rhoHatChartOption(curves, models, { band: 'range', spread: 'bars' }) -> EChartsOption
 *
 * Curves differ by colour, dash pattern and point symbol (modelLineStyles). The spread is drawn as error
 * bars ('bars', default: a custom series `bars:<model>:<attack>` with data [eps %, lo, hi], each model's
 * bars shifted a few px sideways so they do not hide each other) or as a shaded band ('band': two stacked
 * invisible lines `band-lo:...`, `band-hi:...`, the upper one carrying the difference and the fill); either
 * is named like the mean line so the legend toggles both.
 */
import type { CustomSeriesOption, EChartsOption, LineSeriesOption } from 'echarts';
import type { ReportRhoHatCurve } from '../report-input';
import { toPercent } from './axis';
import {
  chartFrame,
  chartText,
  modelColors,
  modelLineStyles,
  type ChartCommonOptions,
  type ChartModel,
} from './palette';

export type SpreadBand = 'range' | 'quartiles' | 'none';

export interface RhoHatChartOptions extends ChartCommonOptions {
  /** Spread over slices: min-max ('range', default), q1-q3 ('quartiles') or none. */
  band?: SpreadBand;
  /** How the spread is drawn: error bars (default) or a shaded band. */
  spread?: 'bars' | 'band';
}

/** Sideways shift between the error bars of neighbouring curves, px. */
export const ERROR_BAR_DODGE = 6;

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

type Point = ReportRhoHatCurve['points'][number];

/** Error bars [x, lo, hi] as vertical lines with caps, shifted `dx` px. */
function errorBars(
  id: string,
  name: string,
  color: string,
  data: number[][],
  dx: number,
): CustomSeriesOption {
  return {
    id,
    name,
    type: 'custom',
    data,
    encode: { x: 0, y: [1, 2] },
    silent: true,
    tooltip: { show: false },
    z: 2,
    renderItem: (_params, api) => {
      const x = api.value(0) as number;
      const lo = api.coord([x, api.value(1) as number]);
      const hi = api.coord([x, api.value(2) as number]);
      const cx = lo[0] + dx;
      const style = { stroke: color, lineWidth: 1.1 };
      const line = (x1: number, y1: number, x2: number, y2: number) => ({
        type: 'line' as const,
        shape: { x1, y1, x2, y2 },
        style,
      });
      return {
        type: 'group',
        children: [
          line(cx, lo[1], cx, hi[1]),
          line(cx - 2.5, lo[1], cx + 2.5, lo[1]),
          line(cx - 2.5, hi[1], cx + 2.5, hi[1]),
        ],
      };
    },
  };
}

export function rhoHatChartOption(
  curves: readonly ReportRhoHatCurve[],
  models: readonly ChartModel[],
  options: RhoHatChartOptions = {},
): EChartsOption {
  const text = chartText(options);
  const colors = modelColors(models);
  const styles = modelLineStyles(models);
  const band = options.band ?? 'range';
  const spread = options.spread ?? 'bars';
  const series: (LineSeriesOption | CustomSeriesOption)[] = [];
  const legend: string[] = [];
  const lo = (p: Point) => (band === 'range' ? p.spread.min : p.spread.q1);
  const hi = (p: Point) => (band === 'range' ? p.spread.max : p.spread.q3);
  curves.forEach((curve, k) => {
    const label = rhoHatCurveLabel(curve, models, curves);
    const color = colors[curve.model] ?? '#000000';
    const style = styles[curve.model] ?? { dash: 'solid', symbol: 'circle' };
    const key = `${curve.model}:${curve.attack.kind}`;
    legend.push(label);
    series.push({
      id: `rho:${key}`,
      name: label,
      type: 'line',
      data: curve.points.map((p) => [toPercent(p.epsRelative), p.rhoHat]),
      color,
      symbol: style.symbol,
      symbolSize: 6,
      lineStyle: { width: 1.8, color, type: style.dash },
      itemStyle: { color },
      z: 3,
    });
    if (band === 'none') return;
    if (spread === 'bars') {
      const dx = (k - (curves.length - 1) / 2) * ERROR_BAR_DODGE;
      series.push(
        errorBars(
          `bars:${key}`,
          label,
          color,
          curve.points.map((p) => [toPercent(p.epsRelative), lo(p), hi(p)]),
          dx,
        ),
      );
      return;
    }
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
