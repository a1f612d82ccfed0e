/**
 * The sigma-sweep chart (Figure 1 of papers/002): per model, the mean certified bound D_Phi(eps/sigma)(x, 0)
 * (eq. 7 of papers/002; left axis, solid) and the mean PSNR of the smoothed reconstructions (right axis,
 * dashed) against the smoothing level sigma, with the best sigma marked by a diamond on the PSNR line. Gaps
 * are sigmas where some slice abstained (no bound).
 *
 * Series per sweep: `bound:<model>` (yAxisIndex 0), `psnr:<model>` (yAxisIndex 1), both named by the model.
 */
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { ReportSigmaSweep } from '../report-input';
import { axisTypeFor } from './axis';
import { chartFrame, chartText, modelColors, type ChartCommonOptions, type ChartModel } from './palette';

export interface SigmaSweepChartOptions extends ChartCommonOptions {
  /** Force the sigma axis type; default: log when the sigmas span a decade or more. */
  sigmaAxis?: 'log' | 'value';
  /** Axis names when the values are not the PDF's (e.g. the UI's sigma in HU, bound as RMS in HU). */
  sigmaAxisName?: string;
  boundAxisName?: string;
}

export const SIGMA_SWEEP_X_AXIS_NAME = 'smoothing noise σ';
export const SIGMA_SWEEP_BOUND_AXIS_NAME = 'certified discrepancy bound';
export const SIGMA_SWEEP_PSNR_AXIS_NAME = 'smoothed PSNR (dB)';

function logLimits(values: readonly number[]): { min: number; max: number } {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  // Padded by a fifth of a decade so the end points do not sit on the plot border.
  return { min: lo / 10 ** 0.2, max: hi * 10 ** 0.2 };
}

export function sigmaSweepChartOption(
  sweeps: readonly ReportSigmaSweep[],
  models: readonly ChartModel[],
  options: SigmaSweepChartOptions = {},
): EChartsOption {
  const text = chartText(options);
  const colors = modelColors(models);
  const series: LineSeriesOption[] = [];
  const legend: string[] = [];
  const sigmas = sweeps.flatMap((s) => s.points.map((p) => p.sigma));
  for (const sweep of sweeps) {
    const name = models.find((m) => m.id === sweep.model)?.name ?? sweep.model;
    const color = colors[sweep.model] ?? '#000000';
    if (!legend.includes(name)) legend.push(name);
    series.push({
      id: `bound:${sweep.model}`,
      name,
      type: 'line',
      yAxisIndex: 0,
      data: sweep.points.map((p) => [p.sigma, p.certifiedDiscrepancy]),
      connectNulls: false,
      color,
      symbol: 'circle',
      symbolSize: 5,
      lineStyle: { width: 2, color },
      itemStyle: { color },
    });
    const best = sweep.bestSigma === null ? undefined : sweep.points.find((p) => p.sigma === sweep.bestSigma);
    series.push({
      id: `psnr:${sweep.model}`,
      name,
      type: 'line',
      yAxisIndex: 1,
      data: sweep.points.map((p) => [p.sigma, p.smoothedPsnr]),
      connectNulls: false,
      color,
      symbol: 'emptyCircle',
      symbolSize: 5,
      lineStyle: { width: 1.5, type: 'dashed', color },
      itemStyle: { color },
      markPoint:
        best && best.smoothedPsnr !== null
          ? {
              symbol: 'diamond',
              symbolSize: 12,
              label: { show: false },
              itemStyle: { color, borderColor: '#ffffff', borderWidth: 1 },
              data: [{ name: 'best σ', coord: [best.sigma, best.smoothedPsnr] }],
            }
          : undefined,
    });
  }
  const sigmaType = options.sigmaAxis ?? axisTypeFor(sigmas);
  // Tick labels of a narrow chart must not run into each other ("1,0001,200").
  const axisLabel = { fontSize: text.fontSize - 1, hideOverlap: true };
  return {
    ...chartFrame(options, text, legend, legend, 60),
    xAxis: {
      type: sigmaType,
      name: options.sigmaAxisName ?? SIGMA_SWEEP_X_AXIS_NAME,
      nameLocation: 'middle',
      nameGap: 26,
      // A log axis spans whole decades around the data and would label only the decades: label the grid.
      ...(sigmaType === 'value' ? { scale: true } : logLimits(sigmas)),
      axisLabel:
        sigmaType === 'log'
          ? { ...axisLabel, customValues: [...new Set(sigmas)].sort((a, b) => a - b) }
          : axisLabel,
      axisTick:
        sigmaType === 'log' ? { customValues: [...new Set(sigmas)].sort((a, b) => a - b) } : undefined,
      splitLine: { show: sigmaType === 'value', lineStyle: { color: '#e6e6e6' } },
    },
    yAxis: [
      {
        type: 'value',
        name: options.boundAxisName ?? SIGMA_SWEEP_BOUND_AXIS_NAME,
        nameLocation: 'middle',
        nameGap: 48,
        axisLabel,
        splitLine: { lineStyle: { color: '#e6e6e6' } },
      },
      {
        type: 'value',
        name: SIGMA_SWEEP_PSNR_AXIS_NAME,
        nameLocation: 'middle',
        nameGap: 36,
        scale: true,
        axisLabel,
        splitLine: { show: false },
      },
    ],
    series,
  };
}
