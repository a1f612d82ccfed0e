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
