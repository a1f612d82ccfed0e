/**
 * The unit of a distributed batch (batch-queue.ts): one series x one model, run by a queue worker as the
 * series' audit restricted to that model (runner.ts `models`), so seeds, slice indices, model index and
 * geometry are those of the series audit `ct-audit batch` runs without a queue.
 *
 *   job data      UnitJobData: the series' spec (paths of its files, all models), the model, the command line
 *   job result    UnitJobResult: the unit's results.jsonl text, its manifest and worst-slice images, read back
 *                 from the worker's temporary audit folder (collectUnit); everything in it passed the audit's
 *                 PHI redactor on the worker
 *   unit folder   <series folder>/units/<model index>/, written once by the coordinator (storeUnit: to a
 *                 temporary name, then renamed; a second completion of the same unit finds it and is ignored)
 *   series folder assembled from its unit folders once all are in (assembleSeries): results.jsonl in the
 *                 runner's order (slice, then model), summary.json from it, images/, manifest.json; then the
 *                 unit folders are removed.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { AuditSpec } from '@shared/audit-spec';
import { parseAuditSpec } from '@shared/audit-spec';
import { InputError } from '@shared/errors';
import { writeFileAtomic } from '../io/npy';
import { IMAGES_DIR, type WorstImageEntry } from './images';
import { readManifest, writeManifest, type AuditManifest, type ManifestRun } from './manifest';
import { parseResults, RESULTS_FILE } from './result-store';
import { IMAGES_INDEX, SPEC_FILE, writeSummary } from './runner';
import { stringifyRedacted, type Redactor } from './phi';

export const UNIT_FORMAT = 'ct-audit/batch-unit';
export const UNITS_DIR = 'units';
const UNIT_RECORD = 'unit.json';

export const unitJobDataSchema = z.object({
  format: z.literal(UNIT_FORMAT),
  version: z.literal(1),
  /** The batch (batch-queue.ts batchId) and the series (inventory id). */
  batch: z.string().regex(/^[0-9a-f]{16}$/),
  series: z.string().regex(/^(series|file)-[0-9a-f]{12}$/),
  model: z.string().min(1),
  modelIndex: z.number().int().min(0),
  /** The series' audit spec (parseAuditSpec), every model included. */
  spec: z.unknown(),
  /** The coordinator's command line (queue URL password hidden), recorded in the unit's manifest. */
  commandLine: z.array(z.string()),
});
export type UnitJobData = Omit<z.infer<typeof unitJobDataSchema>, 'spec'> & { spec: AuditSpec };

export interface UnitJobResult {
  format: typeof UNIT_FORMAT;
  version: 1;
  /** results.jsonl of the unit (complete units only). */
  lines: string;
  manifest: AuditManifest;
  images: { worst: WorstImageEntry[]; files: Record<string, string> };
  worker: { host: string; pid: number; seconds: number };
}

/** Validates job data received by a worker (anything else in the queue is refused, never run). */
export function parseUnitJobData(data: unknown): UnitJobData {
  const d = unitJobDataSchema.parse(data);
  return { ...d, spec: parseAuditSpec(d.spec) };
}

/** Queue job id of a unit (BullMQ ids may not contain ':'). */
export function unitJobId(batch: string, series: string, modelIndex: number): string {
  return `${batch}.${series}.${modelIndex}`;
}

export function unitDir(seriesDir: string, modelIndex: number): string {
  return path.join(seriesDir, UNITS_DIR, String(modelIndex));
}

async function filesUnder(dir: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await fs.readdir(path.join(dir, rel), { withFileTypes: true }).catch(() => [])) {
    const r = path.join(rel, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(dir, r)));
    else out.push(r);
  }
  return out;
}

/** The result of a unit from the audit folder its run wrote (worker side). */
export async function collectUnit(auditDir: string, worker: UnitJobResult['worker']): Promise<UnitJobResult> {
  const manifest = await readManifest(auditDir);
  if (!manifest) throw new Error(`unit: ${auditDir} has no manifest.json`);
  const index = JSON.parse(
    await fs.readFile(path.join(auditDir, IMAGES_INDEX), 'utf8').catch(() => '{"worst":[]}'),
  ) as { worst: WorstImageEntry[] };
  const files: Record<string, string> = {};
  for (const rel of await filesUnder(auditDir, IMAGES_DIR)) {
    if (rel === IMAGES_INDEX) continue;
    files[rel.split(path.sep).join('/')] = (await fs.readFile(path.join(auditDir, rel))).toString('base64');
  }
  return {
    format: UNIT_FORMAT,
    version: 1,
    lines: await fs.readFile(path.join(auditDir, RESULTS_FILE), 'utf8'),
    manifest,
    images: { worst: index.worst, files },
    worker,
  };
}

/** A relative path that stays inside its folder (a unit result is data from the network). */
function safeRelative(rel: string): string {
  const norm = path.normalize(rel);
  if (path.isAbsolute(norm) || norm.startsWith('..') || norm.split(path.sep).includes('..')) {
    throw new InputError(`unit result: refused file name ${JSON.stringify(rel)}`);
  }
  return norm;
}

/**
 * Writes a unit's result into its folder, once: false when the folder exists (the unit was stored before,
 * e.g. by a coordinator that stopped before removing the job). Throws InputError on a malformed result.
 */
export async function storeUnit(
  seriesDir: string,
  data: Pick<UnitJobData, 'model' | 'modelIndex'>,
  result: UnitJobResult,
  jobInfo: Record<string, unknown>,
): Promise<boolean> {
  const dir = unitDir(seriesDir, data.modelIndex);
  if (
    await fs.stat(path.join(dir, UNIT_RECORD)).then(
      () => true,
      () => false,
    )
  )
    return false;
  if (result?.format !== UNIT_FORMAT) throw new InputError('unit result: not a ct-audit unit result');
  const parsed = parseResults(result.lines, `unit ${data.model}`);
  if (parsed.droppedLines > 0) throw new InputError(`unit result of ${data.model}: incomplete results`);
  const other = parsed.lines.find((l) => l.model.name !== data.model || l.model.index !== data.modelIndex);
  if (other) throw new InputError(`unit result of ${data.model}: holds a line of model ${other.model.name}`);
  const tmp = `${dir}.tmp-${process.pid}-${Date.now()}`;
  await fs.rm(tmp, { recursive: true, force: true });
  await fs.mkdir(tmp, { recursive: true });
  await fs.writeFile(path.join(tmp, RESULTS_FILE), result.lines);
  await fs.writeFile(path.join(tmp, 'manifest.json'), `${JSON.stringify(result.manifest, null, 2)}\n`);
  for (const [rel, b64] of Object.entries(result.images.files)) {
    const file = path.join(tmp, safeRelative(rel));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, Buffer.from(b64, 'base64'));
  }
  await fs.mkdir(path.join(tmp, IMAGES_DIR), { recursive: true });
  await fs.writeFile(
    path.join(tmp, IMAGES_INDEX),
    `${JSON.stringify({ worst: result.images.worst }, null, 2)}\n`,
  );
  await fs.writeFile(
    path.join(tmp, UNIT_RECORD),
    `${JSON.stringify({ model: data.model, modelIndex: data.modelIndex, worker: result.worker, ...jobInfo }, null, 2)}\n`,
  );
  await fs.mkdir(path.dirname(dir), { recursive: true });
  try {
    await fs.rename(tmp, dir);
  } catch (e) {
    await fs.rm(tmp, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST')
      return false;
    throw e;
  }
  return true;
}

/** True when every unit folder of the series is stored. */
export async function unitsStored(seriesDir: string, models: number): Promise<boolean[]> {
  const out: boolean[] = [];
  for (let k = 0; k < models; k++) {
    out.push(
      await fs.stat(path.join(unitDir(seriesDir, k), UNIT_RECORD)).then(
        () => true,
        () => false,
      ),
    );
  }
  return out;
}

/**
 * The series folder from its stored units (see the file comment): the files a series audit of all models
 * writes (spec.json, results.jsonl, summary.json, images/, manifest.json, written last), then the unit
 * folders are removed.
 */
export async function assembleSeries(
  seriesDir: string,
  spec: AuditSpec,
  redact: Redactor,
  commandLine: string[],
): Promise<void> {
  const n = spec.models.length;
  await writeFileAtomic(path.join(seriesDir, SPEC_FILE), `${stringifyRedacted(spec, redact)}\n`);
  const rows: { slice: number; model: number; order: number; text: string }[] = [];
  const manifests: AuditManifest[] = [];
  const worst: WorstImageEntry[] = [];
  await fs.rm(path.join(seriesDir, IMAGES_DIR), { recursive: true, force: true });
  for (let k = 0; k < n; k++) {
    const dir = unitDir(seriesDir, k);
    const text = await fs.readFile(path.join(dir, RESULTS_FILE), 'utf8');
    for (const line of text.split('\n')) {
      if (!line) continue;
      const l = JSON.parse(line) as { slice: { index: number }; model: { index: number } };
      rows.push({ slice: l.slice.index, model: l.model.index, order: rows.length, text: line });
    }
    const m = await readManifest(dir);
    if (!m) throw new InputError(`${dir}: unit without manifest.json`);
    manifests.push(m);
    const idx = JSON.parse(await fs.readFile(path.join(dir, IMAGES_INDEX), 'utf8')) as {
      worst: WorstImageEntry[];
    };
    for (const e of idx.worst) {
      await fs.mkdir(path.join(seriesDir, e.dir), { recursive: true });
      for (const f of e.files) await fs.copyFile(path.join(dir, e.dir, f), path.join(seriesDir, e.dir, f));
      worst.push(e);
    }
  }
  // The runner appends unit by unit, slice after slice and the models of a slice in spec order.
  rows.sort((a, b) => a.slice - b.slice || a.model - b.model || a.order - b.order);
  await writeFileAtomic(path.join(seriesDir, RESULTS_FILE), rows.map((r) => `${r.text}\n`).join(''));
  const summary = await writeSummary(seriesDir, spec.report.worstSlices);
  // images/index.json lists the worst slices model by model, as the series summary ranks them.
  const order = new Map(summary.worst.map((w, i) => [w.model, i]));
  worst.sort((a, b) => (order.get(a.model) ?? 0) - (order.get(b.model) ?? 0) || a.rank - b.rank);
  if (spec.report.worstSlices > 0) {
    await writeFileAtomic(path.join(seriesDir, IMAGES_INDEX), `${JSON.stringify({ worst }, null, 2)}\n`);
  }
  const runs = manifests.flatMap((m) => m.runs);
  const skipped = runs
    .flatMap((r) => r.skipped)
    .sort(
      (a, b) =>
        a.slice - b.slice ||
        spec.models.findIndex((m) => m.name === a.model) - spec.models.findIndex((m) => m.name === b.model),
    );
  const startedAt = runs.map((r) => r.startedAt).sort()[0];
  const endedAt =
    runs
      .map((r) => r.endedAt ?? '')
      .sort()
      .at(-1) ?? null;
  const run: ManifestRun = {
    startedAt,
    endedAt,
    status: 'complete',
    commandLine,
    computedUnits: runs.reduce((a, r) => a + r.computedUnits, 0),
    skipped,
  };
  const base = manifests[0];
  await writeManifest(
    seriesDir,
    {
      ...base,
      spec: { ...spec, output: seriesDir },
      startedAt,
      endedAt,
      status: 'complete',
      runs: [run],
    },
    redact,
  );
  await fs.rm(path.join(seriesDir, UNITS_DIR), { recursive: true, force: true });
}
