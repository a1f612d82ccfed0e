/**
 * The plain-language summary (DESIGN.md section 6), generated from the numbers so it cannot drift from the
 * tables: for each model, how the mean reconstruction error rises under perturbations of the headline size,
 * which model is most robust there, what smoothing certifies at its sigma (honest about abstentions), and a
 * caveat when few slices were audited. Also the rows of the key-numbers table next to it.
 */
import type {
  ReportCertificationRow,
  ReportInput,
  ReportRhoHatCurve,
  ReportRhoHatPoint,
  ReportSmoothingRow,
} from '@shared/report-input';
import { l2ToRmsHu } from '@shared/units';
import { formatCompact, formatPercent, formatPsnr, formatValue } from './format';

/** Fewer audited slices than this earn a caveat in the summary. */
export const FEW_SLICES = 10;

export function modelName(input: ReportInput, id: string): string {
  return input.models.find((m) => m.id === id)?.name ?? id;
}

function closest<T extends { epsRelative: number }>(items: readonly T[], target: number): T | undefined {
  let best: T | undefined;
  for (const it of items) {
    if (!best || Math.abs(it.epsRelative - target) < Math.abs(best.epsRelative - target)) best = it;
  }
  return best;
}

/** The first curve of each model (the report's main attack), in model order. */
export function mainCurves(input: ReportInput): ReportRhoHatCurve[] {
  const out: ReportRhoHatCurve[] = [];
  for (const m of input.models) {
    const c = input.rhoHat.find((k) => k.model === m.id);
    if (c) out.push(c);
  }
  return out;
}

export interface HeadlineNumbers {
  model: string;
  name: string;
  clean: ReportRhoHatPoint | null;
  attacked: ReportRhoHatPoint | null;
  sigma: number | null;
  cert: ReportCertificationRow | null;
}

/** The sigma the summary speaks about for a model: requested, else the sweep's best, else the first row's. */
export function headlineSigma(input: ReportInput, model: string): number | null {
  const requested = input.summary.headlineSigma?.[model];
  if (requested !== undefined) return requested;
  const sweep = input.certification.sweeps.find((s) => s.model === model);
  if (sweep && sweep.bestSigma !== null) return sweep.bestSigma;
  return input.certification.rows.find((r) => r.model === model)?.sigma ?? null;
}

export function headlineNumbers(input: ReportInput): HeadlineNumbers[] {
  const h = input.summary.headlineEpsRelative;
  return input.models.map((m) => {
    const curve = input.rhoHat.find((c) => c.model === m.id);
    const clean = curve?.points.find((p) => p.epsRelative === 0) ?? null;
    const attacked = curve
      ? (closest(
          curve.points.filter((p) => p.epsRelative > 0),
          h,
        ) ?? null)
      : null;
    const sigma = headlineSigma(input, m.id);
    const rows = input.certification.rows.filter(
      (r) => r.model === m.id && r.sigma === sigma && r.epsRelative > 0,
    );
    const cert = closest(rows, h) ?? null;
    return { model: m.id, name: m.name, clean, attacked, sigma: cert ? sigma : null, cert };
  });
}

/** "+65.8%", "−3.0%", "unchanged" (the relative change of rho-hat). */
export function changeText(from: number, to: number): string {
  if (!(from > 0)) return '–';
  const pct = ((to - from) / from) * 100;
  if (Math.abs(pct) < 0.05) return 'unchanged';
  return `${pct > 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)}%`;
}

/** "a", "a and b", "a, b and c". */
function listText(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * An error ||.||_2 over the N x N image as the per-pixel RMS in HU, printed as the key-numbers table prints
 * it (the summary sentence and the table call this one function, so they agree on every digit).
 */
export function rmsHuText(input: ReportInput, l2: number | null | undefined): string {
  if (l2 === null || l2 === undefined) return formatValue(l2);
  const n = input.data.geometry.size;
  return formatValue(l2ToRmsHu(l2, n * n));
}

/**
 * Which method has the lowest rho-hat at the headline eps, hedged when the lead is small: under 1 % the
 * methods are called level, and a lead smaller than the interquartile range of the best method's Delta_max
 * over slices is said to be so. The rho-hat values are quoted as the tables print them.
 */
export function rankingSentence(withCurve: readonly HeadlineNumbers[]): string {
  const sorted = [...withCurve].sort(
    (a, b) => (a.attacked as ReportRhoHatPoint).rhoHat - (b.attacked as ReportRhoHatPoint).rhoHat,
  );
  const best = sorted[0];
  const next = sorted[1];
  const b = best.attacked as ReportRhoHatPoint;
  const n = next.attacked as ReportRhoHatPoint;
  const lead = n.rhoHat - b.rhoHat;
  const leadPct = b.rhoHat > 0 ? (lead / n.rhoHat) * 100 : 0;
  const values = `ρ̂ = ${formatValue(b.rhoHat)} against ${formatValue(n.rhoHat)}`;
  if (leadPct < 1) {
    return `At this size the ${withCurve.length} methods are practically level: the lowest mean error (${best.name}, ${values} for ${next.name}) is less than 1% below the next.`;
  }
  if (lead < b.spread.q3 - b.spread.q1) {
    return (
      `${best.name} has the lowest mean error at this size (${values} for ${next.name}, ${leadPct.toFixed(1)}% lower), but that lead is smaller ` +
      'than the spread of its errors over slices (interquartile range).'
    );
  }
  return `${best.name} is the most robust of the ${withCurve.length} methods at this size: its mean error is ${leadPct.toFixed(1)}% below that of ${next.name} (${values}).`;
}

/** The summary's sentences in three paragraphs: what the attack did, what is certified, caveats and notes. */
export interface SummaryParagraphs {
  findings: string[];
  certification: string[];
  caveats: string[];
}

/** The summary as a flat list of sentences. */
export function plainLanguageSummary(input: ReportInput): string[] {
  const p = summaryParagraphs(input);
  return [...p.findings, ...p.certification, ...p.caveats];
}

/** The summary paragraphs (the report prints each group as one paragraph). */
export function summaryParagraphs(input: ReportInput): SummaryParagraphs {
  const out: SummaryParagraphs = { findings: [], certification: [], caveats: [] };
  const nums = headlineNumbers(input);
  const withCurve = nums.filter((n) => n.attacked);
  if (withCurve.length > 0) {
    const eps = (withCurve[0].attacked as ReportRhoHatPoint).epsRelative;
    const parts = withCurve.map((n) => {
      const a = n.attacked as ReportRhoHatPoint;
      const at = a.epsRelative !== eps ? ` (at ${formatPercent(a.epsRelative)})` : '';
      if (!n.clean) return `to ${formatValue(a.rhoHat)} for ${n.name}${at}`;
      return `from ${formatValue(n.clean.rhoHat)} to ${formatValue(a.rhoHat)} (${changeText(n.clean.rhoHat, a.rhoHat)}) for ${n.name}${at}`;
    });
    const kinds = [...new Set(input.rhoHat.map((c) => c.attack.kind))];
    const attacks = kinds.length === 1 ? `the ${kinds[0]} attack` : `the ${listText(kinds)} attacks`;
    out.findings.push(
      `Under worst-case measurement perturbations of ${formatPercent(eps)} of the signal ‖Ax‖₂ (${attacks} searched, for each slice, ` +
        'the perturbation of that size that hurts the reconstruction most), the mean reconstruction error ρ̂ (‖f(y′) − x‖₂ over the image ' +
        `in canonical units; the key numbers give it per pixel in HU) rises ${listText(parts)}.`,
    );
    if (withCurve.length > 1) out.findings.push(rankingSentence(withCurve));
    const gradientFree = input.rhoHat.filter((c) => c.attack.kind.startsWith('spsa')).map((c) => c.model);
    if (gradientFree.length > 0) {
      const names = input.models.filter((m) => gradientFree.includes(m.id)).map((m) => m.name);
      out.findings.push(
        `${listText(names)} ${names.length === 1 ? 'is a black-box model' : 'are black-box models'}: the attack on ${names.length === 1 ? 'it' : 'them'} ` +
          'estimated gradients from forward passes only (spsa), so its worst cases are looser lower bounds, and a ranking against models ' +
          'attacked with exact gradients favours the black-box model.',
      );
    }
  }
  // Certificates at the headline radius (papers/002 Table 1): perturbed vs smoothed vs certified PSNR.
  const table = input.certification.table ?? [];
  if (table.length > 0) {
    const h = input.summary.headlineEpsRelative;
    const at = input.models
      .map((m) =>
        closest(
          table
            .filter((t) => t.model === m.id && (t.epsRelative ?? 0) > 0)
            .map((t) => ({ ...t, epsRelative: t.epsRelative ?? 0 })),
          h,
        ),
      )
      .filter((t): t is ReportSmoothingRow & { epsRelative: number } => t !== undefined);
    const certified = at.filter((t) => t.certifiedPsnr !== null);
    if (certified.length > 0) {
      const t0 = certified[0];
      const radius = `ε = ${t0.epsSpec}${t0.epsHu !== null && !t0.epsSpec.endsWith('HU') ? ` (${formatCompact(t0.epsHu)} HU-equivalent RMS)` : ''}`;
      const parts = certified.map(
        (t) =>
          `${formatPsnr(t.certifiedPsnr)} dB for ${modelName(input, t.model)} (σ = ${t.sigmaText}; ${formatPsnr(t.perturbedPsnr)} dB perturbed, ${formatPsnr(t.smoothedPsnr)} dB smoothed)`,
      );
      out.certification.push(
        `At the attacked inputs of radius ${radius}, randomized smoothing certifies a PSNR of at least ${listText(parts)}.`,
      );
    }
    const none = at.filter((t) => t.certifiedPsnr === null);
    if (none.length > 0) {
      out.certification.push(
        `No σ certified every slice at that radius for ${listText(none.map((t) => modelName(input, t.model)))}${none[0].reason ? ` (${none[0].reason})` : ''}.`,
      );
    }
    if (input.certification.statement) out.certification.push(input.certification.statement);
  }
  if (withCurve.length === 0 && nums.every((x) => !x.cert)) {
    out.findings.push(
      `This audit holds no attack or certification results for the ${input.models.length} model${input.models.length === 1 ? '' : 's'} listed; ` +
        'the sections below describe the models and the data only.',
    );
  }
  const n = input.data.counts.slicesAudited;
  if (n < FEW_SLICES) {
    out.caveats.push(
      `These figures come from ${n} slice${n === 1 ? '' : 's'} only; differences between methods smaller than the spread over slices (section 4) may not be meaningful.`,
    );
  }
  out.caveats.push(...(input.summary.notes ?? []));
  return out;
}
