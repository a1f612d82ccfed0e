/** Title block, plain-language summary and the key-numbers table (section 1). */
import type { ReportInput } from '@shared/report-input';
import { FONT } from './fonts';
import { formatCompact, formatPercent, formatPsnr, formatTime, formatValue, MISSING } from './format';
import { COLOR, TYPE, type ReportDoc } from './layout';
import { REPORT_SECTIONS } from './sections';
import {
  changeText,
  headlineNumbers,
  rmsHuText,
  summaryParagraphs,
  type HeadlineNumbers,
} from './summary-text';
import { drawTableWithCaption } from './table';

export function drawTitle(r: ReportDoc, input: ReportInput): void {
  const doc = r.doc;
  doc
    .font(FONT.bold)
    .fontSize(TYPE.title)
    .fillColor(COLOR.accent)
    .text(r.text(input.title), r.left, r.top, { width: r.width });
  if (input.subtitle) {
    doc.moveDown(0.15);
    doc
      .font(FONT.regular)
      .fontSize(11.5)
      .fillColor(COLOR.text)
      .text(r.text(input.subtitle), { width: r.width });
  }
  doc.moveDown(0.35);
  const meta = [
    `Created ${formatTime(input.createdAt)}`,
    `CT Audit ${input.appVersion}`,
    input.auditId ? `audit ${input.auditId}` : null,
    `${input.data.counts.slicesAudited} slices`,
    `${input.models.length} model${input.models.length === 1 ? '' : 's'}`,
    `patient identifiers ${input.phi.policy === 'include' ? 'included (opted in)' : 'excluded'}`,
  ].filter((s): s is string => s !== null);
  doc
    .font(FONT.regular)
    .fontSize(TYPE.small)
    .fillColor(COLOR.muted)
    .text(r.text(meta.join('  ·  ')), { width: r.width });
  doc.moveDown(0.6);
  r.body();
}

export function drawSummary(r: ReportDoc, input: ReportInput): void {
  r.section(REPORT_SECTIONS[0]);
  const p = summaryParagraphs(input);
  for (const group of [p.findings, p.certification])
    if (group.length > 0) r.paragraph(group.join(' '), { gap: 6 });
  if (p.caveats.length > 0) r.paragraph(p.caveats.join(' '), { size: 8.6, color: COLOR.muted, gap: 8 });
  const nums = headlineNumbers(input);
  const first = nums.find((n) => n.attacked)?.attacked;
  const epsText = first ? formatPercent(first.epsRelative) : formatPercent(input.summary.headlineEpsRelative);
  r.subheading('Key numbers', 60);
  drawTableWithCaption(
    r,
    [
      { header: 'Model', weight: 2.0 },
      { header: 'Clean error ρ̂(0)', weight: 1.0, align: 'right' },
      { header: `ρ̂ at ε = ${epsText} of ‖Ax‖₂`, weight: 1.15, align: 'right' },
      { header: 'Change', weight: 0.8, align: 'right' },
      { header: 'RMS clean (HU)', weight: 0.9, align: 'right' },
      { header: 'RMS attacked (HU)', weight: 0.95, align: 'right' },
      { header: 'PSNR clean (dB)', weight: 0.9, align: 'right' },
      { header: 'PSNR attacked (dB)', weight: 0.95, align: 'right' },
    ],
    nums.map((n) => [
      n.name,
      formatValue(n.clean?.rhoHat),
      formatValue(n.attacked?.rhoHat),
      n.clean && n.attacked ? changeText(n.clean.rhoHat, n.attacked.rhoHat) : MISSING,
      rmsHuText(input, n.clean?.rhoHat),
      rmsHuText(input, n.attacked?.rhoHat),
      formatPsnr(n.clean?.psnr),
      formatPsnr(n.attacked?.psnr),
    ]),
    'ρ̂: mean over slices of the worst-case reconstruction error ‖f(y′) − x‖₂ over the image, in canonical units (eq. 9 of papers/000); ' +
      `RMS: the same error per pixel in HU, 1000 ρ̂ / N with N = ${input.data.geometry.size}; PSNR: mean over slices. ` +
      'Section 4 gives every ε and the spread over slices.',
    { continuedLabel: 'Key numbers' },
  );
  drawCertificationKeyNumbers(r, nums);
}

/** The certified bound at the headline radius and sigma per model (section 5 has the whole table). */
function drawCertificationKeyNumbers(r: ReportDoc, nums: HeadlineNumbers[]): void {
  const certRows = nums.map((n) => n.cert).filter((c) => c !== null);
  if (certRows.length === 0) return;
  const certEps = new Set(certRows.map((c) => `${c.epsRelative}|${c.space}`));
  const certHeader =
    certEps.size === 1
      ? `Certified bound, ε = ${formatPercent(certRows[0].epsRelative)} of ${certRows[0].space === 'x' ? '‖x‖' : '‖Ax‖'}`
      : 'Certified bound';
  drawTableWithCaption(
    r,
    [
      { header: 'Model', weight: 2.0 },
      { header: 'σ', weight: 0.9, align: 'right' },
      { header: certHeader, weight: 1.6, align: 'right' },
      { header: 'Smoothed PSNR (dB)', weight: 1.15, align: 'right' },
      { header: 'Certified slices', weight: 1.0, align: 'right' },
    ],
    nums.map((n) => [
      n.name,
      formatCompact(n.sigma),
      n.cert
        ? n.cert.certifiedDiscrepancy === null
          ? 'abstain'
          : formatValue(n.cert.certifiedDiscrepancy)
        : MISSING,
      formatPsnr(n.cert?.smoothedPsnr),
      n.cert ? `${n.cert.certifiedSlices} / ${n.cert.slices}` : MISSING,
    ]),
    'Certified bound: mean over slices of the upper confidence bound on the median error of the smoothed reconstruction against the ' +
      'fixed reference at σ, valid for every measurement within ε of the attacked one (Corollary 3.2 of papers/002, section 8), at the ' +
      'radius closest to the headline ε (section 5). Errors are mean squared differences in canonical units.',
    { continuedLabel: 'Certification key numbers' },
  );
}
