/**
 * The trainer (DESIGN.md sections 4-5): trains a TrainableReconstructor (an FBPConvNet preset, or a model
 * the caller built, e.g. linear) with one TrainingMethod, as a job:
 *  - progress per step (every loss term, learning rate, step time; ETA from the JobContext), validation
 *    PSNR/SSIM against FBP at every epoch end;
 *  - cancellation between steps: the state after the last completed step is checkpointed, then
 *    JobCancelledError is thrown;
 *  - checkpoints (checkpoint.ts) every `checkpointEvery` steps, at epoch ends and at the end; `resume`
 *    continues from one and gives the same weights as an uninterrupted run (same seed, same backend):
 *    data, augmentation, noise and the method's random draws of step t are seeded by (seed, t);
 *  - a NaN/Inf guard: a non-finite loss stops the run with TrainingDivergedError; checkpoints are only
 *    written from finite weights, so the last good one stays on disk;
 *  - the final model is saved with its card (models/save-load.ts) when `outDir` is given.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Geometry } from '@shared/geometry';
import type { NoiseSpec } from '@shared/noise-spec';
import { CtAuditError, JobCancelledError, UsageError } from '@shared/errors';
import { tf } from '../backend';
import {
  openDataSource,
  simulateMeasurements,
  SliceStream,
  splitByGroup,
  validationRefs,
  type DataSource,
  type DataSplit,
} from '../data';
import { noJob, type JobContext } from '../job-context';
import { FbpConvNet, type FbpConvNetPresetName, type FbpSettings } from '../models/fbpconvnet';
import { FbpReconstructor } from '../models/fbp-reconstructor';
import type { ModelCard, TrainingRecord, ValidationMetrics } from '../models/card';
import { saveReconstructor } from '../models/save-load';
import { makeOperator } from '../physics';
import { createRng } from '../random';
import { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from './checkpoint';
import { METHOD_OPTIMIZER_DEFAULTS, TRAIN_DEFAULTS } from './defaults';
import type { TrainableReconstructor } from '../models/reconstructor';
import type { MethodContext, MethodName } from './method';
import { createMethod } from './methods';
import { checkResumable, learningRateAt, type TrainSettings } from './settings';
import { ValidationSet } from './validation';

/** A run stopped by a non-finite loss or non-finite weights (CLI: exit 1, one line). */
export class TrainingDivergedError extends CtAuditError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INPUT', message, details);
  }
}

export interface TrainOptions {
  /** `--data` spec ('ellipses', x.npy, folder) or an open source. */
  data: string | DataSource;
  geometry: Geometry;
  method: MethodName | string;
  /** Method hyperparameters (validated against defaults.ts). */
  hyper?: Record<string, unknown>;
  /** FBPConvNet preset (default TRAIN_DEFAULTS.preset), ignored when `model` is given. */
  preset?: FbpConvNetPresetName;
  fbp?: Partial<FbpSettings>;
  /** A caller-built model (e.g. a LinearReconstructor); the trainer does not dispose it. */
  model?: TrainableReconstructor;
  /** Total steps; or `epochs` (default TRAIN_DEFAULTS.epochs) times the steps per epoch. */
  steps?: number;
  epochs?: number;
  batchSize?: number;
  seed?: number | string;
  learningRate?: number;
  lrSchedule?: 'cosine' | 'constant';
  noise?: NoiseSpec;
  /** Flips and 90-degree rotations (default: on for finite sources, off for generated phantoms). */
  augment?: boolean;
  validationFraction?: number;
  validationSlices?: number;
  /** Steps per epoch for generated (unlimited) sources. */
  stepsPerEpoch?: number;
  /** Folder for the checkpoint and the final model; without it nothing is written. */
  outDir?: string;
  resume?: boolean;
  checkpointEvery?: number;
  allowNonCt?: boolean;
  job?: JobContext;
  /** Called after every completed step (tests: cancel, count tensors). */
  onStep?: (r: StepRecord) => void;
}

export interface StepRecord {
  /** Completed steps (1-based). */
  step: number;
  epoch: number;
  loss: number;
  terms: Record<string, number>;
  learningRate: number;
  stepMs: number;
}

export interface TrainResult {
  model: TrainableReconstructor;
  training: TrainingRecord;
  validation: ValidationMetrics[];
  /** Present when the model was saved (outDir, FBPConvNet). */
  card?: ModelCard;
  notes: string[];
}

interface CheckpointState {
  format: 'ct-audit/train-checkpoint';
  settings: TrainSettings;
  step: number;
  validation: ValidationMetrics[];
  elapsedSeconds: number;
  adam: { iterations: number; accBeta1: number; accBeta2: number; slots: number };
  modelVariables: number;
  methodTensors: string[];
}

type AdamInternals = tf.Optimizer & {
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: unknown[];
};

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
  return v;
}

function stateVariables(m: TrainableReconstructor): tf.Variable[] {
  return m.stateVariables ? m.stateVariables() : m.trainableVariables();
}

function allFinite(vars: tf.Variable[]): boolean {
  return tf.tidy(() => vars.every((v) => tf.all(tf.isFinite(v)).dataSync()[0] === 1));
}

function median(a: number[]): number {
  if (a.length === 0) return 0;
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function describeSplit(split: DataSplit | null, generatedValidation: number, fraction: number) {
  if (!split) {
    return {
      mode: 'generated',
      validationFraction: fraction,
      train: { slices: -1, groups: ['ellipses/train'] },
      validation: { slices: generatedValidation, groups: ['ellipses/validation'] },
    };
  }
  return {
    mode: split.mode,
    validationFraction: fraction,
    train: { slices: split.train.length, groups: split.trainGroups },
    validation: { slices: split.validation.length, groups: split.validationGroups },
  };
}

/** Trains and returns the model (caller disposes it unless it passed its own). */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const job = o.job ?? noJob();
  const seed = String(o.seed ?? 0);
  const geometry = o.model?.geometry ?? o.geometry;
  if (o.learningRate !== undefined && !(o.learningRate > 0 && Number.isFinite(o.learningRate))) {
    throw new UsageError(`--lr must be a positive number, got ${o.learningRate}`);
  }
  const source =
    typeof o.data === 'string'
      ? await openDataSource(o.data, {
          seed,
          allowNonCt: o.allowNonCt,
          signal: job.signal,
          onProgress: (p) => job.progress({ phase: 'index data', step: p.done, total: p.total }),
        })
      : o.data;
  const method = createMethod(o.method, o.hyper ?? {});
  const batchSize = positiveInt('--batch', o.batchSize ?? TRAIN_DEFAULTS.batchSize);
  const validationFraction = o.validationFraction ?? TRAIN_DEFAULTS.validationFraction;
  const validationSlices = positiveInt(
    'validation slices',
    o.validationSlices ?? TRAIN_DEFAULTS.validationSlices,
  );
  const split = source.refs ? splitByGroup(source.refs, { validationFraction, seed }) : null;
  const stream = new SliceStream(source, split?.train, {
    N: geometry.size,
    batchSize,
    seed,
    augment: o.augment ?? source.refs !== undefined,
    stepsPerEpoch: o.stepsPerEpoch ?? TRAIN_DEFAULTS.generatedStepsPerEpoch,
  });
  if (o.steps !== undefined && o.epochs !== undefined)
    throw new UsageError('give --steps or --epochs, not both');
  const totalSteps =
    o.steps !== undefined
      ? positiveInt('--steps', o.steps)
      : positiveInt('--epochs', o.epochs ?? TRAIN_DEFAULTS.epochs) * stream.stepsPerEpoch;

  const model =
    o.model ?? FbpConvNet.create(o.geometry, { preset: o.preset ?? TRAIN_DEFAULTS.preset, seed, fbp: o.fbp });
  const ownsModel = o.model === undefined;
  const opt = { ...TRAIN_DEFAULTS, ...METHOD_OPTIMIZER_DEFAULTS[method.name] };
  const settings: TrainSettings = {
    geometry: { ...model.geometry },
    method: method.name,
    hyper: { ...method.hyper },
    model: model instanceof FbpConvNet ? `fbpconvnet:${model.config.preset}` : model.describe(),
    preset: model instanceof FbpConvNet && model.config.preset !== 'custom' ? model.config.preset : null,
    fbp: model instanceof FbpConvNet ? { ...model.config.fbp } : null,
    batchSize: stream.batchSize,
    seed,
    learningRate: o.learningRate ?? opt.learningRate,
    lrSchedule: o.lrSchedule ?? opt.lrSchedule,
    minLearningRateFraction: opt.minLearningRateFraction,
    beta1: opt.beta1,
    beta2: opt.beta2,
    noise: o.noise ?? { kind: 'none' },
    augment: o.augment ?? source.refs !== undefined,
    validationFraction,
    validationSlices,
    data: source.kind === 'ellipses' ? 'ellipses' : path.basename(source.spec),
    stepsPerEpoch: stream.stepsPerEpoch,
    totalSteps,
  };

  const optimizer = tf.train.adam(
    settings.learningRate,
    settings.beta1,
    settings.beta2,
  ) as unknown as AdamInternals;
  const op = model instanceof FbpConvNet ? model.op : makeOperator(model.geometry);
  const ctx: MethodContext = {
    model,
    optimizer,
    op,
    geometry: model.geometry,
    rng: createRng(`${seed}/method/init`),
    step: 0,
    epoch: 0,
    stepsPerEpoch: stream.stepsPerEpoch,
  };
  const checkpointFile = o.outDir ? path.join(o.outDir, CHECKPOINT_FILE) : undefined;
  const notes: string[] = [...source.warnings, ...(split?.warnings ?? [])];
  let validation: ValidationMetrics[] = [];
  let step = 0;
  let elapsedBefore = 0;
  let valSet: ValidationSet | undefined;
  const stepTimes: number[] = [];
  const started = performance.now();
  const elapsed = () => elapsedBefore + (performance.now() - started) / 1000;

  const save = async (): Promise<boolean> => {
    if (!checkpointFile) return true;
    const vars = stateVariables(model);
    if (!allFinite(vars)) return false;
    const adamWeights = await optimizer.getWeights();
    const iterTensor = adamWeights[0].tensor;
    const iterations = (await iterTensor.data())[0];
    iterTensor.dispose();
    const methodState = await method.getState();
    const state: CheckpointState = {
      format: 'ct-audit/train-checkpoint',
      settings,
      step,
      validation,
      elapsedSeconds: elapsed(),
      adam: {
        iterations,
        accBeta1: optimizer.accBeta1.dataSync()[0],
        accBeta2: optimizer.accBeta2.dataSync()[0],
        slots: (adamWeights.length - 1) / 2,
      },
      modelVariables: vars.length,
      methodTensors: Object.keys(methodState),
    };
    await writeCheckpoint(checkpointFile, state, [
      ...vars.map((v, i): [string, tf.Tensor] => [`model/${i}`, v]),
      ...adamWeights.slice(1).map((w, i): [string, tf.Tensor] => [`adam/${i}`, w.tensor]),
      ...Object.entries(methodState).map(([k, t]): [string, tf.Tensor] => [`method/${k}`, t]),
    ]);
    return true;
  };

  const restore = async (file: string): Promise<void> => {
    const { state, tensors } = await readCheckpoint<CheckpointState>(file);
    try {
      if (state.format !== 'ct-audit/train-checkpoint')
        throw new UsageError(`${file}: not a training checkpoint`);
      notes.push(...checkResumable(state.settings, settings, file));
      const vars = stateVariables(model);
      if (vars.length !== state.modelVariables) {
        throw new UsageError(
          `${file}: holds ${state.modelVariables} model variables, the model has ${vars.length}`,
        );
      }
      vars.forEach((v, i) => {
        const t = tensors.get(`model/${i}`);
        if (!t || !tf.util.arraysEqual(t.shape, v.shape)) {
          throw new UsageError(`${file}: model variable ${i} (${v.name}) is missing or has another shape`);
        }
        v.assign(t);
      });
      const slots = Array.from({ length: 2 * state.adam.slots }, (_, i) => ({
        name: `slot${i}`,
        tensor: tensors.get(`adam/${i}`) as tf.Tensor,
      }));
      const iter = tf.scalar(state.adam.iterations);
      await optimizer.setWeights([{ name: 'iter', tensor: iter }, ...slots]);
      iter.dispose();
      // setWeights recomputes beta^(t+1) with pow; the saved running products keep the run bitwise identical.
      tf.tidy(() => {
        optimizer.accBeta1.assign(tf.scalar(state.adam.accBeta1));
        optimizer.accBeta2.assign(tf.scalar(state.adam.accBeta2));
      });
      const methodState: tf.NamedTensorMap = {};
      for (const k of state.methodTensors) methodState[k] = tensors.get(`method/${k}`) as tf.Tensor;
      await method.setState(methodState);
      step = state.step;
      validation = state.validation;
      elapsedBefore = state.elapsedSeconds;
    } finally {
      tf.dispose([...tensors.values()]);
    }
  };

  let status: TrainingRecord['status'] = 'complete';
  try {
    if (checkpointFile) await fs.mkdir(path.dirname(checkpointFile), { recursive: true });
    await method.init(ctx);
    if (o.resume) {
      if (!checkpointFile) throw new UsageError('--resume needs --out (the folder holding the checkpoint)');
      await restore(checkpointFile);
    } else {
      await save();
    }
    const valRefs = validationRefs(source, split?.validation, validationSlices);
    valSet = await ValidationSet.build(source, valRefs, {
      op,
      noise: settings.noise,
      seed,
      batchSize: stream.batchSize,
    });
    const fbpRef =
      model instanceof FbpConvNet ? new FbpReconstructor(model.geometry, model.config.fbp, op) : undefined;
    const fbpQuality =
      valSet.size > 0 ? valSet.evaluate(fbpRef ?? new FbpReconstructor(model.geometry, {}, op)) : undefined;

    const validate = (epoch: number) => {
      if (!valSet || !fbpQuality || valSet.size === 0) return;
      const q = valSet.evaluate(model);
      const m: ValidationMetrics = {
        epoch,
        step,
        psnr: q.psnr,
        ssim: q.ssim,
        fbpPsnr: fbpQuality.psnr,
        fbpSsim: fbpQuality.ssim,
        slices: valSet.size,
      };
      validation = [...validation.filter((v) => v.step !== step), m];
      job.progress({
        phase: 'validate',
        step: epoch,
        total: Math.ceil(totalSteps / stream.stepsPerEpoch),
        metrics: { ...m },
      });
    };

    while (step < totalSteps) {
      try {
        job.throwIfCancelled();
      } catch (e) {
        if (e instanceof JobCancelledError) {
          status = 'cancelled';
          await save();
        }
        throw e;
      }
      const t0 = performance.now();
      const { x: xs } = await stream.imagesAt(step);
      const B = xs.length / (geometry.size * geometry.size);
      const x = tf.tensor4d(xs, [B, geometry.size, geometry.size, 1]);
      const rngs = Array.from({ length: B }, (_, k) => createRng(`${seed}/noise/${step}/${k}`));
      const y = simulateMeasurements(op, x, { noise: settings.noise, rngs });
      const lr = learningRateAt(settings, step);
      optimizer.learningRate = lr;
      ctx.step = step;
      ctx.epoch = Math.floor(step / stream.stepsPerEpoch);
      ctx.rng = createRng(`${seed}/method/step/${step}`);
      let r;
      try {
        r = method.step({ x, y }, ctx);
      } finally {
        tf.dispose([x, y]);
      }
      const bad = [['loss', r.loss], ...Object.entries(r.terms)].find(
        ([, v]) => !Number.isFinite(v as number),
      );
      if (bad) {
        status = 'diverged';
        throw new TrainingDivergedError(
          `training diverged at step ${step + 1} (epoch ${ctx.epoch + 1}): ${bad[0]} is ${bad[1]}; ` +
            (checkpointFile ? `the last good checkpoint is kept in ${checkpointFile}; ` : '') +
            `lower the learning rate (now ${lr.toExponential(2)}) or check the data`,
          { step: step + 1, term: bad[0] },
        );
      }
      step += 1;
      const stepMs = performance.now() - t0;
      stepTimes.push(stepMs);
      const rec: StepRecord = {
        step,
        epoch: ctx.epoch + 1,
        loss: r.loss,
        terms: r.terms,
        learningRate: lr,
        stepMs,
      };
      job.progress({
        phase: 'train',
        step,
        total: totalSteps,
        metrics: { loss: r.loss, ...r.terms, learningRate: lr, stepMs, epoch: rec.epoch },
      });
      o.onStep?.(rec);
      const epochEnd = step % stream.stepsPerEpoch === 0 || step === totalSteps;
      if (epochEnd) validate(Math.ceil(step / stream.stepsPerEpoch));
      const every = o.checkpointEvery ?? TRAIN_DEFAULTS.checkpointEvery;
      if (epochEnd || step % every === 0) {
        if (!(await save())) {
          status = 'diverged';
          throw new TrainingDivergedError(
            `training diverged at step ${step}: the weights are no longer finite; the last good checkpoint is kept in ${checkpointFile}`,
          );
        }
      }
    }

    const training: TrainingRecord = {
      method: method.name,
      hyper: { ...method.hyper },
      optimizer: {
        name: 'adam',
        learningRate: settings.learningRate,
        schedule: settings.lrSchedule,
        minLearningRateFraction: settings.minLearningRateFraction,
        beta1: settings.beta1,
        beta2: settings.beta2,
      },
      batchSize: stream.batchSize,
      steps: totalSteps,
      stepsPerEpoch: stream.stepsPerEpoch,
      epochs: totalSteps / stream.stepsPerEpoch,
      completedSteps: step,
      status,
      seed,
      noise: { ...settings.noise },
      augment: settings.augment,
      data: {
        kind: source.kind,
        source: settings.data,
        description: source.description,
        split: describeSplit(split, valSet.size, validationFraction),
        warnings: notes,
      },
      durationSeconds: elapsed(),
      medianStepMs: median(stepTimes),
    };
    const card =
      o.outDir && model instanceof FbpConvNet
        ? await saveReconstructor(model, o.outDir, { training, validation })
        : undefined;
    return { model, training, validation, card, notes };
  } catch (e) {
    if (ownsModel) model.dispose();
    throw e;
  } finally {
    valSet?.dispose();
    method.dispose();
    optimizer.dispose();
  }
}
