/**
 * The measured results: rho-hat(eps) curves (section 4), the certification table and sigma sweep
 * (section 5), worst-case panels (section 6) and the per-slice table (section 7).
 */
import type { EChartsOption } from 'echarts';
import {
  DEFAULT_CHART_TEXT,
  legendRows,
  rhoHatChartOption,
  sigmaSweepChartOption,
  type ChartModel,
} from '@shared/charts';
import type { ReportCertificationRow, ReportInput } from '@shared/report-input';
import { drawSvg, renderChartSvg } from './chart-svg';
import {
  formatCompact,
  formatPercent,
  formatPsnr,
  formatScalar,
  formatSsim,
  formatValue,
  MISSING,
} from './format';
import type { ReportDoc } from './layout';
import { l2ToRmsHu } from '@shared/units';
import { drawWorstCase, PANELS_EXPLAINED } from './panels';
import { REPORT_SECTIONS } from './sections';
import { modelName } from './summary-text';
import { drawTable, type TableColumn } from './table';

const CHART_HEIGHT = 265;

function chartModels(r: ReportDoc, input: ReportInput): ChartModel[] {
  return input.models.map((m) => ({ id: m.id, name: r.text(m.name), kind: m.kind }));
}

/** Height for a chart whose legend has `names`: the base height plus the rows the legend wraps into. */
function chartHeight(r: ReportDoc, names: readonly string[]): number {
  return CHART_HEIGHT + Math.max(0, legendRows(names, r.width, DEFAULT_CHART_TEXT.fontSize) - 1) * 17;
}

/** Shortest a chart may get to fill the rest of a page instead of leaving it empty. */
const CHART_MIN_HEIGHT = 200;

/**
 * A chart with its caption under it, kept together: drawn at `height`, or shorter (down to
 * CHART_MIN_HEIGHT) when that fills the rest of the page, else on the next page.
 */
function chart(r: ReportDoc, option: EChartsOption, height: number, caption: string): void {
  const cap = r.captionHeight(caption);
  const fits = r.remaining - cap - 4;
  const h = fits >= height ? height : fits >= CHART_MIN_HEIGHT ? fits : height;
  r.ensureSpace(h + cap + 4);
  drawSvg(r.doc, renderChartSvg(option, r.width, h), r.left, r.y, r.width, h);
  r.y = r.y + h + 4;
  r.caption(caption);
}

/** The norm a relative radius refers to: ||x|| for image-space smoothing, ||A x|| for measurement space. */
function relNorm(space: 'x' | 'y'): string {
  return space === 'x' ? '‖x‖' : '‖Ax‖';
}

const allSame = <T>(values: readonly T[]): boolean => values.every((v) => v === values[0]);

/** The certification table; settings shared by every row (ε, c, S) are stated once above it. */
function drawCertificationTable(r: ReportDoc, input: ReportInput): void {
  const rows = input.certification.rows;
  const space = rows[0].space;
  const sameSpace = allSame(rows.map((x) => x.space));
  const sameC = allSame(rows.map((x) => x.confidence));
  const sameS = allSame(rows.map((x) => x.samples));
  // One table per certified radius: the radius goes into a line above it instead of two narrow columns.
  const groups = new Map<string, ReportCertificationRow[]>();
  for (const row of rows) {
    const key = `${row.eps}|${row.epsRelative}|${row.space}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  const epsText = (x: ReportCertificationRow) =>
    `ε = ${formatCompact(x.eps)} (${formatPercent(x.epsRelative)} of ${relNorm(x.space)})`;
  const shared = [
    groups.size === 1 ? epsText(rows[0]) : null,
    sameC ? `confidence c = ${formatCompact(rows[0].confidence)}` : null,
    sameS ? `S = ${rows[0].samples} samples per slice` : null,
    sameSpace
      ? `smoothing noise in ${space === 'x' ? 'image space (entering as Aδ, as in papers/002)' : 'measurement space'}`
      : null,
  ].filter((t): t is string => t !== null);
  if (shared.length > 0) r.paragraph(`All rows: ${shared.join('; ')}.`, { size: 8.5, gap: 4 });
  type Col = { col: TableColumn; cell: (row: ReportCertificationRow) => string };
  const cols: (Col | null)[] = [
    { col: { header: 'Model', weight: 1.75 }, cell: (x) => modelName(input, x.model) },
    { col: { header: 'σ', weight: 0.95, align: 'right' }, cell: (x) => formatCompact(x.sigma) },
    sameC
      ? null
      : { col: { header: 'c', weight: 0.55, align: 'right' }, cell: (x) => formatCompact(x.confidence) },
    sameS ? null : { col: { header: 'S', weight: 0.6, align: 'right' }, cell: (x) => String(x.samples) },
    { col: { header: 'p = Φ(ε/σ)', weight: 0.9, align: 'right' }, cell: (x) => formatLevel(x.p) },
    {
      col: { header: 'K', weight: 0.5, align: 'right' },
      cell: (x) => (x.k === null ? MISSING : String(x.k)),
    },
    {
      col: { header: 'Median D₀.₅', weight: 0.95, align: 'right' },
      cell: (x) => formatValue(x.medianDiscrepancy),
    },
    {
      col: { header: 'Certified bound', weight: 0.95, align: 'right' },
      cell: (x) => (x.certifiedDiscrepancy === null ? 'abstain' : formatValue(x.certifiedDiscrepancy)),
    },
    {
      col: { header: 'Smoothed\nPSNR (dB)', weight: 0.98, align: 'right' },
      cell: (x) => formatPsnr(x.smoothedPsnr),
    },
    {
      col: { header: 'Smoothed\nSSIM', weight: 0.98, align: 'right' },
      cell: (x) => formatSsim(x.smoothedSsim),
    },
    {
      col: { header: 'Certified\nslices', weight: 0.95, align: 'right' },
      cell: (x) => `${x.certifiedSlices} / ${x.slices}`,
    },
  ];
  const used = cols.filter((c): c is Col => c !== null);
  for (const group of groups.values()) {
    if (groups.size > 1) r.subheading(`Certified radius ${epsText(group[0])}`, 70);
    drawTable(
      r,
      used.map((c) => c.col),
      group.map((row) => used.map((c) => c.cell(row))),
      { continuedLabel: groups.size > 1 ? `Certification, ${epsText(group[0])}` : 'Certification' },
    );
  }
  r.caption(
    'Median D₀.₅ and certified bound: means over slices (the bound over the certified slices only); discrepancies are the ' +
      `${input.definitions.discrepancyLoss ?? 'normalized MSE (1/n)‖a − b‖²'} in canonical units. p: the certified quantile level; ` +
      'K: rank of the order statistic among the S sorted samples.',
  );
  // Abstentions grouped by their reason (the reason depends on ε/σ, c and S, not on the model).
  const byReason = new Map<string, { models: string[]; sigmas: Set<number> }>();
  for (const row of rows) {
    for (const a of row.abstentions) {
      const e = byReason.get(a.reason) ?? { models: [], sigmas: new Set<number>() };
      e.models.push(`${modelName(input, row.model)} (${a.count} of ${row.slices})`);
      e.sigmas.add(row.sigma);
      byReason.set(a.reason, e);
    }
  }
  if (byReason.size > 0) {
    r.subheading('Abstentions', 30);
    r.bullets(
      [...byReason.entries()].map(
        ([reason, e]) =>
          `σ = ${[...e.sigmas].map(formatCompact).join(', ')}: ${reason}. Slices: ${e.models.join(', ')}.`,
      ),
      8.2,
    );
  }
}

/** A quantile level close to 1 keeps its distance from 1 visible: 0.9938, 1 − 2.9e-7. */
export function formatLevel(p: number): string {
  if (p < 0.9999) return p.toFixed(4);
  return `1 − ${(1 - p).toExponential(1).replace('e+', 'e')}`;
}

export function drawRobustness(r: ReportDoc, input: ReportInput): void {
  r.section(REPORT_SECTIONS[3], CHART_MIN_HEIGHT + 60);
  r.paragraph(
    'For every slice and every perturbation size ε the attack searches the measurement perturbation δ with ‖δ‖₂ ≤ ε that ' +
      'maximizes the reconstruction error ‖f(y + δ) − x‖₂ (Δmax, eq. 8 of papers/000); ρ̂(ε) is its mean over slices (eq. 9). ' +
      'ε is shown relative to the norm of the clean measurement ‖Ax‖₂. Lower curves mean more robust reconstructions.',
  );
  if (input.rhoHat.length === 0) {
    r.paragraph('No attack was run in this audit.');
    return;
  }
  const models = chartModels(r, input);
  const rhoOption = rhoHatChartOption(input.rhoHat, models, {
    band: 'range',
    spread: 'bars',
    width: r.width,
  });
  chart(
    r,
    rhoOption,
    chartHeight(r, (rhoOption.legend as { data: string[] }).data),
    'ρ̂(ε) per model: the mean of Δmax over slices at each audited ε (points; one line style and symbol per model). ' +
      'Error bars: the smallest to the largest Δmax over the slices, drawn a few points apart sideways so that they do not hide each other. ' +
      'Errors in canonical units (attenuation relative to water; ‖·‖₂ over all pixels; divide by N and multiply by 1000 for the per-pixel RMS in HU).',
  );
  // The attack settings, said once when every curve shares them.
  const attackText = (c: ReportInput['rhoHat'][number]) => {
    const settings = Object.entries(c.attack.settings)
      .map(([k, v]) => `${k} ${formatScalar(v)}`)
      .join(', ');
    return (
      `${c.attack.kind} attack in ${c.attack.space === 'y' ? 'measurement' : c.attack.space === 'x' ? 'image' : 'operator'} space` +
      `${settings ? `; ${settings}` : ''}.`
    );
  };
  const texts = input.rhoHat.map(attackText);
  if (allSame(texts)) r.leadParagraph('Attack (every model):', texts[0], { size: 8.2, gap: 2 });
  else
    input.rhoHat.forEach((c, i) =>
      r.leadParagraph(`${modelName(input, c.model)}:`, texts[i], { size: 8.2, gap: 2 }),
    );
  r.moveDown(4);
  const n = input.data.geometry.size;
  // "ε as given" only where it says more than the relative column (absolute radii, or rounding).
  const givenDiffers = input.rhoHat.some((c) =>
    c.points.some((p) => p.epsRelative > 0 && p.spec !== formatPercent(p.epsRelative)),
  );
  type Col = {
    col: TableColumn;
    cell: (c: ReportInput['rhoHat'][number], p: ReportInput['rhoHat'][number]['points'][number]) => string;
  };
  const cols: (Col | null)[] = [
    { col: { header: 'Model', weight: 2.1 }, cell: (c) => modelName(input, c.model) },
    givenDiffers ? { col: { header: 'ε as given', weight: 0.85 }, cell: (_c, p) => p.spec } : null,
    {
      col: { header: 'ε / ‖Ax‖', weight: 0.8, align: 'right' },
      cell: (_c, p) => formatPercent(p.epsRelative),
    },
    {
      col: { header: 'ε absolute (mean)', weight: 1.0, align: 'right' },
      cell: (_c, p) => formatValue(p.eps),
    },
    { col: { header: 'ρ̂(ε)', weight: 0.85, align: 'right' }, cell: (_c, p) => formatValue(p.rhoHat) },
    {
      col: { header: 'ρ̂ as RMS (HU)', weight: 0.9, align: 'right' },
      cell: (_c, p) => formatValue(l2ToRmsHu(p.rhoHat, n * n)),
    },
    { col: { header: 'Min', weight: 0.8, align: 'right' }, cell: (_c, p) => formatValue(p.spread.min) },
    { col: { header: 'Median', weight: 0.8, align: 'right' }, cell: (_c, p) => formatValue(p.spread.median) },
    { col: { header: 'Max', weight: 0.8, align: 'right' }, cell: (_c, p) => formatValue(p.spread.max) },
    { col: { header: 'Mean PSNR (dB)', weight: 0.9, align: 'right' }, cell: (_c, p) => formatPsnr(p.psnr) },
    { col: { header: 'n', weight: 0.4, align: 'right' }, cell: (_c, p) => String(p.slices) },
  ];
  const used = cols.filter((c): c is Col => c !== null);
  drawTable(
    r,
    used.map((c) => c.col),
    input.rhoHat.flatMap((c) => c.points.map((p) => used.map((col) => col.cell(c, p)))),
    { continuedLabel: 'ρ̂(ε)' },
  );
}

export function drawCertification(r: ReportDoc, input: ReportInput): void {
  const cert = input.certification;
  r.section(REPORT_SECTIONS[4]);
  r.paragraph(
    'Randomized smoothing adds Gaussian noise of level σ to the input S times and looks at the discrepancy between the noisy and the ' +
      'noise-free reconstruction (eq. 6 of papers/002). Its median D₀.₅ is estimated from the S samples; by Corollary 3.2 (eq. 7) the ' +
      'Φ(ε/σ)-quantile of the discrepancy without attack bounds the median under any perturbation of norm ≤ ε, and an order statistic of the ' +
      'samples bounds that quantile with confidence c (section 8). When S is too small for ε/σ and c, the certifier abstains and says why.',
  );
  if (cert.rows.length === 0) {
    r.paragraph('Certification was not run in this audit.');
  } else {
    drawCertificationTable(r, input);
  }
  if (cert.sweeps.length > 0) {
    r.subheading('Sigma sweep', CHART_MIN_HEIGHT + 40);
    const s0 = cert.sweeps[0];
    r.paragraph(
      `Larger σ drowns larger perturbations (smaller ε/σ, a certificate with fewer samples) but blurs the reconstruction. The sweep certifies ` +
        `ε = ${formatCompact(s0.eps)} (${formatPercent(s0.epsRelative)} of ${relNorm(s0.space ?? 'x')}) at confidence ${formatCompact(s0.confidence)} ` +
        `with S = ${s0.samples} samples per slice.`,
    );
    const sweepOption = sigmaSweepChartOption(cert.sweeps, chartModels(r, input), { width: r.width });
    chart(
      r,
      sweepOption,
      chartHeight(r, (sweepOption.legend as { data: string[] }).data),
      'Solid: mean certified bound (left axis); dashed: mean PSNR of the smoothed reconstructions (right axis); diamond: best σ ' +
        '(highest mean PSNR of the certified reconstructions). A gap means some slice abstained at that σ.',
    );
    const best = cert.sweeps.map(
      (s) =>
        `${modelName(input, s.model)}: ${s.bestSigma === null ? `no best σ (${s.bestReason ?? 'no sigma certified every slice'})` : `best σ = ${formatCompact(s.bestSigma)}`}`,
    );
    r.paragraph(best.join('; ') + '.', { size: 8.5 });
    drawTable(
      r,
      [
        { header: 'Model', weight: 2 },
        { header: 'σ', weight: 0.8, align: 'right' },
        { header: 'Certified bound', weight: 1.1, align: 'right' },
        { header: 'Smoothed PSNR (dB)', weight: 1.1, align: 'right' },
        { header: 'Certified PSNR (dB)', weight: 1.1, align: 'right' },
        { header: 'Abstained slices', weight: 0.9, align: 'right' },
        { header: 'Best', weight: 0.5, align: 'center' },
      ],
      cert.sweeps.flatMap((s) =>
        s.points.map((p) => [
          modelName(input, s.model),
          formatCompact(p.sigma),
          p.certifiedDiscrepancy === null ? 'abstain' : formatValue(p.certifiedDiscrepancy),
          formatPsnr(p.smoothedPsnr),
          formatPsnr(p.certifiedPsnr),
          String(p.abstained),
          s.bestSigma === p.sigma ? '◆' : '',
        ]),
      ),
      { continuedLabel: 'Sigma sweep' },
    );
  }
}

export function drawWorstCases(r: ReportDoc, input: ReportInput): void {
  // The heading stays with the explanation only: the blocks that follow may start on the next page, so
  // that the end of section 5 does not leave half a page empty.
  r.section(REPORT_SECTIONS[5], r.heightOf(PANELS_EXPLAINED, r.width, 8.6));
  r.paragraph(PANELS_EXPLAINED, { size: 8.6 });
  if (input.worstCases.length === 0) r.paragraph('No image panels were saved in this audit.');
  for (const wc of input.worstCases) drawWorstCase(r, wc, modelName(input, wc.model));
}

export function drawSlices(r: ReportDoc, input: ReportInput): void {
  r.section(REPORT_SECTIONS[6]);
  r.paragraph(
    'One table per model, one row per slice and ε. Δ clean = ‖f(y) − x‖₂; Δmax = the worst-case error found by the attack; PSNR in dB; ' +
      `smoothing at the σ shown (${input.slices.some((s) => s.medianDiscrepancy !== null || s.certifiedDiscrepancy !== null) ? 'median and certified discrepancy, ' : ''}PSNR of the smoothed reconstruction at the attacked input). ` +
      'Slices are labelled without patient identifiers.',
  );
  if (input.slices.length === 0) {
    r.paragraph('No per-slice results.');
    return;
  }
  const reasons: string[] = [];
  const mark = (reason: string): string => {
    let i = reasons.indexOf(reason);
    if (i < 0) i = reasons.push(reason) - 1;
    return `abstain [${i + 1}]`;
  };
  // One table per model (in model order), so the numbers get the width.
  for (const m of input.models) {
    const rows = input.slices.filter((s) => s.model === m.id);
    if (rows.length === 0) continue;
    r.subheading(m.name, 90);
    drawTable(
      r,
      [
        { header: 'Slice', weight: 2.0 },
        { header: 'ε / ‖Ax‖', weight: 0.65, align: 'right' },
        { header: 'Δ clean', weight: 0.72, align: 'right' },
        { header: 'Δmax', weight: 0.72, align: 'right' },
        { header: 'PSNR\nclean', weight: 0.72, align: 'right' },
        { header: 'PSNR\nattacked', weight: 0.82, align: 'right' },
        { header: 'σ', weight: 0.8, align: 'right' },
        { header: 'Median D₀.₅', weight: 0.9, align: 'right' },
        { header: 'Certified bound', weight: 0.95, align: 'right' },
        { header: 'PSNR\nsmoothed', weight: 0.95, align: 'right' },
      ],
      rows.map((s) => [
        s.slice,
        formatPercent(s.epsRelative),
        formatValue(s.cleanError),
        formatValue(s.perturbedError),
        formatPsnr(s.cleanPsnr),
        formatPsnr(s.perturbedPsnr),
        formatCompact(s.sigma),
        formatValue(s.medianDiscrepancy),
        s.certifiedDiscrepancy !== null
          ? formatValue(s.certifiedDiscrepancy)
          : s.abstainReason
            ? mark(s.abstainReason)
            : MISSING,
        formatPsnr(s.smoothedPsnr),
      ]),
      { continuedLabel: `Per-slice results, ${m.name}`, fontSize: 7.1, dropEmptyColumns: true },
    );
  }
  if (reasons.length > 0)
    r.bullets(
      reasons.map((t, i) => `[${i + 1}] ${t}`),
      7.8,
    );
}
