/**
 * Chart options for the UI (ECharts). The PDF report draws its charts from the same data with its own
 * option builders (src/shared/charts, once it exists, should replace these so both match exactly).
 */
import type { EChartsCoreOption } from 'echarts/core';
import type { AuditSummary } from '@shared/audit-results';
import type { CertificationRow, RhoHatPointWire, ValidationPoint } from '@shared/ipc';

const AXIS = {
  axisLine: { lineStyle: { color: '#64748b' } },
  splitLine: { lineStyle: { color: '#1e293b' } },
};
const BASE = {
  backgroundColor: 'transparent',
  textStyle: { fontFamily: 'system-ui, sans-serif' },
  animation: false,
  tooltip: { trigger: 'axis' },
};

/** rho-hat(eps) (eq. 9 of papers/000) against the relative radius eps / ||A x||, with the clean error at 0. */
export function rhoHatOption(
  points: RhoHatPointWire[],
  cleanError: number,
  modelName: string,
): EChartsCoreOption {
  return {
    ...BASE,
    grid: { left: 64, right: 20, top: 36, bottom: 44 },
    legend: { top: 4, textStyle: { color: '#cbd5e1' } },
    xAxis: {
      type: 'value',
      name: 'eps / ‖signal‖ (%)',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      ...AXIS,
    },
    yAxis: { type: 'value', name: 'ρ̂(ε) = ‖f(y′) − x‖', scale: true, ...AXIS },
    series: [
      {
        name: modelName,
        type: 'line',
        symbolSize: 7,
        data: [[0, cleanError], ...points.map((p) => [p.epsRelative * 100, p.error])],
      },
    ],
  };
}

/** Training loss per step, and validation PSNR (model and FBP) per epoch on a second axis. */
export function trainingOption(loss: [number, number][], validation: ValidationPoint[]): EChartsCoreOption {
  return {
    ...BASE,
    grid: { left: 70, right: 64, top: 36, bottom: 44 },
    legend: { top: 4, textStyle: { color: '#cbd5e1' } },
    xAxis: { type: 'value', name: 'step', nameLocation: 'middle', nameGap: 28, min: 0, ...AXIS },
    yAxis: [
      { type: 'log', name: 'loss (MSE)', ...AXIS },
      { type: 'value', name: 'validation PSNR (dB)', scale: true, ...AXIS, splitLine: { show: false } },
    ],
    series: [
      { name: 'loss', type: 'line', showSymbol: false, data: loss },
      {
        name: 'model PSNR',
        type: 'line',
        yAxisIndex: 1,
        symbolSize: 7,
        data: validation.map((v) => [v.step, v.psnr]),
      },
      {
        name: 'FBP PSNR',
        type: 'line',
        yAxisIndex: 1,
        symbolSize: 5,
        lineStyle: { type: 'dashed' },
        data: validation.map((v) => [v.step, v.fbpPsnr]),
      },
    ],
  };
}

/** rho-hat(eps) of every model of an audit (mean over slices), with the mean clean error at eps 0. */
export function auditRhoHatOption(summary: AuditSummary): EChartsCoreOption {
  return {
    ...BASE,
    grid: { left: 64, right: 20, top: 36, bottom: 44 },
    legend: { top: 4, textStyle: { color: '#cbd5e1' } },
    xAxis: {
      type: 'value',
      name: 'eps / ‖signal‖ (%)',
      nameLocation: 'middle',
      nameGap: 28,
      min: 0,
      ...AXIS,
    },
    yAxis: { type: 'value', name: 'ρ̂(ε), mean over slices', scale: true, ...AXIS },
    series: summary.rhoHat.map((m) => ({
      name: m.model,
      type: 'line',
      symbolSize: 7,
      data: [
        [0, m.clean.mean],
        ...m.points
          .filter((p) => p.meanRelative !== null)
          .map((p) => [(p.meanRelative as number) * 100, p.rhoHat]),
      ],
    })),
  };
}

/** The sigma sweep of one slice: PSNR of f(y) and of the smoothed reconstructions against sigma. */
export function sigmaSweepOption(rows: CertificationRow[]): EChartsCoreOption {
  const pts = (f: (r: CertificationRow) => number | null) =>
    rows.filter((r) => f(r) !== null).map((r) => [r.sigma, f(r) as number]);
  return {
    ...BASE,
    // Three legend entries wrap on a half-width chart: room for two legend rows above the plot.
    grid: { left: 56, right: 20, top: 64, bottom: 44 },
    legend: { top: 0, textStyle: { color: '#cbd5e1' } },
    xAxis: { type: 'log', name: 'σ (smoothing noise)', nameLocation: 'middle', nameGap: 28, ...AXIS },
    yAxis: { type: 'value', name: 'PSNR (dB)', scale: true, ...AXIS },
    series: [
      {
        name: 'f(y)',
        type: 'line',
        symbolSize: 5,
        lineStyle: { type: 'dashed' },
        data: pts((r) => r.psnr.base),
      },
      { name: 'smoothed (median sample)', type: 'line', symbolSize: 7, data: pts((r) => r.psnr.median) },
      { name: 'certified sample', type: 'line', symbolSize: 7, data: pts((r) => r.psnr.certified) },
    ],
  };
}
