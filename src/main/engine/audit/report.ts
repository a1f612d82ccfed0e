/**
 * report.pdf of an audit folder: ReportInput from the folder (report-input.ts), then the PDF builder of
 * audit/report/ (`buildReport(input, outPath)`). Used by the runner at the end of an audit and by
 * `ct-audit report --from <dir>`.
 */
import path from 'node:path';
import type { ReportInput } from '@shared/report-input';
import type { JobContext } from '../host/job-context';
import { buildReportInput } from './report-input';

export const REPORT_PDF = 'report.pdf';

type BuildReport = (input: ReportInput, outPath: string) => Promise<void>;

/** The PDF builder, or null while this build has none (the module is developed separately). */
async function loadReportBuilder(): Promise<BuildReport | null> {
  try {
    const url = new URL('./report/index.ts', import.meta.url).href;
    const mod = (await import(/* @vite-ignore */ url)) as { buildReport?: BuildReport };
    return mod.buildReport ?? null;
  } catch {
    return null;
  }
}

/** Write report.pdf; returns its path, or null and why not. */
export async function writeAuditReport(
  outDir: string,
  o: { redactTerms?: string[]; job?: JobContext; extraNotes?: string[] } = {},
): Promise<{ path: string | null; error: string | null }> {
  o.job?.progress({ phase: 'report', step: 0, total: 1, message: 'building the PDF report' });
  const input = await buildReportInput(outDir, { redactTerms: o.redactTerms, extraNotes: o.extraNotes });
  const build = await loadReportBuilder();
  if (!build)
    return {
      path: null,
      error: 'the PDF report builder (engine/audit/report) is not part of this build yet',
    };
  const file = path.join(outDir, REPORT_PDF);
  await build(input, file);
  o.job?.progress({ phase: 'report', step: 1, total: 1 });
  return { path: file, error: null };
}
