/**
 * Step accounting for the reproduce runs (issue 12): every method gets the same number of optimisation steps
 * that use its robustness term, counted from what each step reports, never inside a warm-up.
 *
 *   stepKind       what one step did, read from the terms the method returned (methods/*.ts): 'robust' (the
 *                  adversarial, smoothed or Jacobian term was in the loss), 'warmup' (minmax's clean-only
 *                  epochs, papers/000 section 2.3.1) or 'plain' (ord, l2, parseval: no robustness term)
 *   plannedSteps   the steps a method must run so that its robust steps equal ord's steps: minmax adds its
 *                  warm-up (warmupEpochs x stepsPerEpoch) in front, everyone else runs the same count
 *   trainAccounted train() with every step counted (the count is the measurement, not the plan)
 *   trainUntilClear ord in rounds (constant learning rate, so a resumed round is the same run as a longer one)
 *                  until its clean validation PSNR is at least `minGainDb` above FBP's on the same validation
 *                  slices, or `maxSteps`
 *   checkAccounting throws unless every robust method took >= ord's step count of robust steps (a bug, not a
 *                  user error: the plan guarantees it)
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CtAuditError, UsageError } from '@shared/errors';
import type { ValidationMetrics } from '../models/card';
import {
  CHECKPOINT_FILE,
  METHOD_HYPERS,
  resolveHyper,
  train,
  type MethodName,
  type TrainOptions,
  type TrainResult,
} from '../training';

export type StepKind = 'robust' | 'warmup' | 'plain';

/** Methods whose claim rests on a robustness term (papers/000: minmax; papers/002: Adv, Jcb, Smt-*). */
export const ROBUST_METHODS: readonly MethodName[] = ['pgd', 'minmax', 'jacobian', 'smt-adv', 'smt-grad'];

/** The term whose presence marks a robust step, per method (the names methods/*.ts report). */
const ROBUST_TERM: Partial<Record<MethodName, string>> = {
  pgd: 'mseAdversarial',
  'smt-adv': 'mseAdversarial',
  'smt-grad': 'mseNoisy',
  jacobian: 'spectralNorm',
  minmax: 'mseAdversarial',
};

/** What a step of `method` did, from its reported terms (file comment). */
export function stepKind(method: string, terms: Readonly<Record<string, number>>): StepKind {
  if (method === 'minmax' && terms.warmup === 1) return 'warmup';
  const term = ROBUST_TERM[method as MethodName];
  if (term === undefined) return 'plain';
  return term in terms ? 'robust' : 'plain';
}

export interface StepAccount {
  method: string;
  /** Optimiser steps taken (this call and the rounds before it). */
  steps: number;
  robustSteps: number;
  warmupSteps: number;
  plainSteps: number;
}

export function emptyAccount(method: string): StepAccount {
  return { method, steps: 0, robustSteps: 0, warmupSteps: 0, plainSteps: 0 };
}

/** The warm-up steps of a method under `hyper` (minmax: warmupEpochs x stepsPerEpoch; others 0). */
export function warmupSteps(
  method: string,
  hyper: Record<string, unknown> | undefined,
  stepsPerEpoch: number,
): number {
  if (method !== 'minmax') return 0;
  const h = resolveHyper('minmax', hyper ?? {});
  return (h.warmupEpochs as number) * stepsPerEpoch;
}

/** Steps `method` must run so that its robust steps equal `ordSteps` (file comment). */
export function plannedSteps(
  method: string,
  ordSteps: number,
  hyper: Record<string, unknown> | undefined,
  stepsPerEpoch: number,
): number {
  if (!(method in METHOD_HYPERS)) throw new UsageError(`unknown training method "${method}"`);
  return ordSteps + warmupSteps(method, hyper, stepsPerEpoch);
}

/** train() with every step counted into `account` (added to what it holds). */
export async function trainAccounted(o: TrainOptions, account: StepAccount): Promise<TrainResult> {
  return train({
    ...o,
    onStep: (r) => {
      account.steps += 1;
      const k = stepKind(String(o.method), r.terms);
      if (k === 'robust') account.robustSteps += 1;
      else if (k === 'warmup') account.warmupSteps += 1;
      else account.plainSteps += 1;
      o.onStep?.(r);
    },
  });
}

/** The clean validation PSNR of the last validation and FBP's on the same slices (null: none ran). */
export function lastValidation(v: readonly ValidationMetrics[]): ValidationMetrics | null {
  return v.length === 0 ? null : [...v].sort((a, b) => a.step - b.step)[v.length - 1];
}

export interface UntilClearOptions {
  /** Steps of the first round. */
  initialSteps: number;
  /** The run never goes beyond this many steps. */
  maxSteps: number;
  /** Clean validation PSNR gain over FBP that counts as "clearly left FBP", in dB. */
  minGainDb: number;
}

export interface UntilClearResult {
  result: TrainResult;
  account: StepAccount;
  rounds: { steps: number; psnr: number; fbpPsnr: number }[];
  /** Whether the last round reached minGainDb. */
  cleared: boolean;
}

/**
 * Train (ord) in rounds that double the step count until the clean validation PSNR is minGainDb above FBP's
 * (file comment). Needs `outDir` (the checkpoint carries the run over rounds) and a constant learning rate
 * (with a cosine schedule a resumed round would restart the decay).
 */
export async function trainUntilClear(o: TrainOptions, u: UntilClearOptions): Promise<UntilClearResult> {
  if (!o.outDir) throw new UsageError('trainUntilClear needs an output folder (the checkpoint)');
  if (o.lrSchedule !== 'constant')
    throw new UsageError('trainUntilClear needs a constant learning rate (rounds resume the same run)');
  if (!(u.initialSteps >= 1 && u.maxSteps >= u.initialSteps))
    throw new UsageError(
      `trainUntilClear: need 1 <= initialSteps <= maxSteps, got ${u.initialSteps}, ${u.maxSteps}`,
    );
  await fs.rm(path.join(o.outDir, CHECKPOINT_FILE), { force: true });
  const account = emptyAccount(String(o.method));
  const rounds: UntilClearResult['rounds'] = [];
  let steps = u.initialSteps;
  let result: TrainResult | undefined;
  for (;;) {
    result?.model.dispose();
    result = await trainAccounted({ ...o, steps, resume: rounds.length > 0 }, account);
    const v = lastValidation(result.validation);
    if (!v) throw new UsageError('trainUntilClear: the run has no validation slices to compare with FBP');
    rounds.push({ steps, psnr: v.psnr, fbpPsnr: v.fbpPsnr });
    const cleared = v.psnr - v.fbpPsnr >= u.minGainDb;
    if (cleared || steps >= u.maxSteps) return { result, account, rounds, cleared };
    steps = Math.min(u.maxSteps, 2 * steps);
  }
}

/** Throws unless every robust method in `accounts` took at least `ordSteps` robust steps (file comment). */
export function checkAccounting(accounts: readonly StepAccount[], ordSteps: number): void {
  for (const a of accounts) {
    if (!(ROBUST_METHODS as readonly string[]).includes(a.method)) continue;
    if (a.robustSteps < ordSteps) {
      throw new CtAuditError(
        'INTERNAL',
        `step accounting: ${a.method} took ${a.robustSteps} robust steps (${a.warmupSteps} warm-up, ${a.plainSteps} plain) against ord's ${ordSteps}`,
        { account: a, ordSteps },
      );
    }
  }
}
