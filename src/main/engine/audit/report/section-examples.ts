/** Worst-case examples (section 6: image panels) and the per-slice tables (section 7). */
import type { ReportInput } from '@shared/report-input';
import { formatCompact, formatPercent, formatPsnr, formatValue, MISSING } from './format';
import type { ReportDoc } from './layout';
import { drawWorstCase, PANELS_EXPLAINED } from './panels';
import { REPORT_SECTIONS } from './sections';
import { modelName } from './summary-text';
import { drawTable } from './table';

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
      `smoothing at the σ shown (${input.slices.some((s) => s.medianDiscrepancy !== null || s.certifiedDiscrepancy !== null) ? 'median and certified error against the fixed reference, ' : ''}PSNR of the smoothed reconstruction at the attacked input). ` +
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
