/**
 * Text helpers shared by the `ct-audit reproduce` subcommands (numbers in tables, the scope lines).
 */

/** A number to `digits` significant digits, 'n/a' for null or non-finite. */
export function fmt(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v)
    ? 'n/a'
    : Number(v.toPrecision(digits)).toString();
}

/** A fraction as a percentage ("1.2%"). */
export function pct(v: number, digits = 2): string {
  return `${Number((100 * v).toPrecision(digits))}%`;
}

/** What a preset can and cannot show, one line each. */
export function printScope(scope: readonly string[]): void {
  for (const s of scope) console.log(`scope: ${s}`);
}
