/**
 * How the report prints numbers. One place, so the text, the tables and the tests that read the PDF back
 * agree on every digit.
 *
 *   formatValue(1.23456)   "1.235"      errors, rho-hat, discrepancies: 4 significant digits,
 *   formatValue(2.3456e-5) "2.346e-5"   exponent outside [1e-3, 1e5)
 *   formatPsnr(31.4159)    "31.42"      dB, two decimals
 *   formatSsim(0.91234)    "0.9123"     four decimals
 *   formatPercent(0.005)   "0.5%"       relative eps, up to 4 significant digits
 *   formatCompact(0.0200)  "0.02"       settings (sigma, c, absolute eps): shortest form, 4 significant digits
 *   null / undefined / NaN -> "–"
 */
export const MISSING = '–';

const missing = (v: number | null | undefined): v is null | undefined =>
  v === null || v === undefined || Number.isNaN(v);

export function formatValue(v: number | null | undefined, digits = 4): string {
  if (missing(v)) return MISSING;
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e5) return v.toPrecision(digits);
  return v.toExponential(digits - 1).replace('e+', 'e');
}

export function formatPsnr(v: number | null | undefined): string {
  if (missing(v)) return MISSING;
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  return v.toFixed(2);
}

export function formatSsim(v: number | null | undefined): string {
  if (missing(v)) return MISSING;
  return v.toFixed(4);
}

export function formatPercent(fraction: number | null | undefined): string {
  if (missing(fraction)) return MISSING;
  return `${+(fraction * 100).toPrecision(4)}%`;
}

export function formatCompact(v: number | null | undefined): string {
  if (missing(v)) return MISSING;
  if (v === 0) return '0';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  const a = Math.abs(v);
  if (a >= 1e-4 && a < 1e6) return String(+v.toPrecision(4));
  return v
    .toExponential(3)
    .replace(/\.?0+e/, 'e')
    .replace('e+', 'e');
}

/** Integers with thin grouping for readability (12 345). */
export function formatCount(v: number | null | undefined): string {
  if (missing(v)) return MISSING;
  return Math.round(v)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}

/** A settings value of any scalar type. */
export function formatScalar(v: number | string | boolean | null | undefined): string {
  if (typeof v === 'number') return formatCompact(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (v === null || v === undefined || v === '') return MISSING;
  return v;
}

/** "2024-05-01 14:03 UTC" from an ISO time (as given when it does not parse). */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return MISSING;
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min" (shared with the progress lines of the CLI and the UI). */
export { formatDuration } from '@shared/progress-format';
