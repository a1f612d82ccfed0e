/** Axis helpers shared by the chart builders. */

/** A log axis when the positive values span at least a decade and none is <= 0; else linear. */
export function axisTypeFor(values: readonly number[]): 'log' | 'value' {
  const v = values.filter((a) => Number.isFinite(a));
  if (v.length < 2 || v.some((a) => a <= 0)) return 'value';
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  return hi / lo >= 10 ? 'log' : 'value';
}

/** Relative eps (fraction) -> percent, rounded to remove binary noise (0.07 * 100 = 7.000000000000001). */
export function toPercent(fraction: number): number {
  return +(fraction * 100).toPrecision(12);
}
