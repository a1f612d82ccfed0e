/**
 * The final images/ of an audit (images.ts has the files): the worst slices per model from the image cache,
 * recomputed (seeded, so identical) when the cache no longer holds them, with the smoothed estimate at each
 * slice's best sigma; images/index.json lists them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { AuditSpec } from '@shared/audit-spec';
import type { AuditSummary } from '@shared/audit-results';
import { tf } from '../backend';
import { writeFileAtomic } from '../io/npy';
import { evaluateUnit } from './evaluate-unit';
import {
  IMAGES_DIR,
  loadCachedImages,
  removeCache,
  worstCaseImages,
  writeWorstImages,
  type WorstCaseImages,
  type WorstImageEntry,
} from './images';
import { measureSlice, type PreparedAudit } from './prepare';

export const IMAGES_INDEX = 'images/index.json';

export async function finalizeImages(
  outDir: string,
  spec: AuditSpec,
  p: PreparedAudit,
  summary: AuditSummary,
): Promise<WorstImageEntry[]> {
  const entries: WorstImageEntry[] = [];
  // Read what is needed from the cache, then start images/ afresh (a resumed audit may have older folders).
  const cached = new Map<string, WorstCaseImages | null>();
  for (const w of summary.worst)
    for (const s of w.slices)
      cached.set(`${w.model}/${s.sliceIndex}`, await loadCachedImages(outDir, w.model, s.sliceIndex));
  await removeCache(outDir);
  await fs.rm(path.join(outDir, IMAGES_DIR), { recursive: true, force: true });
  for (const w of summary.worst) {
    const m = p.models.find((mm) => mm.name === w.model);
    if (!m) continue;
    for (const s of w.slices) {
      let im = cached.get(`${w.model}/${s.sliceIndex}`) ?? null;
      if (!im) {
        // Not in the cache (e.g. the audit was finished by another process): recompute the unit (seeded).
        const sl = p.slices[s.sliceIndex];
        const xv = await sl.source.load(sl.ref, p.geometry.size);
        const { x, y } = measureSlice(p, spec, sl, xv);
        try {
          im = worstCaseImages(
            (
              await evaluateUnit(
                { index: sl.index, id: sl.id, seedId: sl.seedId, group: sl.group },
                m,
                x,
                y,
                {
                  spec,
                  op: p.op,
                },
              )
            ).images,
          );
        } finally {
          tf.dispose([x, y]);
        }
      }
      entries.push(await writeWorstImages(outDir, w.model, s.rank, s.sliceIndex, im));
    }
  }
  // images/ exists even when no slice could be audited (every unit skipped): its index says so.
  await fs.mkdir(path.join(outDir, IMAGES_DIR), { recursive: true });
  await writeFileAtomic(path.join(outDir, IMAGES_INDEX), `${JSON.stringify({ worst: entries }, null, 2)}\n`);
  return entries;
}
