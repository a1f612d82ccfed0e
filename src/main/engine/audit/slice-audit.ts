/**
 * The one-slice audit: every model of a spec evaluated on ONE slice of its data, with the folder audit's own
 * preparation (prepareAudit: model loading, slice ids, measurement with its seeded noise) and evaluation unit,
 * in memory (nothing is written). So the numbers are, by construction, those `ct-audit audit` writes to
 * results.jsonl for the same slice, models and settings (tested). The app's one-slice audit and comparison
 * view run this.
 */
import type { AuditSpec } from '@shared/audit-spec';
import type { ResultLine } from '@shared/audit-results';
import { InputError } from '@shared/errors';
import type { Geometry } from '@shared/geometry';
import { tf } from '../backend';
import { noJob, type JobContext } from '../job-context';
import { evaluateUnit, type GeneratorCache, type UnitImages } from './evaluate-unit';
import { measureSlice, prepareAudit, type PreparedSlice } from './prepare';

export interface SliceAuditTarget {
  /** The file holding the slice (a DICOM file or .npy stack) and the frame / stack index in it. */
  file: string;
  frame: number;
}

export interface SliceAuditOutcome {
  sliceId: string;
  geometry: Geometry;
  models: { name: string; description: string; lines: ResultLine[]; images: UnitImages }[];
}

function refLocation(s: PreparedSlice): { file?: string; frame?: number } {
  const r = s.ref as unknown as { file?: string; frame?: number; index?: number };
  return { file: r.file, frame: r.frame ?? r.index };
}

/** Evaluate every model of `spec` (data.sources: the slice's file) on the slice at `target`. */
export async function auditSlice(
  spec: AuditSpec,
  target: SliceAuditTarget,
  o: { job?: JobContext; onProgress?: (fraction: number, phase: string) => void } = {},
): Promise<SliceAuditOutcome> {
  const job = o.job ?? noJob();
  const p = await prepareAudit(spec, { signal: job.signal });
  const generators: GeneratorCache = new Map();
  try {
    const slice = p.slices.find((s) => {
      const loc = refLocation(s);
      return loc.file === target.file && loc.frame === target.frame;
    });
    if (!slice) {
      throw new InputError(`${target.file}: frame ${target.frame} is not a slice the audit can read`);
    }
    const xv = await slice.source.load(slice.ref, p.geometry.size);
    const { x, y } = measureSlice(p, spec, slice, xv);
    const models: SliceAuditOutcome['models'] = [];
    try {
      for (const [i, m] of p.models.entries()) {
        job.throwIfCancelled();
        const r = await evaluateUnit(
          { index: slice.index, id: slice.id, seedId: slice.seedId, group: slice.group },
          m,
          x,
          y,
          {
            spec,
            op: p.op,
            job,
            generators,
            onProgress: (f, phase) => o.onProgress?.((i + f) / p.models.length, `${m.name}: ${phase}`),
          },
        );
        models.push({ name: m.name, description: m.description, lines: r.lines, images: r.images });
      }
    } finally {
      tf.dispose([x, y]);
    }
    return { sliceId: slice.id, geometry: p.geometry, models };
  } finally {
    for (const g of generators.values()) g.dispose();
    p.dispose();
  }
}
