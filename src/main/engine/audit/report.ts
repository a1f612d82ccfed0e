/**
 * report.pdf of an audit folder: ReportInput from the folder (report-input.ts), then the PDF builder of
 * audit/report/ (`buildReport(input, outPath)`). Used by the runner at the end of an audit, by the batch for
 * its overall folder and by `ct-audit report --from <dir>`.
 */
import path from 'node:path';
import type { JobContext } from '../job-context';
import { buildReport } from './report/index';
import { buildReportInput } from './report-input';

export const REPORT_PDF = 'report.pdf';

/** Write report.pdf of `outDir`; returns its path (`error` stays null: a failing builder throws). */
export async function writeAuditReport(
  outDir: string,
  o: { redactTerms?: string[]; job?: JobContext; extraNotes?: string[] } = {},
): Promise<{ path: string | null; error: string | null }> {
  o.job?.progress({ phase: 'report', step: 0, total: 1, message: 'building the PDF report' });
  const input = await buildReportInput(outDir, { redactTerms: o.redactTerms, extraNotes: o.extraNotes });
  const file = path.join(outDir, REPORT_PDF);
  await buildReport(input, file);
  o.job?.progress({ phase: 'report', step: 1, total: 1 });
  return { path: file, error: null };
}
