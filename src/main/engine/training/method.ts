/**
 * The contract between the trainer and the training methods (DESIGN.md section 4: `TrainingMethod`, one
 * file each in ./methods). The trainer owns data, batching, the model's optimizer schedule, checkpoints,
 * progress and cancellation; a method owns its loss, its inner maximizations and any auxiliary network
 * (e.g. the perturbation generator G of minmax) with that network's optimizer.
 */
import type { Geometry } from '@shared/geometry';
import type { tf } from '../backend';
import type { MeasurementOperator } from '../physics';
import type { Rng } from '../random';
import type { TrainableReconstructor } from '../models/reconstructor';

export const METHOD_NAMES = [
  'ord',
  'l2',
  'parseval',
  'pgd',
  'minmax',
  'jacobian',
  'smt-adv',
  'smt-grad',
] as const;
export type MethodName = (typeof METHOD_NAMES)[number];

/** One mini-batch: reference images x [B,N,N,1] and their measurements y = A x (+ noise) [B,A,D,1]. */
export interface TrainBatch {
  x: tf.Tensor4D;
  y: tf.Tensor4D;
}

export interface MethodContext {
  model: TrainableReconstructor;
  /** The model's optimizer (the trainer creates it and saves its state in checkpoints). */
  optimizer: tf.Optimizer;
  op: MeasurementOperator;
  geometry: Geometry;
  /** Seeded; its state is part of the checkpoint (fork it for independent streams). */
  rng: Rng;
  /** Global step (0-based) and epoch; stepsPerEpoch for schedules such as smt-grad's sigma ramp. */
  step: number;
  epoch: number;
  stepsPerEpoch: number;
}

/** Scalar outcome of one step: the total loss minimized and every named term (reported in progress events). */
export interface StepResult {
  loss: number;
  terms: Record<string, number>;
}

export interface TrainingMethod {
  readonly name: MethodName;
  /** Resolved hyperparameters (defaults filled in); written into the model card. */
  readonly hyper: Readonly<Record<string, number | string | boolean>>;
  /** Called once before the first step, e.g. to build an auxiliary network and its optimizer. */
  init(ctx: MethodContext): void | Promise<void>;
  /** One optimization step on a batch. Leaves tf.memory().numTensors unchanged (the batch is the caller's). */
  step(batch: TrainBatch, ctx: MethodContext): StepResult;
  /** Auxiliary state for checkpoints (aux network weights, aux optimizer weights), as named tensors. */
  getState(): Promise<tf.NamedTensorMap>;
  setState(state: tf.NamedTensorMap): Promise<void>;
  dispose(): void;
}
