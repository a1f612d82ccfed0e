/**
 * Train several methods on the same data and geometry for the demo and `reproduce ct-robustness`: one model
 * folder per method (models/<method>/), a finished model with the same settings is reused, an interrupted one
 * resumes from its checkpoint. (`reproduce` trains with engine/reproduce/train-plan.ts, which counts every step.)
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
