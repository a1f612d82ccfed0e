/**
 * The bundled demo (`ct-audit demo`, `npm run demo`): trains small FBPConvNets with `ord`, `minmax` and
 * `smt-grad` on random-ellipse phantoms at the `demo` geometry (128 x 128, 36 views), then audits them next to
 * plain FBP on the bundled CT slices (resources/samples, resources/demo) and two held-out phantoms: pga-y
 * rho-hat(eps) and randomized-smoothing certification, summary, images and the PDF report.
 *
 * Budget (measured on the 2-core development machine, see README): the `tiny` preset (about 4.6k weights),
 * DEMO_TRAIN_STEPS steps of batch 4 per method (the same for every method, so the methods see the same data),
 * and a 20-step attack; the whole demo stays under 15 minutes. Every number of the report is measured in this
 * run; nothing is tuned to favour a method.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpecInput } from '@shared/audit-spec';
import { presetGeometry, type Geometry } from '@shared/geometry';
import { noJob, type JobContext } from '../job-context';
import type { FbpConvNetPresetName } from '../models/fbpconvnet';
import { runAudit, type AuditOutcome } from './runner';
import { trainModels, type TrainedModel, type TrainPlan, type TrainSettings } from './train-models';
import { packageRoot } from '../app-version';

export const DEMO_METHODS = ['ord', 'minmax', 'smt-grad'] as const;
export const DEMO_TRAIN_STEPS = 100;

/** The bundled CT slices of the demo (relative to the package root). */
export const DEMO_SLICES = [
  'resources/samples/nema-ct1.dcm',
  'resources/demo/ctimage-chest.dcm',
  'resources/demo/ge-head-05.dcm',
  'resources/demo/ge-head-15.dcm',
];

export interface DemoOptions {
  outDir: string;
  job?: JobContext;
  /** Training steps per method (default DEMO_TRAIN_STEPS). */
  steps?: number;
  methods?: readonly string[];
  /** Default: the `demo` preset. Tests use smaller ones. */
  geometry?: Geometry;
  preset?: FbpConvNetPresetName;
  /** Audit data (default: the bundled slices and 2 phantoms). */
  data?: string[];
  phantoms?: number;
  /** Overrides of the audit spec (attack steps, samples...). */
  audit?: Partial<Pick<AuditSpecInput, 'attack' | 'certification' | 'report'>>;
  commandLine?: string[];
}

export interface DemoOutcome {
  models: TrainedModel[];
  audit: AuditOutcome;
  seconds: { train: number; audit: number; total: number };
}

export async function runDemo(o: DemoOptions): Promise<DemoOutcome> {
  const t0 = performance.now();
  const job = o.job ?? noJob();
  const geometry = o.geometry ?? presetGeometry('demo');
  const steps = o.steps ?? DEMO_TRAIN_STEPS;
  const settings: TrainSettings = {
    geometry,
    preset: o.preset ?? 'tiny',
    data: 'ellipses',
    batchSize: 4,
    stepsPerEpoch: 50,
    seed: 0,
  };
  const plans: TrainPlan[] = (o.methods ?? DEMO_METHODS).map((method) => ({ method, steps }));
  const models = await trainModels(path.join(o.outDir, 'models'), plans, settings, job);
  const t1 = performance.now();
  const root = packageRoot();
  const spec = parseAuditSpec({
    name: 'CT Audit demo: FBP and FBPConvNets trained with ord, minmax and smt-grad',
    models: models.map((m) => ({ path: m.dir, name: m.method })),
    data: {
      sources: o.data ?? [...DEMO_SLICES.map((s) => path.join(root, s)), 'ellipses'],
      phantoms: o.phantoms ?? 2,
    },
    // The demo's budget (2 CPU cores, a few minutes): 20 attack steps per radius (warm-started, so the later
    // radii start from a good point) and S = 50 smoothing samples with the two sigmas S = 50 certifies
    // (eps/sigma <= 1.5 at c = 0.99). Everything else is the spec's defaults (src/shared/robustness.ts).
    attack: { steps: 20, ...o.audit?.attack },
    certification: { samples: 50, sigma: ['eps/0.5', 'eps/1'], ...o.audit?.certification },
    report: { worstSlices: 2, ...o.audit?.report },
    seed: 0,
    output: path.join(o.outDir, 'audit'),
  });
  // Finished models of an earlier demo in the same folder are reused and its audit resumed; a model trained
  // now starts the audit afresh (the audit refuses to mix weights anyway).
  const auditDir = spec.output as string;
  const fresh = models.some((m) => !m.reused);
  if (fresh) await fs.rm(auditDir, { recursive: true, force: true });
  const audit = await runAudit({
    spec,
    outDir: auditDir,
    resume: !fresh,
    job,
    commandLine: o.commandLine,
  });
  const t2 = performance.now();
  return {
    models,
    audit,
    seconds: { train: (t1 - t0) / 1000, audit: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
  };
}
