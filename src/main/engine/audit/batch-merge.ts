/**
 * The overall folder of a batch (batch.ts), a pure function of the series folders: the series table (rho-hat
 * per model and radius, certified bound, the worst series per model flagged), the merged results.jsonl (slice
 * indices offset per series), its summary.json and images/ (the overall worst slices are among their series'
 * worst, so their folders are copied), and the table in words for the report's notes.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AuditSpec } from '@shared/audit-spec';
import { summarySchema, type AuditSummary, type ResultLine } from '@shared/audit-results';
import { writeFileAtomic } from '../io/npy';
import { IMAGES_DIR, sliceKey, type WorstImageEntry } from './images';
import type { InventorySeries } from './inventory';
import { readManifest, type AuditManifest } from './manifest';
import { readResults, RESULTS_FILE } from './result-store';
import { IMAGES_INDEX, SUMMARY_FILE } from './runner';
import { summarize } from './summary';
import type { BatchSeriesRow } from '@shared/audit-results';

export type { BatchSeriesRow };

/** One series audit of a batch. */
export interface SeriesJob {
  index: number;
  series: InventorySeries;
  spec: AuditSpec;
  dir: string;
  units: number;
}

/** Sentences for the overall report: the series table in words (ReportInput has no series-table field). */
export function seriesNotes(rows: BatchSeriesRow[]): string[] {
  const out: string[] = [];
  for (const r of rows) {
    if (r.status !== 'complete') {
      out.push(`Series ${r.id}: ${r.status}${r.error ? ` (${r.error})` : ''}.`);
      continue;
    }
    const parts = r.models.map(
      (m) =>
        `${m.model} rho-hat ${m.rhoHat.map((p) => `${p.value.toPrecision(3)} at ${p.spec}`).join(', ')}` +
        (m.certified !== null
          ? `, certified ${m.certified.toPrecision(3)} (sigma ${m.certifiedSigma})`
          : '') +
        (m.worst ? ' [worst series]' : ''),
    );
    out.push(`Series ${r.id} (${r.slices} slice(s)): ${parts.join('; ')}.`);
  }
  return out;
}

/**
 * Fill the series table from the series summaries, write the merged results.jsonl (slice indices offset per
 * series), summary.json and images/ of the overall folder.
 */
export async function mergeSeries(
  outDir: string,
  jobs: SeriesJob[],
  rows: BatchSeriesRow[],
  spec: AuditSpec,
): Promise<{
  summary: AuditSummary | null;
  slices: number;
  geometry: AuditManifest['geometry'] | null;
  models: AuditManifest['models'];
}> {
  const merged: ResultLine[] = [];
  const offsets = new Map<string, number>();
  let offset = 0;
  let geometry: AuditManifest['geometry'] | null = null;
  let models: AuditManifest['models'] = [];
  const summaries = new Map<number, AuditSummary>();
  for (const j of jobs) {
    if (rows[j.index].status !== 'complete') continue;
    const { lines } = await readResults(path.join(j.dir, RESULTS_FILE));
    const man = await readManifest(j.dir);
    // Slices the last run skipped (unusable when decoded), as warnings of the series' row.
    const skipped = man?.runs.at(-1)?.skipped ?? [];
    const row = rows[j.index];
    row.warnings = [
      ...(row.warnings ?? []).filter((w) => !w.startsWith('slice skipped: ')),
      ...skipped.map((k) => `slice skipped: ${k.id} (${k.model}): ${k.reason}`),
    ];
    if (lines.length === 0) {
      // Every slice was refused when decoded: nothing of this series is in the batch's results.
      row.status = 'failed';
      row.error =
        `no slice could be audited (${skipped.length} unit(s) skipped)` +
        (skipped.length ? `: ${skipped[0].reason}` : '');
      continue;
    }
    const sliceCount = new Set(lines.map((l) => l.slice.index)).size;
    offsets.set(j.series.id, offset);
    for (const l of lines) merged.push({ ...l, slice: { ...l.slice, index: l.slice.index + offset } });
    offset += sliceCount;
    const s = summarySchema.parse(JSON.parse(await fs.readFile(path.join(j.dir, SUMMARY_FILE), 'utf8')));
    summaries.set(j.index, s);
    if (man && !geometry) {
      geometry = man.geometry;
      models = man.models;
    }
  }
  // Series table and the worst series per model (largest rho-hat at the largest radius).
  const lastEps = spec.attack.eps.length - 1;
  for (const j of jobs) {
    const s = summaries.get(j.index);
    if (!s) continue;
    rows[j.index].models = s.rhoHat.map((r) => {
      const best = s.certification?.bestSigma.find((b) => b.model === r.model && b.epsIndex === 0);
      return {
        model: r.model,
        clean: r.clean.mean,
        rhoHat: r.points.map((p) => ({ spec: p.spec, value: p.rhoHat })),
        certified: best?.meanCertified ?? null,
        certifiedSigma: best?.sigma ?? null,
        worst: false,
      };
    });
  }
  for (const m of spec.models) {
    let worst: BatchSeriesRow['models'][number] | undefined;
    for (const r of rows)
      for (const e of r.models.filter((x) => x.model === m.name)) {
        const v = e.rhoHat[lastEps]?.value ?? -Infinity;
        if (!worst || v > (worst.rhoHat[lastEps]?.value ?? -Infinity)) worst = e;
      }
    if (worst) worst.worst = true;
  }
  const text = merged.map((l) => `${JSON.stringify(l)}\n`).join('');
  await writeFileAtomic(path.join(outDir, RESULTS_FILE), text);
  if (merged.length === 0) return { summary: null, slices: 0, geometry, models };
  const summary = summarySchema.parse(summarize(merged, { worstSlices: spec.report.worstSlices }));
  await writeFileAtomic(path.join(outDir, SUMMARY_FILE), `${JSON.stringify(summary, null, 2)}\n`);
  // images/: the overall worst slices are among their series' worst: copy those folders.
  await fs.rm(path.join(outDir, IMAGES_DIR), { recursive: true, force: true });
  const entries: WorstImageEntry[] = [];
  for (const w of summary.worst) {
    for (const s of w.slices) {
      const j = jobs.find((jj) => {
        const off = offsets.get(jj.series.id);
        return off !== undefined && s.sliceIndex >= off && s.sliceIndex - off < jj.units / spec.models.length;
      });
      if (!j) continue;
      const local = s.sliceIndex - offsets.get(j.series.id)!;
      const idx = JSON.parse(
        await fs.readFile(path.join(j.dir, IMAGES_INDEX), 'utf8').catch(() => '{"worst":[]}'),
      ) as { worst: WorstImageEntry[] };
      const src = idx.worst.find((e) => e.model === w.model && e.sliceIndex === local);
      if (!src) continue;
      const rel = path.join(IMAGES_DIR, w.model, `worst-${s.rank}-${sliceKey(s.sliceIndex)}`);
      await fs.mkdir(path.join(outDir, rel), { recursive: true });
      for (const f of src.files) await fs.copyFile(path.join(j.dir, src.dir, f), path.join(outDir, rel, f));
      entries.push({ ...src, rank: s.rank, sliceIndex: s.sliceIndex, dir: rel });
    }
  }
  // images/ exists even with no worst slices (report.worstSlices 0): its index says so.
  await fs.mkdir(path.join(outDir, IMAGES_DIR), { recursive: true });
  await writeFileAtomic(path.join(outDir, IMAGES_INDEX), `${JSON.stringify({ worst: entries }, null, 2)}\n`);
  return { summary, slices: offset, geometry, models };
}
