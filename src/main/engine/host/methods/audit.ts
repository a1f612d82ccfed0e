/**
 * Audits over folders in the engine host, with the audit runner of engine/audit (the same code as
 * `ct-audit audit`): `audit:run` (a job, resumable), `audit:list`, `audit:images` (one worst slice's
 * images, for the Viewer) and `audit:report` (report.pdf with the engine's builder). Audit folders live in
 * `<workspace>/audits/<name>/`; the owner resolves them, so the renderer never chooses where files go.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec } from '@shared/audit-spec';
import { summarySchema } from '@shared/audit-results';
import { InputError, UsageError } from '@shared/errors';
import { xArrayToHu } from '@shared/units';
import type { HostParamOverrides } from '@shared/host-protocol';
import type {
  BatchResult,
  AuditImagesResult,
  AuditListEntry,
  AuditListResult,
  AuditReportResult,
  AuditRunResult,
} from '@shared/ipc';
import { REPORT_PDF, RESULTS_FILE, SPEC_FILE, SUMMARY_FILE, runAudit, writeAuditReport } from '../../audit';
import { readWorstImages, type WorstImageEntry } from '../../audit/images';
import { IMAGES_INDEX } from '../../audit/runner';
import { AUDITS_FOLDER, BATCHES_FOLDER } from '../workspace';
import { BATCH_FILE, runBatch, type BatchRecord } from '../../audit/batch';
import type { MethodContext } from './context';

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

export async function auditRun(
  p: HostParamOverrides['audit:run'],
  { job }: MethodContext,
): Promise<AuditRunResult> {
  if (!p.resume && (await exists(path.join(p.outDir, RESULTS_FILE)))) {
    throw new UsageError(`an audit named "${p.name}" exists already: choose another name (or resume it)`, {
      name: p.name,
    });
  }
  const spec = parseAuditSpec({
    name: p.name,
    models: p.models.map((m) => (m.kind === 'fbp' ? 'fbp' : { path: m.path, name: m.name })),
    baseline: true,
    data: { sources: p.data, ...(p.maxSlices ? { maxSlices: p.maxSlices } : {}) },
    geometry: p.geometry,
    noise: p.noise,
    attack: p.attack,
    certification: p.certification,
    seed: p.seed,
    report: { pdf: p.report },
  });
  // The report is built apart, so that a failing PDF builder does not turn a finished audit into an error.
  const out = await runAudit({ spec, outDir: p.outDir, resume: p.resume, job, report: false });
  let report: string | null = null;
  let reportError: string | null = p.report ? null : 'not requested';
  if (p.report) {
    try {
      const r = await writeAuditReport(p.outDir, { job });
      report = r.path;
      reportError = r.error;
    } catch (e) {
      reportError = `the PDF report could not be built (${e instanceof Error ? e.message : String(e)})`;
    }
  }
  return resultOf(p.name, out.summary, report, reportError, out.units);
}

function resultOf(
  name: string,
  summary: AuditRunResult['summary'],
  report: string | null,
  reportError: string | null,
  units: AuditRunResult['units'],
): AuditRunResult {
  return {
    name,
    summary,
    units,
    worst: summary.worst.flatMap((w) =>
      w.slices.map((s) => ({
        model: w.model,
        rank: s.rank,
        sliceIndex: s.sliceIndex,
        sliceId: s.sliceId,
        error: s.error,
      })),
    ),
    report,
    reportError,
  };
}

/** A finished audit's summary (summary.json), as audit:run returns it. */
export async function auditSummary(p: { name: string; dir: string }): Promise<AuditRunResult> {
  let summary;
  try {
    summary = summarySchema.parse(JSON.parse(await fs.readFile(path.join(p.dir, SUMMARY_FILE), 'utf8')));
  } catch {
    throw new InputError(`audit ${p.name} is not finished (no readable summary.json): resume it`);
  }
  const report = path.join(p.dir, REPORT_PDF);
  const n = summary.slices.count * summary.models.length;
  return resultOf(p.name, summary, (await exists(report)) ? report : null, null, {
    total: n,
    computed: 0,
    resumed: n,
  });
}

export async function auditList({ workspace }: { workspace: string }): Promise<AuditListResult> {
  const dir = path.join(workspace, AUDITS_FOLDER);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const audits: AuditListEntry[] = [];
  for (const name of names.filter((n) => !n.startsWith('.')).sort()) {
    const folder = path.join(dir, name);
    if (!(await exists(path.join(folder, SPEC_FILE)))) continue;
    let title: string | null = null;
    let models: string[] = [];
    let createdAt: string | null = null;
    try {
      const spec = parseAuditSpec(JSON.parse(await fs.readFile(path.join(folder, SPEC_FILE), 'utf8')));
      title = spec.name ?? null;
      models = spec.models.map((m) => m.name);
      createdAt = (await fs.stat(path.join(folder, SPEC_FILE))).mtime.toISOString();
    } catch {
      // A spec written by another version: listed without details.
    }
    let slices: number | null = null;
    const summaryFile = path.join(folder, SUMMARY_FILE);
    const complete = await exists(summaryFile);
    if (complete) {
      try {
        slices = summarySchema.parse(JSON.parse(await fs.readFile(summaryFile, 'utf8'))).slices.count;
      } catch {
        slices = null;
      }
    }
    audits.push({
      kind: 'audit',
      name,
      title,
      status: complete ? 'complete' : 'incomplete',
      models,
      slices,
      report: await exists(path.join(folder, REPORT_PDF)),
      createdAt,
    });
  }
  for (const name of (
    await fs.readdir(path.join(workspace, BATCHES_FOLDER)).catch(() => [] as string[])
  ).sort()) {
    const folder = path.join(workspace, BATCHES_FOLDER, name);
    if (name.startsWith('.') || !(await exists(folder))) continue;
    const record = await readBatchRecord(folder);
    audits.push({
      kind: 'batch',
      name,
      title: null,
      status: record && record.series.every((s) => s.status !== 'pending') ? 'complete' : 'incomplete',
      models: record?.series[0]?.models.map((m) => m.model) ?? [],
      slices: record ? record.series.reduce((n, s) => n + s.slices, 0) : null,
      report: await exists(path.join(folder, REPORT_PDF)),
      createdAt: null,
    });
  }
  return { workspace, audits };
}

async function readBatchRecord(dir: string): Promise<BatchRecord | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, BATCH_FILE), 'utf8')) as BatchRecord;
  } catch {
    return null;
  }
}

function recordWire(r: BatchRecord): BatchResult['record'] {
  return { folders: r.folders, files: r.files, counts: r.counts, series: r.series };
}

export async function batchRun(
  p: HostParamOverrides['batch:run'],
  { job }: MethodContext,
): Promise<BatchResult> {
  const spec = parseAuditSpec({
    name: p.name,
    models: p.models.map((m) => (m.kind === 'fbp' ? 'fbp' : { path: m.path, name: m.name })),
    baseline: true,
    data: { sources: p.folders, ...(p.maxSlices ? { maxSlices: p.maxSlices } : {}) },
    geometry: p.geometry,
    noise: p.noise,
    attack: p.attack,
    certification: p.certification,
    seed: p.seed,
    report: { pdf: p.report },
  });
  const out = await runBatch({
    folders: p.folders,
    spec,
    outDir: p.outDir,
    resume: p.resume,
    job,
    report: p.report,
    ...(p.queue ? { queue: { url: p.queue, attempts: p.attempts } } : {}),
  });
  return {
    name: p.name,
    record: recordWire(out.record),
    overall: out.summary
      ? resultOf(p.name, out.summary, out.report, out.reportError, { total: 0, computed: 0, resumed: 0 })
      : null,
  };
}

export async function batchGet(p: { name: string; dir: string }): Promise<BatchResult> {
  const record = await readBatchRecord(p.dir);
  if (!record) throw new InputError(`batch ${p.name} has no batch.json yet: resume it`);
  const overall = await auditSummary({ name: p.name, dir: p.dir }).catch(() => null);
  return { name: p.name, record: recordWire(record), overall };
}

/** The images of one worst slice, in HU (the audit stores canonical units). */
export async function auditImages(p: HostParamOverrides['audit:images']): Promise<AuditImagesResult> {
  let index: { worst: WorstImageEntry[] };
  try {
    index = JSON.parse(await fs.readFile(path.join(p.dir, IMAGES_INDEX), 'utf8')) as {
      worst: WorstImageEntry[];
    };
  } catch {
    throw new InputError(
      `audit ${p.name} has no worst-slice images (it is unfinished, or ran with worstSlices 0)`,
    );
  }
  const e = index.worst.find((w) => w.model === p.model && w.rank === p.rank);
  if (!e) throw new InputError(`audit ${p.name} has no image of worst slice ${p.rank} for model ${p.model}`);
  const im = await readWorstImages(p.dir, e);
  const summary = summarySchema.parse(JSON.parse(await fs.readFile(path.join(p.dir, SUMMARY_FILE), 'utf8')));
  const sliceId =
    summary.worst.find((w) => w.model === p.model)?.slices.find((s) => s.rank === p.rank)?.sliceId ?? '';
  return {
    name: p.name,
    model: p.model,
    rank: p.rank,
    sliceIndex: e.sliceIndex,
    sliceId,
    size: im.size,
    views: im.views,
    detectors: im.detectors,
    reference: xArrayToHu(im.reference),
    clean: xArrayToHu(im.clean),
    perturbed: xArrayToHu(im.perturbed),
    smoothed: im.smoothed ? xArrayToHu(im.smoothed) : null,
    perturbation: im.perturbation,
  };
}

export async function auditReport(
  p: { name: string; dir: string },
  { job }: MethodContext,
): Promise<AuditReportResult> {
  if (!(await exists(path.join(p.dir, SUMMARY_FILE)))) {
    throw new InputError(`audit ${p.name} is not finished (no summary.json): resume it first`);
  }
  const r = await writeAuditReport(p.dir, { job });
  return { path: r.path, error: r.error };
}
