/**
 * Batch audits of DICOM folder trees (issue 5): one audit per CT series (single CT files are series of one
 * file), each in <out>/series/<series id>/, then an overall audit folder at <out> over all series:
 *
 *   batch.json       every file found with what happened to it (audited in which series, or skipped / not
 *                    DICOM / unreadable with the reason), the series with their status, and the series table
 *                    (rho-hat per model and radius, certified bound, the worst series flagged)
 *   results.jsonl    the lines of every series (slice indices renumbered over the batch), summary.json,
 *                    images/ (the worst slices over all series) and report.pdf: an audit folder of its own
 *   manifest.json, spec.json
 *
 * One bad file never stops the batch (it is listed with its reason), nor does one series that fails (its
 * error is listed). Series audits run in turn, or `concurrency` at a time in worker threads (worker threads
 * die with the process, so a killed batch leaves no orphan writing to its folders), or, with `queue`, as
 * series x model units on queue workers (batch-queue.ts), which give the same series folders. The scan is
 * header-only (dicom/scan.ts), through the scan cache when one is given. `resume` resumes every
 * series audit (completed units are kept, see runner.ts) and rebuilds the overall folder, which is a pure
 * function of the series folders: a batch killed at any point and resumed ends with the files of an
 * uninterrupted run.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpec } from '@shared/audit-spec';
import type { AuditSummary } from '@shared/audit-results';
import { InputError, JobCancelledError } from '@shared/errors';
import type { JobProgress } from '@shared/jobs';
import { initBackend } from '../backend';
import { createJobContext, noJob, type JobContext } from '../job-context';
import { writeFileAtomic } from '../io/npy';
import { inventoryData, type DataInventory, type InventorySeries } from './inventory';
import {
  appSection,
  backendSection,
  phiStatement,
  systemInfo,
  writeManifest,
  readManifest,
  type AuditManifest,
} from './manifest';
import { makeRedactor, redactionTerms, stringifyRedacted } from './phi';
import { RESULTS_FILE } from './result-store';
import { runAudit, SPEC_FILE } from './runner';
import { mergeSeries, seriesNotes, type BatchSeriesRow, type SeriesJob } from './batch-merge';
import { WorkerPool } from './batch-worker-pool';
import { runSeriesOnQueue, type BatchQueueOptions } from './batch-queue';
import type { ScanCache } from '../dicom';

export const BATCH_FILE = 'batch.json';
export const SERIES_DIR = 'series';

export interface RunBatchOptions {
  /** Folders (or files) to scan recursively. */
  folders: string[];
  /** The audit settings; `data.sources` is replaced per series. */
  spec: AuditSpec;
  outDir: string;
  resume?: boolean;
  /** Series audited at the same time (worker threads); default 1 (in this thread). */
  concurrency?: number;
  job?: JobContext;
  commandLine?: string[];
  /** Write the PDF reports (default spec.report.pdf). */
  report?: boolean;
  /**
   * Run the series audits on queue workers, one job per series x model unit (batch-queue.ts), instead of in
   * this process; `concurrency` is then the workers' business.
   */
  queue?: BatchQueueOptions;
  /** The scan cache for the inventory (dicom/scan-cache.ts); none by default. */
  scanCache?: ScanCache | null;
}

export interface BatchRecord {
  format: 'ct-audit/batch';
  version: 1;
  folders: string[];
  files: { path: string; kind: string; reason: string | null; series: string | null }[];
  counts: {
    files: number;
    ct: number;
    skipped: number;
    notDicom: number;
    unreadable: number;
    series: number;
  };
  series: BatchSeriesRow[];
}

export interface BatchOutcome {
  outDir: string;
  record: BatchRecord;
  summary: AuditSummary | null;
  report: string | null;
  reportError: string | null;
}

function seriesInventory(inv: DataInventory, s: InventorySeries): DataInventory {
  const files = new Set(s.files);
  return {
    files: inv.files.filter((f) => files.has(f.path)),
    series: [s],
    identifiers: s.identifiers ? [s.identifiers] : [],
  };
}

function seriesSpec(template: AuditSpec, s: InventorySeries, outDir: string): AuditSpec {
  return parseAuditSpec({
    ...template,
    data: { ...template.data, sources: s.files },
    output: path.join(outDir, SERIES_DIR, s.id),
  });
}

export async function runBatch(o: RunBatchOptions): Promise<BatchOutcome> {
  await initBackend();
  const job = o.job ?? noJob();
  const outDir = o.outDir;
  await fs.mkdir(outDir, { recursive: true });
  if (!o.resume) {
    const existing = await fs.readdir(path.join(outDir, SERIES_DIR)).catch(() => [] as string[]);
    if (existing.length > 0) {
      throw new InputError(
        `${outDir} already holds a batch; resume it with --resume or write to a new --out folder`,
      );
    }
  }
  const startedAt = new Date().toISOString();
  const inv = await inventoryData(o.folders, {
    allowNonCt: o.spec.data.allowNonCt,
    signal: job.signal,
    cache: o.scanCache,
    onProgress: (p) =>
      job.progress({
        phase: 'scan',
        step: p.done,
        total: p.total,
        metrics: { filesPerSecond: p.filesPerSecond, cached: p.cached },
        message: `scanning ${p.done} of ${p.total} files, ${Math.round(p.filesPerSecond)} files/s`,
      }),
  });
  const redactTerms = o.spec.phi === 'include' ? [] : redactionTerms(inv.identifiers);
  const redact = makeRedactor(redactTerms);
  const template = parseAuditSpec({
    ...o.spec,
    data: { ...o.spec.data, sources: o.folders },
    output: outDir,
  });
  await writeFileAtomic(path.join(outDir, SPEC_FILE), `${stringifyRedacted(template, redact)}\n`);

  const maxSlices = o.spec.data.maxSlices;
  const nModels = o.spec.models.length;
  const jobs: SeriesJob[] = inv.series.map((s, index) => {
    const spec = seriesSpec(o.spec, s, outDir);
    const slices = maxSlices ? Math.min(maxSlices, s.slices) : s.slices;
    return { index, series: s, spec, dir: spec.output!, units: slices * nModels };
  });
  const totalUnits = jobs.reduce((a, j) => a + j.units, 0);
  const rows: BatchSeriesRow[] = jobs.map((j) => ({
    id: j.series.id,
    folder: path.join(SERIES_DIR, j.series.id),
    files: j.series.files.length,
    slices: j.units / nModels,
    status: 'pending',
    error: null,
    warnings: [...(j.series.warnings ?? [])],
    models: [],
  }));
  const record = (): BatchRecord => ({
    format: 'ct-audit/batch',
    version: 1,
    folders: o.folders,
    files: inv.files.map((f) => ({
      path: f.path,
      kind: f.kind,
      reason: f.reason ?? null,
      series: f.series ?? null,
    })),
    counts: {
      files: inv.files.length,
      ct: inv.files.filter((f) => f.kind === 'ct').length,
      skipped: inv.files.filter((f) => f.kind === 'skipped').length,
      notDicom: inv.files.filter((f) => f.kind === 'not-dicom').length,
      unreadable: inv.files.filter((f) => f.kind === 'unreadable').length,
      series: inv.series.length,
    },
    series: rows,
  });
  const writeRecord = () =>
    writeFileAtomic(path.join(outDir, BATCH_FILE), `${stringifyRedacted(record(), redact)}\n`);
  await writeRecord();

  // Progress over series and units: units of finished series + the running ones' own progress.
  const unitsDone = new Map<number, number>();
  const emit = (j: SeriesJob, p: JobProgress | null) => {
    if (p && p.phase === 'audit') unitsDone.set(j.index, Math.min(j.units, p.step));
    const done = [...unitsDone.values()].reduce((a, b) => a + b, 0);
    const finished = rows.filter((r) => r.status !== 'pending').length;
    job.progress({
      phase: 'batch',
      step: done,
      total: totalUnits,
      metrics: { series: finished, seriesTotal: jobs.length },
      message: `series ${j.index + 1} of ${jobs.length} (${j.series.id})${p?.message ? ` · ${p.message}` : ''}`,
    });
  };

  /** The series audits in this process: in turn, or `requested` at a time in worker threads. */
  async function runSeriesHere(jobs: SeriesJob[], requested: number): Promise<void> {
    const concurrency = Math.max(1, Math.min(requested, jobs.length || 1));
    const queue = [...jobs];
    let cancelled: JobCancelledError | null = null;
    const runOne = async (j: SeriesJob) => {
      if (await seriesComplete(j)) {
        rows[j.index].status = 'complete';
        unitsDone.set(j.index, j.units);
        emit(j, null);
        return;
      }
      const resume =
        Boolean(o.resume) &&
        (await fs.stat(path.join(j.dir, RESULTS_FILE)).then(
          () => true,
          () => false,
        ));
      const sInv = seriesInventory(inv, j.series);
      const report = false; // per-series PDFs would multiply the report time; the overall report covers them
      try {
        if (concurrency === 1) {
          const inner = createJobContext({ signal: job.signal, onProgress: (p) => emit(j, p) });
          await runAudit({
            spec: j.spec,
            outDir: j.dir,
            resume,
            job: inner,
            inventory: sInv,
            commandLine: o.commandLine,
            report,
          });
        } else {
          await pool!.run(
            {
              spec: j.spec,
              outDir: j.dir,
              resume,
              inventory: sInv,
              commandLine: o.commandLine ?? [],
              report,
            },
            job.signal,
            (p) => emit(j, p),
          );
        }
        rows[j.index].status = 'complete';
        unitsDone.set(j.index, j.units);
      } catch (e) {
        if (e instanceof JobCancelledError || job.signal.aborted) {
          cancelled = e instanceof JobCancelledError ? e : new JobCancelledError('batch cancelled');
          return;
        }
        rows[j.index].status = 'failed';
        rows[j.index].error = (e as Error).message;
        unitsDone.set(j.index, j.units);
      }
      emit(j, null);
      await writeRecord();
    };
    const pool = concurrency > 1 ? new WorkerPool(concurrency) : null;
    try {
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let j = queue.shift(); j && !cancelled; j = queue.shift()) await runOne(j);
        }),
      );
    } finally {
      await pool?.close();
    }
    if (cancelled) throw cancelled;
  }

  // A series finished by an earlier run (its manifest is written last) is not opened again.
  const seriesComplete = async (j: SeriesJob): Promise<boolean> => {
    if (!o.resume) return false;
    const storedSpec = await fs.readFile(path.join(j.dir, SPEC_FILE), 'utf8').catch(() => '');
    const sameSpec = storedSpec === `${stringifyRedacted(j.spec, redact)}\n`;
    return sameSpec && (await readManifest(j.dir))?.status === 'complete';
  };
  if (o.queue) {
    await runSeriesOnQueue({
      jobs,
      rows,
      spec: o.spec,
      outDir,
      redact,
      commandLine: o.commandLine ?? [],
      job,
      queue: o.queue,
      totalUnits,
      seriesComplete,
      writeRecord,
    });
  } else {
    await runSeriesHere(jobs, o.concurrency ?? 1);
  }

  // The overall folder.
  job.progress({ phase: 'summary', step: 0, total: 1, message: 'overall summary and report' });
  const merged = await mergeSeries(outDir, jobs, rows, o.spec);
  await writeRecord();
  const manifest: AuditManifest = {
    format: 'ct-audit/audit-manifest',
    version: 1,
    app: appSection(),
    backend: backendSection(),
    os: systemInfo(),
    seed: String(o.spec.seed),
    spec: template,
    geometry: merged.geometry ?? { size: 0, views: 0, detectors: 0, detectorSpacing: 1 },
    models: merged.models,
    data: {
      sources: [
        {
          spec: o.folders.join(', '),
          kind: 'dicom',
          description: `${inv.series.length} CT series from ${inv.files.length} file(s)`,
          slices: merged.slices,
          warnings: [],
        },
      ],
      files: inv.files,
      series: inv.series.map((s) => {
        if (o.spec.phi === 'include') return s;
        const { identifiers: _i, ...rest } = s;
        void _i;
        return rest;
      }),
      slices: merged.slices,
      units: totalUnits,
    },
    phi: { policy: o.spec.phi, statement: phiStatement(o.spec.phi) },
    startedAt: (await readManifest(outDir))?.startedAt ?? startedAt,
    endedAt: new Date().toISOString(),
    status: rows.every((r) => r.status === 'complete') ? 'complete' : 'failed',
    runs: [
      ...((await readManifest(outDir))?.runs ?? []),
      {
        startedAt,
        endedAt: new Date().toISOString(),
        status: 'complete',
        commandLine: o.commandLine ?? [],
        computedUnits: 0,
        skipped: [],
      },
    ],
  };
  await writeManifest(outDir, manifest, redact);
  let report: string | null = null;
  let reportError: string | null = null;
  if (merged.summary && (o.report ?? o.spec.report.pdf)) {
    try {
      const { writeAuditReport } = await import('./report');
      const r = await writeAuditReport(outDir, { redactTerms, job, extraNotes: seriesNotes(rows) });
      report = r.path;
      reportError = r.error;
    } catch (e) {
      reportError = `the PDF report could not be built (${(e as Error).message}); retry with ct-audit report --from ${outDir}`;
    }
  }
  return { outDir, record: record(), summary: merged.summary, report, reportError };
}

export { seriesNotes, type BatchSeriesRow };
