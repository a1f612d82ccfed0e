/**
 * What every `ct-audit reproduce` command reports (issue 12): the paper's numbers verbatim with their table or
 * figure, ours in the same units, the settings that differ and why, and a one-line verdict computed from the
 * comparisons (never written by hand). Pure data and functions, shared by the CLI, the engine and the UI.
 *
 * A comparison row carries its own rule, stated in words next to the numbers:
 *   within   the paper's value lies in our interval [lo, hi] (e.g. the 5-95% band over random draws, or our
 *            value +- a stated tolerance): reproduced, else differs
 *   atMost   our value is at most a bound (a claim that something is small): reproduced, else differs
 *   paired   the paper's value is a difference (method A minus method B, or smoothed minus perturbed) and ours
 *            is the mean of the same difference over slices with a paired test's two-sided p: reproduced when
 *            p < alpha and the signs agree, differs when p < alpha and they disagree, inconclusive otherwise
 * and a row is inconclusive when its measurement cannot decide (e.g. a run that had not converged), with
 * the reason. The overall verdict: differs if any row differs, else inconclusive if any row is, else reproduced.
 */

export type Verdict = 'reproduced' | 'differs' | 'inconclusive';

export interface PaperSource {
  /** e.g. 'papers/000' */
  paper: string;
  /** Where the numbers are printed: 'section 4.4, bullet list', 'Table 1 (a)', 'Figure 1'. */
  where: string;
  /** The paper's text, verbatim (one entry per line). */
  verbatim: string[];
}

export interface ComparisonRow {
  quantity: string;
  /** The paper's value, as a number, and its text. */
  paper: number;
  paperText: string;
  /** Our value (in the paper's units) and its text (e.g. "5.22 [4.41, 6.35] (5-95%, 3000 draws)"). */
  ours: number;
  oursText: string;
  unit: string;
  verdict: Verdict;
  /** The rule, in words, with its numbers (e.g. "paper value inside our 5-95% band [4.41, 6.35]"). */
  rule: string;
}

export interface SettingDifference {
  setting: string;
  paper: string;
  ours: string;
  why: string;
}

export interface ReproduceReport {
  experiment: string;
  source: PaperSource;
  rows: ComparisonRow[];
  differences: SettingDifference[];
  /** Measured explanations of the differences, one sentence each. */
  notes: string[];
  verdict: Verdict;
  /** The one-line verdict: "verdict: differs (kappa(B), kappa(B-hat) differ; 3 of 5 reproduced)". */
  verdictLine: string;
}

function fmt(v: number): string {
  return Number.isFinite(v) ? Number(v.toPrecision(4)).toString() : String(v);
}

/** Row rule: the paper's value inside our interval [lo, hi] (`band` names it, e.g. "5-95% band"). */
export function withinRow(
  base: Omit<ComparisonRow, 'verdict' | 'rule'>,
  lo: number,
  hi: number,
  band: string,
): ComparisonRow {
  const inside = base.paper >= lo && base.paper <= hi;
  return {
    ...base,
    verdict: inside ? 'reproduced' : 'differs',
    rule: `paper value ${inside ? 'inside' : 'outside'} our ${band} [${fmt(lo)}, ${fmt(hi)}]`,
  };
}

/** Row rule: our value at most `bound` (a claim that a quantity is small; `why` says where the bound comes from). */
export function atMostRow(
  base: Omit<ComparisonRow, 'verdict' | 'rule'>,
  bound: number,
  why: string,
): ComparisonRow {
  const ok = base.ours <= bound;
  return {
    ...base,
    verdict: ok ? 'reproduced' : 'differs',
    rule: `ours ${ok ? '<=' : '>'} ${fmt(bound)} (${why})`,
  };
}

/** Row rule: a paired difference tested over slices (file comment, "paired"). */
export function pairedRow(
  base: Omit<ComparisonRow, 'verdict' | 'rule'>,
  test: { p: number; n: number; name: string },
  alpha: number,
): ComparisonRow {
  const want = Math.sign(base.paper);
  const got = Math.sign(base.ours);
  const significant = test.p < alpha && got !== 0 && want !== 0;
  const verdict: Verdict = !significant ? 'inconclusive' : got === want ? 'reproduced' : 'differs';
  const sign = (v: number) => (v > 0 ? '+' : v < 0 ? '-' : '0');
  return {
    ...base,
    verdict,
    rule:
      `${test.name} over ${test.n} slices: p ${fmt(test.p)} ${test.p < alpha ? '<' : '>='} ${alpha}, ` +
      `sign ${sign(base.ours)} (paper ${sign(base.paper)})`,
  };
}

/** The row made inconclusive, with the reason (e.g. the run had not converged). */
export function inconclusive(row: ComparisonRow, reason: string): ComparisonRow {
  return { ...row, verdict: 'inconclusive', rule: `${row.rule}; inconclusive: ${reason}` };
}

/** Overall verdict: differs if any row differs, else inconclusive if any is, else reproduced. */
export function overallVerdict(rows: readonly ComparisonRow[]): Verdict {
  if (rows.length === 0) return 'inconclusive';
  if (rows.some((r) => r.verdict === 'differs')) return 'differs';
  if (rows.some((r) => r.verdict === 'inconclusive')) return 'inconclusive';
  return 'reproduced';
}

export function verdictLine(rows: readonly ComparisonRow[]): string {
  const v = overallVerdict(rows);
  const ok = rows.filter((r) => r.verdict === 'reproduced').length;
  const names = (k: Verdict) =>
    rows
      .filter((r) => r.verdict === k)
      .map((r) => r.quantity)
      .join(', ');
  const detail =
    v === 'differs'
      ? `${names('differs')} differ`
      : v === 'inconclusive'
        ? `${names('inconclusive')} inconclusive`
        : 'every compared number';
  return `verdict: ${v} (${detail}; ${ok} of ${rows.length} reproduced)`;
}

export function makeReport(r: Omit<ReproduceReport, 'verdict' | 'verdictLine'>): ReproduceReport {
  return { ...r, verdict: overallVerdict(r.rows), verdictLine: verdictLine(r.rows) };
}

/** The report as text lines: source and verbatim text, the table, differences, notes, verdict. */
export function formatReport(r: ReproduceReport): string[] {
  const out: string[] = [];
  out.push(`${r.experiment}: ${r.source.paper}, ${r.source.where}, verbatim:`);
  for (const l of r.source.verbatim) out.push(`  | ${l}`);
  const head = ['quantity', 'paper', 'ours', 'verdict', 'rule'];
  const cells = r.rows.map((x) => [
    x.quantity,
    x.paperText,
    `${x.oursText}${x.unit ? ` ${x.unit}` : ''}`,
    x.verdict,
    x.rule,
  ]);
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((s, i) => (i === c.length - 1 ? s : s.padEnd(w[i])))
      .join('  ')
      .trimEnd();
  out.push(line(head));
  for (const c of cells) out.push(line(c));
  if (r.differences.length > 0) {
    out.push('settings that differ from the paper:');
    for (const d of r.differences)
      out.push(`  - ${d.setting}: paper ${d.paper}; ours ${d.ours}. Why: ${d.why}`);
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  out.push(r.verdictLine);
  return out;
}
