/**
 * report: the audit's PDF (DESIGN.md section 6), built in Node with pdfkit so the CLI and the app produce the
 * same file.
 *
 *   buildReport(input: ReportInput, outPath) -> writes outPath atomically (temp name, then rename)
 *   renderReport(input) -> the PDF bytes
 *
 * Sections (REPORT_SECTIONS): summary with key numbers, model cards, data (de-identified), rho-hat(eps) curves,
 * certification table and sigma sweep, worst-case panels, per-slice table, definitions, reproducibility.
 * Charts come from src/shared/charts (rendered to SVG, embedded as vectors); images are PNG panels with
 * colour bars. Every string passes the Redactor (phi.ts).
 */
import type { ReportInput } from '@shared/report-input';
import { InputError } from '@shared/errors';
import { writeFileAtomic } from '../../io/npy';
import { ReportDoc } from './layout';
import { Redactor } from './phi';
import { drawDefinitions, drawReproducibility } from './section-appendix';
import { drawData, drawModels } from './section-models-data';
import { drawSlices, drawWorstCases } from './section-examples';
import { drawCertification } from './section-results';
import { drawRobustness } from './section-robustness';
import { drawSummary, drawTitle } from './section-summary';

export { REPORT_SECTIONS } from './sections';
export type { ReportSectionName } from './sections';
export * from './format';
export { Redactor, hashedPath, REDACTED } from './phi';
export {
  plainLanguageSummary,
  summaryParagraphs,
  headlineNumbers,
  rankingSentence,
  rmsHuText,
} from './summary-text';
export { REFERENCES, citeText } from './citations';
export { windowStatement } from './panels';
export { renderChartSvg } from './chart-svg';

function checkInput(input: ReportInput): void {
  const ids = new Set(input.models.map((m) => m.id));
  const unknown = [
    ...input.rhoHat.map((c) => c.model),
    ...input.certification.rows.map((c) => c.model),
    ...input.certification.sweeps.map((c) => c.model),
    ...input.worstCases.map((c) => c.model),
    ...input.slices.map((c) => c.model),
  ].filter((id) => !ids.has(id));
  if (unknown.length > 0) {
    throw new InputError(
      `report: results refer to model ${unknown[0]}, which is not among the models (${[...ids].join(', ')})`,
    );
  }
  for (const wc of input.worstCases) {
    const n = wc.size * wc.size;
    for (const [name, img] of [
      ['reference', wc.reference],
      ['clean', wc.clean],
      ['perturbed', wc.perturbed],
      ['smoothed', wc.smoothed],
    ] as const) {
      if (img && img.length !== n) {
        throw new InputError(
          `report: worst case ${wc.model}/${wc.slice}: ${name} has ${img.length} values, expected ${wc.size} x ${wc.size}`,
        );
      }
    }
    const p = wc.perturbation;
    if (p.data.length !== p.views * p.detectors) {
      throw new InputError(
        `report: worst case ${wc.model}/${wc.slice}: the perturbation has ${p.data.length} values, expected ${p.views} x ${p.detectors}`,
      );
    }
  }
}

/** The report as PDF bytes. */
export async function renderReport(input: ReportInput): Promise<Uint8Array> {
  checkInput(input);
  const r = new ReportDoc(input, new Redactor(input.phi));
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    r.doc.on('data', (c: Buffer) => chunks.push(c));
    r.doc.on('end', () => resolve(Buffer.concat(chunks)));
    r.doc.on('error', reject);
  });
  drawTitle(r, input);
  drawSummary(r, input);
  drawModels(r, input);
  drawData(r, input);
  drawRobustness(r, input);
  drawCertification(r, input);
  drawWorstCases(r, input);
  drawSlices(r, input);
  drawDefinitions(r, input);
  drawReproducibility(r, input);
  r.finish();
  r.doc.end();
  return done;
}

/** Build the report and write it to `outPath` atomically. */
export async function buildReport(input: ReportInput, outPath: string): Promise<void> {
  const bytes = await renderReport(input);
  await writeFileAtomic(outPath, bytes);
}
