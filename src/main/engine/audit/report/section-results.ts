/**
 * Certification by randomized smoothing (section 5): the certification table and the sigma sweep. (Section
 * 4 is section-robustness.ts, sections 6-7 section-examples.ts, the chart helpers figure.ts.)
 */
import { sigmaSweepChartOption } from '@shared/charts';
import type { ReportCertificationRow, ReportInput, ReportSmoothingRow } from '@shared/report-input';
import { allSame, chart, chartHeight, chartModels, CHART_MIN_HEIGHT } from './figure';
import { formatCompact, formatPercent, formatPsnr, formatSsim, formatValue, MISSING } from './format';
import type { ReportDoc } from './layout';
import { REPORT_SECTIONS } from './sections';
import { modelName } from './summary-text';
import { drawTable, type TableColumn } from './table';

/** The norm a relative radius refers to: ||x|| for image-space smoothing, ||A x|| for measurement space. */
function relNorm(space: 'x' | 'y'): string {
  return space === 'x' ? '‖x‖' : '‖Ax‖';
}

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
    { col: { header: 'σ (per element)', weight: 0.95, align: 'right' }, cell: (x) => formatCompact(x.sigma) },
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
      col: { header: 'Median error', weight: 0.95, align: 'right' },
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
    'Median D₀.₅ and certified bound: means over slices (the bound over the certified slices only) of the smoothed error against the fixed reference, the ' +
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

/** papers/002 Table 1: per model and attacked radius, perturbed / smoothed / certified PSNR at the best sigma. */
function drawSmoothingTable(r: ReportDoc, input: ReportInput, table: ReportSmoothingRow[]): void {
  const radius = (x: ReportSmoothingRow) =>
    [
      x.epsSpec,
      x.epsHu !== null && !x.epsSpec.endsWith('HU') ? `${formatCompact(x.epsHu)} HU` : null,
      x.epsRelative !== null && !x.epsSpec.endsWith('%') ? formatPercent(x.epsRelative) : null,
    ]
      .filter(Boolean)
      .join(' = ');
  drawTable(
    r,
    [
      { header: 'Model', weight: 1.3 },
      { header: 'Radius ε', weight: 1.35 },
      { header: 'Perturbed\nPSNR (σ = 0)', weight: 1.05, align: 'right' },
      { header: 'Best σ', weight: 1.45, align: 'right' },
      { header: 'Smoothed\nPSNR', weight: 0.95, align: 'right' },
      { header: 'Certified\nPSNR', weight: 0.95, align: 'right' },
      { header: 'Certified\nbound (MSE)', weight: 1, align: 'right' },
      { header: 'Certified\nslices', weight: 1, align: 'right' },
    ],
    table.map((x) => [
      modelName(input, x.model),
      radius(x),
      formatPsnr(x.perturbedPsnr),
      x.sigmaText === null
        ? 'none'
        : `${x.sigmaText}${x.sigmaHu !== null ? ` (${formatCompact(x.sigmaHu)} HU)` : ''}`,
      formatPsnr(x.smoothedPsnr),
      x.certifiedPsnr === null ? 'abstain' : formatPsnr(x.certifiedPsnr),
      formatValue(x.certifiedBound),
      `${x.certifiedSlices} / ${x.slices}`,
    ]),
    { continuedLabel: 'Smoothing and certificates per radius' },
  );
  r.caption(
    'Means over slices, PSNR in dB against the reference slice. Perturbed: f(y′) at the attack’s worst case, no smoothing. Smoothed: the ' +
      'median-error sample of f(y′ + δ) at the best σ (the σ whose certified reconstructions have the highest mean PSNR with every slice ' +
      'certified). Certified PSNR: 10 log₁₀(R²/bound) — the smoothed median error at every input within ε is at most the bound. σ is per ' +
      'element of the perturbation’s space; “eps/k” means σ = ε/k.',
  );
  const reasons = [...new Set(table.filter((x) => x.reason).map((x) => x.reason as string))];
  if (reasons.length > 0)
    r.bullets(
      reasons.map((x) => `No σ certified every slice: ${x}.`),
      8.2,
    );
}

export function drawCertification(r: ReportDoc, input: ReportInput): void {
  const cert = input.certification;
  r.section(REPORT_SECTIONS[4]);
  r.paragraph(
    'At every radius the attack was run at, randomized smoothing adds Gaussian noise of level σ to the attacked input S times (papers/002, ' +
      'Algorithm 3): the sample whose error is the median is the smoothed estimate, and an order statistic of the S errors bounds the ' +
      'Φ(ε/σ)-quantile, which by the percentile-smoothing lemma (Corollary 3.2) bounds the smoothed median error at every input within ε. ' +
      'The error is measured against a fixed reference, as the lemma requires (section 8). When S is too small for ε/σ and c, the ' +
      'certifier abstains and says how many samples it would need.',
  );
  if (cert.statement) r.paragraph(cert.statement, { size: 9 });
  if (cert.rows.length === 0) {
    r.paragraph('Certification was not run in this audit.');
  } else {
    if (cert.table && cert.table.length > 0) drawSmoothingTable(r, input, cert.table);
    r.subheading('Every σ', 70);
    drawCertificationTable(r, input);
  }
  if (cert.sweeps.length > 0) {
    r.subheading('Sigma sweep', 90);
    const s0 = cert.sweeps[0];
    r.paragraph(
      `Larger σ drowns larger perturbations (smaller ε/σ, a certificate with fewer samples) but blurs the reconstruction. The sweep certifies ` +
        `ε = ${formatCompact(s0.eps)} (${formatPercent(s0.epsRelative)} of ${relNorm(s0.space ?? 'x')}) at confidence ${formatCompact(s0.confidence)} ` +
        `with S = ${s0.samples} samples per slice.`,
    );
    const sweepOption = sigmaSweepChartOption(cert.sweeps, chartModels(r, input), { width: r.width });
    const sweepCaption =
      'Solid: mean certified bound (left axis); dashed: mean PSNR of the smoothed reconstructions (right axis); diamond: best σ ' +
      '(highest mean PSNR of the certified reconstructions). A gap means some slice abstained at that σ.';
    const sweepHeight = chartHeight(r, (sweepOption.legend as { data: string[] }).data);
    const drawSweepChart = () => chart(r, sweepOption, sweepHeight, sweepCaption);
    const drawSweepNumbers = () => {
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
    };
    // Like section 4's chart: here when it fits, else the numbers first so that the page is not left half empty.
    if (r.remaining >= CHART_MIN_HEIGHT + r.captionHeight(sweepCaption) + 4) {
      drawSweepChart();
      drawSweepNumbers();
    } else {
      drawSweepNumbers();
      drawSweepChart();
    }
  }
}
