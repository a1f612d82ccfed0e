/**
 * Training the models of a reproduce run: one folder per model (`<root>/<name>/`), every step counted
 * (step-accounting.ts), the count and the plan written next to the model (`accounting.json`), and a model whose
 * folder holds the same plan reused on the next run (a killed run restarts the unfinished model from scratch,
 * so the count is always of one uninterrupted run).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Geometry } from '@shared/geometry';
import type { NoiseSpec } from '@shared/noise-spec';
import { writeFileAtomic } from '../io/npy';
import { createJobContext, type JobContext } from '../job-context';
import type { ValidationMetrics } from '../models/card';
import type { FbpConvNetPresetName } from '../models/fbpconvnet';
import type { DataSource } from '../data';
import type { MethodName } from '../training';
import {
  emptyAccount,
  lastValidation,
  trainAccounted,
  trainUntilClear,
  type StepAccount,
  type UntilClearOptions,
  type UntilClearResult,
} from './step-accounting';

export const ACCOUNTING_FILE = 'accounting.json';

export interface ModelPlan {
  /** Folder and audit name (e.g. 'smt-adv' or 'smt-adv-s10'). */
  name: string;
  method: MethodName;
  hyper: Record<string, number | string>;
  /** Total steps (ignored with `until`). */
  steps: number;
  /** ord's rounds until it has clearly left FBP (step-accounting.ts). */
  until?: UntilClearOptions;
}

export interface TrainSetup {
  root: string;
  data: string | DataSource;
  /** Identifies the data in the reuse key (a DataSource has no stable text of its own). */
  dataKey: string;
  geometry: Geometry;
  preset: FbpConvNetPresetName;
  batchSize: number;
  stepsPerEpoch?: number;
  learningRate: number;
  seed: number | string;
  noise?: NoiseSpec;
  augment?: boolean;
  validationSlices?: number;
}

export interface TrainedRecord {
  name: string;
  method: MethodName;
  hyper: Record<string, number | string>;
  dir: string;
  plannedSteps: number;
  account: StepAccount;
  /** The last clean validation (PSNR and FBP's on the same slices). */
  validation: Pick<ValidationMetrics, 'psnr' | 'fbpPsnr' | 'ssim' | 'fbpSsim' | 'slices' | 'step'> | null;
  /** ord's rounds (with `until`). */
  rounds: UntilClearResult['rounds'] | null;
  cleared: boolean | null;
  /** Training seconds when trained (as measured then, also for a reused model). */
  seconds: number;
  reused: boolean;
  stepsPerEpoch: number;
}

function reuseKey(plan: ModelPlan, s: TrainSetup): string {
  return JSON.stringify({
    plan,
    data: s.dataKey,
    geometry: s.geometry,
    preset: s.preset,
    batchSize: s.batchSize,
    stepsPerEpoch: s.stepsPerEpoch ?? null,
    learningRate: s.learningRate,
    seed: String(s.seed),
    noise: s.noise ?? null,
    augment: s.augment ?? null,
    validationSlices: s.validationSlices ?? null,
  });
}

async function reusable(dir: string, key: string): Promise<TrainedRecord | null> {
  try {
    const saved = JSON.parse(await fs.readFile(path.join(dir, ACCOUNTING_FILE), 'utf8')) as {
      key: string;
      record: TrainedRecord;
    };
    await fs.access(path.join(dir, 'model.json'));
    return saved.key === key ? { ...saved.record, dir, reused: true } : null;
  } catch {
    return null;
  }
}

/** Train (or reuse) one model of a plan (file comment). */
export async function trainPlanned(plan: ModelPlan, s: TrainSetup, job?: JobContext): Promise<TrainedRecord> {
  const dir = path.join(s.root, plan.name);
  const key = reuseKey(plan, s);
  const old = await reusable(dir, key);
  if (old) return old;
  await fs.rm(dir, { recursive: true, force: true });
  const inner = createJobContext({
    signal: job?.signal,
    onProgress: (p) =>
      job?.progress({
        ...p,
        phase: `train ${plan.name}`,
        message: `${plan.name}: ${p.phase} ${p.step}/${p.total}`,
      }),
  });
  const base = {
    data: s.data,
    geometry: s.geometry,
    method: plan.method,
    hyper: plan.hyper,
    preset: s.preset,
    batchSize: s.batchSize,
    stepsPerEpoch: s.stepsPerEpoch,
    learningRate: s.learningRate,
    lrSchedule: 'constant' as const,
    seed: s.seed,
    noise: s.noise,
    augment: s.augment,
    validationSlices: s.validationSlices,
    outDir: dir,
    job: inner,
  };
  const t0 = performance.now();
  let account: StepAccount;
  let rounds: UntilClearResult['rounds'] | null = null;
  let cleared: boolean | null = null;
  let validation: TrainedRecord['validation'] = null;
  let stepsPerEpoch = s.stepsPerEpoch ?? 0;
  if (plan.until) {
    const r = await trainUntilClear(base, plan.until);
    r.result.model.dispose();
    account = r.account;
    rounds = r.rounds;
    cleared = r.cleared;
    validation = lastValidation(r.result.validation);
    stepsPerEpoch = r.result.training.stepsPerEpoch;
  } else {
    account = emptyAccount(plan.method);
    const r = await trainAccounted({ ...base, steps: plan.steps }, account);
    r.model.dispose();
    validation = lastValidation(r.validation);
    stepsPerEpoch = r.training.stepsPerEpoch;
  }
  const record: TrainedRecord = {
    name: plan.name,
    method: plan.method,
    hyper: plan.hyper,
    dir,
    plannedSteps: plan.until ? account.steps : plan.steps,
    account,
    validation: validation
      ? {
          psnr: validation.psnr,
          fbpPsnr: validation.fbpPsnr,
          ssim: validation.ssim,
          fbpSsim: validation.fbpSsim,
          slices: validation.slices,
          step: validation.step,
        }
      : null,
    rounds,
    cleared,
    seconds: (performance.now() - t0) / 1000,
    reused: false,
    stepsPerEpoch,
  };
  await writeFileAtomic(path.join(dir, ACCOUNTING_FILE), `${JSON.stringify({ key, record }, null, 2)}\n`);
  return record;
}
