/**
 * `robustness:run`: the one-slice audit of the app (the Audit view's slice and the comparison view). A thin
 * wrapper over engine/audit/slice-audit.ts: the request becomes an audit spec whose data is the slice's file,
 * and the slice is evaluated with the folder audit's own preparation and evaluation unit, so the app shows the
 * numbers `ct-audit audit` writes for the same slice and settings. Images leave in HU; errors stay in canonical
 * units (as the engine computes them).
 */
import { parseAuditSpec } from '@shared/audit-spec';
import { xArrayToHu } from '@shared/units';
import type { HostParamOverrides } from '@shared/host-protocol';
import type { RobustnessResult } from '@shared/ipc';
import { initBackend } from '../../backend';
import { auditSlice } from '../../audit/slice-audit';
import type { MethodContext } from './context';

export async function robustnessRun(
  p: HostParamOverrides['robustness:run'],
  ctx: MethodContext,
): Promise<RobustnessResult> {
  const t0 = performance.now();
  const { job, store } = ctx;
  job.progress({ phase: 'prepare', step: 0, total: 1, message: 'loading the models and the slice' });
  await initBackend();
  const { slice } = store.slice(p.source.seriesKey, p.source.index);
  const spec = parseAuditSpec({
    models: p.models.map((m) => (m.kind === 'fbp' ? 'fbp' : { path: m.path, name: m.name })),
    baseline: true,
    data: { sources: [slice.file] },
    geometry: p.geometry,
    noise: p.noise,
    seed: p.seed,
    attack: p.attack,
    certification: p.certification,
    report: { worstSlices: 0, pdf: false },
  });
  const out = await auditSlice(
    spec,
    { file: slice.file, frame: slice.frameIndex },
    {
      job,
      onProgress: (f, phase) =>
        job.progress({ phase: 'audit', step: Math.round(f * 1000) / 10, total: 100, message: phase }),
    },
  );
  const first = out.models[0].images;
  const hu = (v: Float32Array | null) => (v ? xArrayToHu(v) : null);
  return {
    sliceId: out.sliceId,
    geometry: out.geometry,
    attack: spec.attack,
    certification: spec.certification,
    reference: xArrayToHu(first.reference),
    models: out.models.map((m) => ({
      name: m.name,
      description: m.description,
      lines: m.lines,
      clean: xArrayToHu(m.images.clean),
      points: m.images.points.map((pt) => ({
        perturbed: xArrayToHu(pt.perturbed),
        smoothed: hu(pt.smoothed),
        certified: hu(pt.certified),
        perturbation: pt.perturbation,
        bestSigma: pt.bestSigma,
      })),
    })),
    elapsedMs: performance.now() - t0,
  };
}
