/**
 * The audit runner (DESIGN.md sections 4-5): spec -> audit folder
 *
 *   spec.json       the spec with every default filled
 *   manifest.json   versions, backend, OS, seed, spec, SHA-256 of model weights and input files, times, runs
 *   results.jsonl   one line per slice x model x radius, appended per completed slice x model
 *   summary.json    from results.jsonl alone (summary.ts)
 *   images/         .npy + PNG panels of the worst slices per model (images.ts)
 *   report.pdf      the PDF report (report.ts)
 *
 * As a job: progress (phase 'audit', step = units done, with "slice k of n, model, phase" in the message and
 * an ETA), cancellation between and inside units. A cancelled or killed audit resumes (`resume: true`): the
 * complete units of results.jsonl are kept, the rest computed; every unit is seeded by (seed, slice id,
 * model) and computed alone, so a resumed audit ends with the same lines as an uninterrupted one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpec } from '@shared/audit-spec';
import { summarySchema, type AuditSummary, type ResultLine } from '@shared/audit-results';
import { CtAuditError, InputError, JobCancelledError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../backend';
import { createJobContext, noJob, type JobContext } from '../job-context';
import { writeFileAtomic } from '../io/npy';
import { evaluateUnit, linesPerUnit, type GeneratorCache } from './evaluate-unit';
import { finalizeImages, IMAGES_INDEX } from './finalize-images';
import { cacheUnitImages, pruneCache, topK, worstCaseImages, type WorstImageEntry } from './images';
import type { DataInventory } from './inventory';
import {
  appSection,
  backendSection,
  phiStatement,
  readManifest,
  systemInfo,
  withoutIdentifiers,
  writeManifest,
  type AuditManifest,
  type ManifestRun,
} from './manifest';
import { stringifyRedacted } from './phi';
import { measureSlice, prepareAudit, type PreparedAudit, type PreparedSlice } from './prepare';
import { openResults, readResults, RESULTS_FILE } from './result-store';
import { summarize } from './summary';

export { IMAGES_INDEX };
export const SPEC_FILE = 'spec.json';
export const SUMMARY_FILE = 'summary.json';
export const REPORT_FILE = 'report.pdf';

export interface RunAuditOptions {
  /** The spec (parsed); optional on resume (then spec.json of the folder). */
  spec?: AuditSpec;
  /** The audit folder (default spec.output). */
  outDir?: string;
  resume?: boolean;
  job?: JobContext;
  /** argv to record in the manifest. */
  commandLine?: string[];
  /** A pre-computed inventory of the data (the batch scanned it already). */
  inventory?: DataInventory;
  /** Write report.pdf (default: spec.report.pdf). */
  report?: boolean;
  /**
   * Compute only the units of these models (names); the other models' units are left to other runs. The
   * batch queue runs one series x model unit this way (batch-queue-worker.ts), with the series' whole spec,
   * so seeds, indices and geometry are those of the full audit.
   */
  models?: readonly string[];
  /** Called after each computed unit (benchmarks, tests). */
  onUnit?: (u: { done: number; total: number; slice: number; model: string }) => void;
}

export interface AuditOutcome {
  outDir: string;
  spec: AuditSpec;
  summary: AuditSummary;
  units: { total: number; computed: number; resumed: number };
  /** Units skipped in this run with the reason (also in manifest.json). */
  skipped: ManifestRun['skipped'];
  images: WorstImageEntry[];
  /** report.pdf path, or null with the reason it was not written. */
  report: string | null;
  reportError: string | null;
}

function specForComparison(s: AuditSpec): string {
  return JSON.stringify({ ...s, output: undefined });
}

/** The spec to run: the given one, checked against spec.json on resume, or spec.json itself. */
async function resolveSpec(o: RunAuditOptions): Promise<{ spec: AuditSpec; outDir: string }> {
  const outDir = o.outDir ?? o.spec?.output;
  if (!outDir) throw new UsageError('audit: no output folder (give --out or "output" in the spec)');
  const specFile = path.join(outDir, SPEC_FILE);
  let stored: AuditSpec | undefined;
  try {
    stored = parseAuditSpec(JSON.parse(await fs.readFile(specFile, 'utf8')));
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') {
      throw new InputError(`${specFile}: not a valid audit spec (${(e as Error).message})`);
    }
  }
  if (!o.resume) {
    if (!o.spec) throw new UsageError('audit: no spec given');
    const results = await fs.stat(path.join(outDir, RESULTS_FILE)).catch(() => undefined);
    if (results && results.size > 0) {
      throw new UsageError(
        `${outDir} already holds an audit (results.jsonl); resume it with --resume or write to a new --out folder`,
      );
    }
    return { spec: { ...o.spec, output: outDir }, outDir };
  }
  if (!stored && !o.spec)
    throw new UsageError(`${outDir}: nothing to resume (no ${SPEC_FILE}); start the audit without --resume`);
  return { spec: o.spec ? { ...o.spec, output: outDir } : { ...stored!, output: outDir }, outDir };
}

function checkResumable(
  given: AuditSpec,
  stored: AuditSpec | undefined,
  redacted: string,
  outDir: string,
): void {
  if (!stored) return;
  if (specForComparison(stored) !== redacted) {
    const a = stored as unknown as Record<string, unknown>;
    const b = JSON.parse(redacted) as Record<string, unknown>;
    const key = Object.keys({ ...a, ...b }).find(
      (k) => k !== 'output' && JSON.stringify(a[k]) !== JSON.stringify(b[k]),
    );
    throw new UsageError(
      `${outDir}: the spec differs from the audit being resumed (field "${key ?? '?'}"); resume with the same settings or start a new --out folder`,
    );
  }
  void given;
}

/** Input problems of one slice (not cancellation, not internal errors): skip the unit, list it. */
function isSkippable(e: unknown): boolean {
  return e instanceof CtAuditError && !(e instanceof JobCancelledError) && e.code !== 'INTERNAL';
}

/** Resuming with other weights under the same model path would mix two models in one results file. */
function checkSameModels(previous: AuditManifest, p: PreparedAudit, outDir: string): void {
  for (const m of p.models) {
    const before = previous.models.find((x) => x.name === m.name);
    const now = JSON.stringify(m.manifest.files.map((f) => f.sha256));
    if (before && JSON.stringify(before.files.map((f) => f.sha256)) !== now) {
      throw new UsageError(
        `${outDir}: model ${m.name} has other weights than in the audit being resumed (SHA-256 differs); start a new --out folder`,
      );
    }
  }
}

export async function runAudit(o: RunAuditOptions): Promise<AuditOutcome> {
  await initBackend();
  const job = o.job ?? noJob();
  const { spec, outDir } = await resolveSpec(o);
  if (
    spec.models.some((m) => m.path.includes('[redacted]')) ||
    spec.data.sources.some((s) => s.includes('[redacted]'))
  ) {
    throw new UsageError(
      `${outDir}/${SPEC_FILE} has redacted paths (PHI policy "exclude"); resume with the same --spec file or flags`,
    );
  }
  await fs.mkdir(outDir, { recursive: true });
  const startedAt = new Date().toISOString();
  job.progress({ phase: 'prepare', step: 0, total: 1, message: 'indexing data and loading models' });
  const p = await prepareAudit(spec, {
    signal: job.signal,
    inventory: o.inventory,
    onProgress: (phase, done, total) => job.progress({ phase, step: done, total }),
  });
  const redacted = stringifyRedacted(spec, p.redact, 0);
  let writer: Awaited<ReturnType<typeof openResults>> | undefined;
  let manifest: AuditManifest | undefined;
  let run: ManifestRun | undefined;
  // Perturbation generators (attack 'generator'), trained once per model and radius for the whole run.
  const generators: GeneratorCache = new Map();
  try {
    if (o.resume) {
      const storedText = await fs.readFile(path.join(outDir, SPEC_FILE), 'utf8').catch(() => undefined);
      const stored = storedText ? parseAuditSpec(JSON.parse(storedText)) : undefined;
      checkResumable(spec, stored, specForComparison(JSON.parse(redacted) as AuditSpec), outDir);
    }
    await writeFileAtomic(path.join(outDir, SPEC_FILE), `${stringifyRedacted(spec, p.redact)}\n`);

    const unitLines = linesPerUnit(spec);
    const total = p.slices.length * p.models.length;
    writer = await openResults(path.join(outDir, RESULTS_FILE), { resume: Boolean(o.resume) });
    const done = new Set(writer.existing.units);
    const previous = o.resume ? await readManifest(outDir) : null;
    if (previous) checkSameModels(previous, p, outDir);
    run = {
      startedAt,
      endedAt: null,
      status: 'running',
      commandLine: o.commandLine ?? [],
      computedUnits: 0,
      skipped: [],
    };
    manifest = {
      format: 'ct-audit/audit-manifest',
      version: 1,
      app: appSection(),
      backend: backendSection(),
      os: systemInfo(),
      seed: String(spec.seed),
      spec,
      geometry: p.geometry,
      models: p.models.map((m) => m.manifest),
      data: {
        sources: p.sources,
        files: p.inventory.files,
        series: withoutIdentifiers(p.inventory, spec.phi),
        slices: p.slices.length,
        units: total,
      },
      phi: { policy: spec.phi, statement: phiStatement(spec.phi) },
      startedAt: previous?.startedAt ?? startedAt,
      endedAt: null,
      status: 'running',
      runs: [...(previous?.runs ?? []), run],
    };
    await writeManifest(outDir, manifest, p.redact);

    // Worst-slice tracking per model (Delta_max at the largest attack radius), from the lines so far.
    const lastEps = linesPerUnit(spec) - 1;
    const worstK = spec.report.worstSlices;
    const errors = new Map<string, Map<number, number>>(p.models.map((m) => [m.name, new Map()]));
    const track = (l: ResultLine) => {
      if (l.epsIndex === lastEps) errors.get(l.model.name)?.set(l.slice.index, l.attack.perturbed.error);
    };
    writer.existing.lines.forEach(track);
    const unitKeyOf = (s: PreparedSlice, model: string) => `${model}\u0000${s.id}`;

    const skipped = run.skipped;
    let computed = 0;
    let completed = done.size;
    let lastEmit = 0;
    for (const s of p.slices) {
      const todo = p.models.filter(
        (m) => !done.has(unitKeyOf(s, m.name)) && (!o.models || o.models.includes(m.name)),
      );
      if (todo.length === 0) continue;
      job.throwIfCancelled();
      let xv: Float32Array;
      try {
        xv = await s.source.load(s.ref, p.geometry.size);
      } catch (e) {
        // One unreadable slice (a decode error, NaN pixels) is listed and skipped, never the end of the audit.
        if (!isSkippable(e)) throw e;
        for (const m of todo)
          skipped.push({ slice: s.index, id: s.id, model: m.name, reason: (e as Error).message });
        completed += todo.length;
        continue;
      }
      const { x, y } = measureSlice(p, spec, s, xv);
      try {
        for (const m of todo) {
          const emit = (fraction: number, phase: string, force = false) => {
            const now = Date.now();
            if (!force && now - lastEmit < 200) return;
            lastEmit = now;
            job.progress({
              phase: 'audit',
              step: completed + fraction,
              total,
              metrics: { slice: s.index + 1, slices: p.slices.length, units: completed },
              message: `slice ${s.index + 1} of ${p.slices.length} · model ${m.name} · ${phase}`,
            });
          };
          emit(0, 'start', true);
          let fraction = 0;
          const inner = createJobContext({
            signal: job.signal,
            onProgress: (q) => emit(fraction, `${q.phase} ${q.step}/${q.total}`),
          });
          let r: Awaited<ReturnType<typeof evaluateUnit>>;
          try {
            r = await evaluateUnit({ index: s.index, id: s.id, seedId: s.seedId, group: s.group }, m, x, y, {
              spec,
              op: p.op,
              job: inner,
              generators,
              onProgress: (f, phase) => {
                fraction = f;
                emit(f, phase);
              },
            });
          } catch (e) {
            // A slice the settings cannot be applied to (e.g. a blank slice: a relative radius of a zero norm).
            if (!isSkippable(e)) throw e;
            skipped.push({ slice: s.index, id: s.id, model: m.name, reason: (e as Error).message });
            completed++;
            continue;
          }
          if (r.lines.length !== unitLines)
            throw new Error(`audit: unit produced ${r.lines.length} lines, expected ${unitLines}`);
          if (worstK > 0) await cacheUnitImages(outDir, m.name, s.index, worstCaseImages(r.images));
          await writer.append(r.lines);
          r.lines.forEach(track);
          if (worstK > 0) await pruneCache(outDir, m.name, new Set(topK(errors.get(m.name)!, worstK)));
          computed++;
          completed++;
          run.computedUnits = computed;
          emit(0, 'done', true);
          o.onUnit?.({ done: completed, total, slice: s.index, model: m.name });
        }
      } finally {
        tf.dispose([x, y]);
      }
    }
    await writer.close();

    // Summary from results.jsonl alone.
    job.progress({ phase: 'summary', step: 0, total: 1, message: 'summary, images and report' });
    const summary = await writeSummary(outDir, spec.report.worstSlices);
    const images = worstK > 0 ? await finalizeImages(outDir, spec, p, summary) : [];
    run.status = 'complete';
    run.endedAt = new Date().toISOString();
    manifest.status = 'complete';
    manifest.endedAt = run.endedAt;
    await writeManifest(outDir, manifest, p.redact);

    let report: string | null = null;
    let reportError: string | null = null;
    if (o.report ?? spec.report.pdf) {
      // Loaded on demand (pdfkit, ECharts); a failing PDF does not undo a finished audit.
      try {
        const { writeAuditReport } = await import('./report');
        const r = await writeAuditReport(outDir, { redactTerms: p.redactTerms, job });
        report = r.path;
        reportError = r.error;
      } catch (e) {
        reportError = `the PDF report could not be built (${(e as Error).message}); retry with ct-audit report --from ${outDir}`;
      }
    }
    return {
      outDir,
      spec,
      summary,
      units: { total, computed, resumed: total - computed - skipped.length },
      skipped,
      images,
      report,
      reportError,
    };
  } catch (e) {
    await writer?.close().catch(() => undefined);
    if (manifest && run) {
      const status = e instanceof JobCancelledError ? 'cancelled' : 'failed';
      run.status = status;
      run.endedAt = new Date().toISOString();
      run.error = (e as Error).message;
      manifest.status = status;
      await writeManifest(outDir, manifest, p.redact).catch(() => undefined);
    }
    throw e;
  } finally {
    for (const g of generators.values()) g.dispose();
    p.dispose();
  }
}

/** Read results.jsonl, write summary.json (validated); returns the summary. */
export async function writeSummary(outDir: string, worstSlices = 3): Promise<AuditSummary> {
  const { lines } = await readResults(path.join(outDir, RESULTS_FILE));
  const summary = summarySchema.parse(summarize(lines, { worstSlices }));
  await writeFileAtomic(path.join(outDir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  return summary;
}
