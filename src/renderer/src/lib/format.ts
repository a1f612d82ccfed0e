/** Number and size formatting for the UI (fixed precision, units spelled out). */
export function fmt(v: number | null | undefined, digits = 1): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  return v.toFixed(digits);
}

export function fmtMm(v: [number, number] | number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Array.isArray(v)) return v[0] === v[1] ? `${fmt(v[0], 3)} mm` : `${fmt(v[0], 3)} × ${fmt(v[1], 3)} mm`;
  return `${fmt(v, 2)} mm`;
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 ** 2).toFixed(1)} MiB`;
}

/** `digits` significant digits, plain notation from 0.001 to 1e6 (exponent outside): 0.000123, 12.3, 1.2e-5. */
export function fmtSig(v: number | null | undefined, digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e-3 && a < 1e6) return String(Number(v.toPrecision(digits)));
  return v.toExponential(digits - 1);
}

/** PSNR in dB with two decimals ("–" when undefined: identical images). */
export function fmtDb(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)} dB`;
}
