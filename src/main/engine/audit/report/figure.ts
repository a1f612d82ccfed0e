/**
 * Figures of the report: charts from src/shared/charts drawn as vectors with their caption kept under them,
 * shrinking (down to CHART_MIN_HEIGHT) to fill a page rather than leaving it half empty.
 */
import type { EChartsOption } from 'echarts';
import { DEFAULT_CHART_TEXT, legendRows, type ChartModel } from '@shared/charts';
import type { ReportInput } from '@shared/report-input';
import { drawSvg, renderChartSvg } from './chart-svg';
import type { ReportDoc } from './layout';

export const CHART_HEIGHT = 265;

export function chartModels(r: ReportDoc, input: ReportInput): ChartModel[] {
  return input.models.map((m) => ({ id: m.id, name: r.text(m.name), kind: m.kind }));
}

/** Height for a chart whose legend has `names`: the base height plus the rows the legend wraps into. */
export function chartHeight(r: ReportDoc, names: readonly string[]): number {
  return CHART_HEIGHT + Math.max(0, legendRows(names, r.width, DEFAULT_CHART_TEXT.fontSize) - 1) * 17;
}

/** Shortest a chart may get to fill the rest of a page instead of leaving it empty. */
export const CHART_MIN_HEIGHT = 200;

/**
 * A chart with its caption under it, kept together: drawn at `height`, or shorter (down to
 * CHART_MIN_HEIGHT) when that fills the rest of the page, else on the next page.
 */
export function chart(r: ReportDoc, option: EChartsOption, height: number, caption: string): void {
  const cap = r.captionHeight(caption);
  const fits = r.remaining - cap - 4;
  const h = fits >= height ? height : fits >= CHART_MIN_HEIGHT ? fits : height;
  r.ensureSpace(h + cap + 4);
  drawSvg(r.doc, renderChartSvg(option, r.width, h), r.left, r.y, r.width, h);
  r.y = r.y + h + 4;
  r.caption(caption);
}

/** Whether every value is the first (settings shared by all rows are said once). */
export const allSame = <T>(values: readonly T[]): boolean => values.every((v) => v === values[0]);
