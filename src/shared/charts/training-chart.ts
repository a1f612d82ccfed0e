/**
 * Training curves for the UI: training loss and validation loss (left axis, log scale when they span a
 * decade) and validation PSNR of the model and of FBP on the same slices (right axis) against the optimizer
 * step.
 *
 * Series: `loss`, `val-loss`, `val-psnr`, `val-fbp-psnr` (each only when the curve has such values).
 */
import type { EChartsOption, LineSeriesOption } from 'echarts';
import type { ReportTrainingPoint } from '../report-input';
import { axisTypeFor } from './axis';
import { BASELINE_COLOR, chartFrame, chartText, MODEL_COLORS, type ChartCommonOptions } from './palette';

export const TRAINING_X_AXIS_NAME = 'step';
export const TRAINING_LOSS_AXIS_NAME = 'loss';
export const TRAINING_PSNR_AXIS_NAME = 'validation PSNR (dB)';

/** A training point, with FBP's validation PSNR on the same slices (the baseline the model must beat). */
export interface TrainingChartPoint extends ReportTrainingPoint {
  valFbpPsnr?: number | null;
}

const present = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

export function trainingChartOption(
  curve: readonly TrainingChartPoint[],
  options: ChartCommonOptions = {},
): EChartsOption {
  const text = chartText(options);
  const series: LineSeriesOption[] = [];
  const losses: number[] = [];
  const lossPoints = curve.filter((p) => present(p.loss));
  if (lossPoints.length > 0) {
    losses.push(...lossPoints.map((p) => p.loss as number));
    series.push({
      id: 'loss',
      name: 'training loss',
      type: 'line',
      yAxisIndex: 0,
      data: lossPoints.map((p) => [p.step, p.loss]),
      color: MODEL_COLORS[0],
      symbol: 'none',
      lineStyle: { width: 1.5 },
    });
  }
  const valPoints = curve.filter((p) => present(p.valLoss));
  if (valPoints.length > 0) {
    losses.push(...valPoints.map((p) => p.valLoss as number));
    series.push({
      id: 'val-loss',
      name: 'validation loss',
      type: 'line',
      yAxisIndex: 0,
      data: valPoints.map((p) => [p.step, p.valLoss as number]),
      color: MODEL_COLORS[1],
      symbol: 'circle',
      symbolSize: 5,
      lineStyle: { width: 2 },
    });
  }
  const psnrPoints = curve.filter((p) => present(p.valPsnr));
  if (psnrPoints.length > 0) {
    series.push({
      id: 'val-psnr',
      name: 'validation PSNR',
      type: 'line',
      yAxisIndex: 1,
      data: psnrPoints.map((p) => [p.step, p.valPsnr as number]),
      color: MODEL_COLORS[2],
      symbol: 'emptyCircle',
      symbolSize: 5,
      lineStyle: { width: 1.5, type: 'dashed' },
    });
  }
  const fbpPoints = curve.filter((p) => present(p.valFbpPsnr));
  if (fbpPoints.length > 0) {
    series.push({
      id: 'val-fbp-psnr',
      name: 'validation PSNR of FBP',
      type: 'line',
      yAxisIndex: 1,
      data: fbpPoints.map((p) => [p.step, p.valFbpPsnr as number]),
      color: BASELINE_COLOR,
      symbol: 'emptyCircle',
      symbolSize: 4,
      lineStyle: { width: 1.2, type: 'dotted' },
    });
  }
  const axisLabel = { fontSize: text.fontSize - 1 };
  return {
    ...chartFrame(
      options,
      text,
      series.map((s) => String(s.name)),
      undefined,
      60,
    ),
    xAxis: {
      type: 'value',
      name: TRAINING_X_AXIS_NAME,
      nameLocation: 'middle',
      nameGap: 26,
      min: 0,
      axisLabel,
    },
    yAxis: [
      {
        type: axisTypeFor(losses),
        name: TRAINING_LOSS_AXIS_NAME,
        nameLocation: 'middle',
        nameGap: 48,
        axisLabel,
        splitLine: { lineStyle: { color: '#e6e6e6' } },
      },
      {
        type: 'value',
        name: TRAINING_PSNR_AXIS_NAME,
        nameLocation: 'middle',
        nameGap: 36,
        scale: true,
        // Validation PSNR moves by thousandths of a dB over a short run: ticks at least 0.1 dB apart, not
        // 24.738, 24.741, 24.744 (differences that small say nothing).
        minInterval: 0.1,
        axisLabel,
        splitLine: { show: false },
      },
    ],
    series,
  };
}
