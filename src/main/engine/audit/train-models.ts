/**
 * Train several methods on the same data and geometry for the demo and `reproduce ct-robustness`: one model
 * folder per method (models/<method>/), a finished model with the same settings is reused, an interrupted one
 * resumes from its checkpoint. A time budget is turned into a step count from a short timed run of the
 * method (its median step time), so every method gets the same wall-clock budget.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Geometry } from '@shared/geometry';
import { formatCount } from '@shared/progress-format';
import { createJobContext, type JobContext } from '../job-context';
import { readCard, type ModelCard } from '../models/card';
import type { FbpConvNetPresetName } from '../models/fbpconvnet';
import { CHECKPOINT_FILE, train } from '../training';

export interface TrainPlan {
  method: string;
  steps: number;
  hyper?: Record<string, unknown>;
}

export interface TrainSettings {
  geometry: Geometry;
  preset: FbpConvNetPresetName;
  data: string;
  batchSize: number;
  stepsPerEpoch: number;
  seed: number | string;
}

export interface TrainedModel {
  method: string;
  dir: string;
  card: ModelCard;
  /** Training seconds of this call (0 when reused). */
  seconds: number;
  reused: boolean;
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** A finished model of the same plan in `dir`, or null. */
async function finished(dir: string, plan: TrainPlan, s: TrainSettings): Promise<ModelCard | null> {
  try {
    const card = await readCard(dir);
    const t = card.training;
    const ok =
      t !== null &&
      t.status === 'complete' &&
      t.method === plan.method &&
      t.steps === plan.steps &&
      t.completedSteps === plan.steps &&
      t.batchSize === s.batchSize &&
      t.seed === String(s.seed) &&
      (card.architecture as { preset?: string }).preset === s.preset &&
      Object.entries(plan.hyper ?? {}).every(([k, v]) => t.hyper[k] === v) &&
      card.geometry.size === s.geometry.size &&
      card.geometry.views === s.geometry.views;
    return ok ? card : null;
  } catch {
    return null;
  }
}

/** Train (or reuse) one model per plan into `<root>/<method>/`. */
export async function trainModels(
  root: string,
  plans: readonly TrainPlan[],
  s: TrainSettings,
  job?: JobContext,
  onStart?: (plan: TrainPlan, index: number) => void,
): Promise<TrainedModel[]> {
  const out: TrainedModel[] = [];
  for (const [i, plan] of plans.entries()) {
    job?.throwIfCancelled();
    const dir = path.join(root, plan.method);
    const card = await finished(dir, plan, s);
    if (card) {
      out.push({ method: plan.method, dir, card, seconds: 0, reused: true });
      continue;
    }
    onStart?.(plan, i);
    // One phase per model counting training steps; the trainer's other phases (data indexing, validation)
    // only change the message, so step/total and the ETA keep meaning training steps.
    let trained = { step: 0, total: plan.steps };
    const inner = createJobContext({
      signal: job?.signal,
      onProgress: (p) => {
        if (p.phase === 'train') trained = { step: p.step, total: p.total };
        job?.progress({
          phase: `train ${plan.method}`,
          step: trained.step,
          total: trained.total,
          metrics: p.metrics,
          message:
            `model ${i + 1} of ${plans.length}` +
            (p.phase === 'train' ? '' : ` · ${p.phase} ${formatCount(p.step)}/${formatCount(p.total)}`),
        });
      },
    });
    const t0 = performance.now();
    const resume = await exists(path.join(dir, CHECKPOINT_FILE));
    const r = await train({
      data: s.data,
      geometry: s.geometry,
      method: plan.method,
      hyper: plan.hyper,
      preset: s.preset,
      steps: plan.steps,
      batchSize: s.batchSize,
      stepsPerEpoch: s.stepsPerEpoch,
      seed: s.seed,
      outDir: dir,
      resume,
      job: inner,
    }).catch(async (e: unknown) => {
      // A checkpoint of other settings (e.g. another step count): start this model again.
      if (resume && (e as { code?: string }).code === 'USAGE') {
        await fs.rm(path.join(dir, CHECKPOINT_FILE), { force: true });
        return train({
          data: s.data,
          geometry: s.geometry,
          method: plan.method,
          hyper: plan.hyper,
          preset: s.preset,
          steps: plan.steps,
          batchSize: s.batchSize,
          stepsPerEpoch: s.stepsPerEpoch,
          seed: s.seed,
          outDir: dir,
          job: inner,
        });
      }
      throw e;
    });
    r.model.dispose();
    if (!r.card) throw new Error(`train ${plan.method}: no model card written`);
    out.push({
      method: plan.method,
      dir,
      card: r.card,
      seconds: (performance.now() - t0) / 1000,
      reused: false,
    });
  }
  return out;
}

const CALIBRATION_STEPS = 8;

/**
 * Steps that fit `seconds` of training for `method`, from the median step time of a short run (8 steps, not
 * saved) with the same settings; at least `minSteps`. The median leaves out the first steps, which build the
 * kernels (measured: a 3-step median overestimated the step time of pgd, jacobian and smt-adv by 2-2.5x, so
 * they trained for 40% of the budget; with 6 steps smt-adv still used half of it, and minmax, timed in its
 * cheap warm-up, three times it). Validation at epoch ends costs extra time: 10% margin. An approximation:
 * the wall time of a method can still differ from the budget by tens of percent on a shared machine.
 */

export async function stepsForBudget(
  method: string,
  seconds: number,
  s: TrainSettings,
  o: { hyper?: Record<string, unknown>; minSteps?: number; job?: JobContext } = {},
): Promise<{ steps: number; medianStepMs: number }> {
  // minmax trains only the clean term during its warm-up epochs: time its adversarial steps (conservative).
  const hyper = method === 'minmax' ? { ...o.hyper, warmupEpochs: 0 } : o.hyper;
  const r = await train({
    data: s.data,
    geometry: s.geometry,
    method,
    hyper,
    preset: s.preset,
    steps: CALIBRATION_STEPS,
    batchSize: s.batchSize,
    stepsPerEpoch: s.stepsPerEpoch,
    validationSlices: 1,
    seed: s.seed,
    job: o.job ? createJobContext({ signal: o.job.signal }) : undefined,
  });
  r.model.dispose();
  const ms = Math.max(1, r.training.medianStepMs);
  return { steps: Math.max(o.minSteps ?? 10, Math.floor((0.9 * seconds * 1000) / ms)), medianStepMs: ms };
}
