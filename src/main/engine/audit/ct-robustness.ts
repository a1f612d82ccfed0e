/**
 * `ct-audit reproduce ct-robustness`: every training method on the same data (random-ellipse phantoms) and
 * the same wall-clock budget, then one audit of all of them next to FBP (pga-y rho-hat(eps) on the bundled CT
 * slices and held-out phantoms), and the rho-hat table with the papers' claim next to it:
 *
 *   papers/000 section 4: adversarially (min-max) trained models have lower rho-hat than normally trained and
 *   Parseval ones for every eps > 0 (Figures 4a/4b; "the adversarially trained models outperform the normally
 *   trained and Parseval networks");
 *   papers/002 section 4: estimators trained with Adv, Smt-Adv or Smt-Grad are more robust than Ord, and
 *   Smt-Adv / Smt-Grad "consistently outperform the other three baselines" under perturbation.
 *
 * So the claim checked here: rho-hat(method, eps) < rho-hat(ord, eps) at every eps > 0 for pgd, minmax,
 * smt-adv and smt-grad; l2, parseval and jacobian are shown without a claim.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpecInput } from '@shared/audit-spec';
import type { AuditSummary } from '@shared/audit-results';
import { presetGeometry, type Geometry } from '@shared/geometry';
import { noJob, type JobContext } from '../job-context';
import type { FbpConvNetPresetName } from '../models/fbpconvnet';
import { METHOD_NAMES } from '../training';
import { packageRoot } from '../app-version';
import { DEMO_SLICES } from './demo';
import { runAudit, type AuditOutcome } from './runner';
import { stepsForBudget, trainModels, type TrainedModel, type TrainSettings } from './train-models';

/** What the papers claim about each method's rho-hat against ord at eps > 0. */
export const PAPER_CLAIMS: Readonly<Record<string, { claim: 'lower' | null; source: string }>> = {
  ord: { claim: null, source: 'baseline' },
  l2: { claim: null, source: 'papers/000: baseline (no robustness claim)' },
  parseval: { claim: null, source: 'papers/000: baseline, worse than min-max' },
  pgd: { claim: 'lower', source: 'papers/002 Adv' },
  minmax: { claim: 'lower', source: 'papers/000 Fig. 4' },
  jacobian: { claim: null, source: 'papers/002 Jcb: baseline' },
  'smt-adv': { claim: 'lower', source: 'papers/002 Smt-Adv' },
  'smt-grad': { claim: 'lower', source: 'papers/002 Smt-Grad' },
};

export interface ClaimRow {
  method: string;
  clean: number;
  rhoHat: { spec: string; value: number; vsOrd: number | null }[];
  claim: 'lower' | null;
  source: string;
  /** true: lower than ord at every eps > 0; false: not; null: no claim (or no ord). */
  agrees: boolean | null;
}

/** The claim table of an audit summary whose model names are the method names (and 'ord'). */
export function claimTable(summary: AuditSummary): { rows: ClaimRow[]; agreesOverall: boolean | null } {
  const ord = summary.rhoHat.find((r) => r.model === 'ord');
  const rows: ClaimRow[] = summary.rhoHat.map((r) => {
    const known = PAPER_CLAIMS[r.model] ?? {
      claim: null,
      source: r.model === 'fbp' ? 'FBP (no training)' : '',
    };
    const rhoHat = r.points.map((p) => {
      const o = ord?.points.find((q) => q.epsIndex === p.epsIndex);
      return { spec: p.spec, value: p.rhoHat, vsOrd: o && o.rhoHat > 0 ? p.rhoHat / o.rhoHat : null };
    });
    const positive = r.points.filter((p) => (p.meanRelative ?? 1) > 0);
    const agrees =
      known.claim === 'lower' && ord
        ? positive.every(
            (p) => p.rhoHat < (ord.points.find((q) => q.epsIndex === p.epsIndex)?.rhoHat ?? -Infinity),
          )
        : null;
    return { method: r.model, clean: r.clean.mean, rhoHat, claim: known.claim, source: known.source, agrees };
  });
  const judged = rows.filter((r) => r.agrees !== null);
  return { rows, agreesOverall: judged.length === 0 ? null : judged.every((r) => r.agrees) };
}

export interface CtRobustnessOptions {
  outDir: string;
  /** Training minutes per method (default 1); or `steps` for a fixed step count. */
  budgetMinutes?: number;
  steps?: number;
  methods?: readonly string[];
  geometry?: Geometry;
  preset?: FbpConvNetPresetName;
  /** Audit data (default: the bundled CT slices and 4 phantoms). */
  data?: string[];
  phantoms?: number;
  audit?: Partial<Pick<AuditSpecInput, 'attack' | 'certification' | 'report'>>;
  job?: JobContext;
  commandLine?: string[];
}

export interface CtRobustnessOutcome {
  models: (TrainedModel & { plannedSteps: number; medianStepMs: number | null })[];
  audit: AuditOutcome;
  table: ReturnType<typeof claimTable>;
  budgetSeconds: number | null;
}

export async function runCtRobustness(o: CtRobustnessOptions): Promise<CtRobustnessOutcome> {
  const job = o.job ?? noJob();
  const methods = o.methods ?? METHOD_NAMES;
  const settings: TrainSettings = {
    geometry: o.geometry ?? presetGeometry('demo'),
    preset: o.preset ?? 'tiny',
    data: 'ellipses',
    batchSize: 4,
    stepsPerEpoch: 50,
    seed: 0,
  };
  const budgetSeconds = o.steps === undefined ? (o.budgetMinutes ?? 1) * 60 : null;
  const plans: { method: string; steps: number; medianStepMs: number | null }[] = [];
  for (const [i, method] of methods.entries()) {
    if (budgetSeconds === null) {
      plans.push({ method, steps: o.steps as number, medianStepMs: null });
      continue;
    }
    job.progress({ phase: 'calibrate', step: i, total: methods.length, message: `timing ${method}` });
    const b = await stepsForBudget(method, budgetSeconds, settings, { job });
    plans.push({ method, steps: b.steps, medianStepMs: b.medianStepMs });
  }
  const trained = await trainModels(path.join(o.outDir, 'models'), plans, settings, job);
  const root = packageRoot();
  const spec = parseAuditSpec({
    name: 'reproduce ct-robustness: every training method, same data and budget',
    models: trained.map((m) => ({ path: m.dir, name: m.method })),
    data: {
      sources: o.data ?? [...DEMO_SLICES.map((s) => path.join(root, s)), 'ellipses'],
      phantoms: o.phantoms ?? 4,
    },
    attack: { kind: 'pga-y', eps: ['0.5%', '1%', '2%'], steps: 20, ...o.audit?.attack },
    certification: { enabled: false, ...o.audit?.certification },
    report: { worstSlices: 1, ...o.audit?.report },
    seed: 0,
    output: path.join(o.outDir, 'audit'),
  });
  const fresh = trained.some((m) => !m.reused);
  if (fresh) await fs.rm(spec.output as string, { recursive: true, force: true });
  const audit = await runAudit({
    spec,
    outDir: spec.output,
    resume: !fresh,
    job,
    commandLine: o.commandLine,
  });
  return {
    models: trained.map((m, i) => ({
      ...m,
      plannedSteps: plans[i].steps,
      medianStepMs: plans[i].medianStepMs,
    })),
    audit,
    table: claimTable(audit.summary),
    budgetSeconds,
  };
}
