/**
 * training: the trainer (a job with progress, validation, checkpoints, resume, NaN guard) and the training
 * methods (DESIGN.md section 4).
 *   train(options) -> { model, training, validation, card }        trainer.ts
 *   createMethod(name, hyper) / METHOD_FACTORIES                   methods/index.ts
 *   TRAIN_DEFAULTS, METHOD_HYPERS, resolveHyper                    defaults.ts (every default, with its paper value)
 *   TrainingMethod, MethodContext                                  method.ts (the contract; TrainableReconstructor is in models)
 */
export type { MethodContext, MethodName, StepResult, TrainBatch, TrainingMethod } from './method';
export { METHOD_NAMES } from './method';
export {
  TRAIN_DEFAULTS,
  METHOD_HYPERS,
  METHOD_OPTIMIZER_DEFAULTS,
  resolveHyper,
  type HyperSpec,
  type HyperValue,
} from './defaults';
export { createMethod, availableMethods, METHOD_FACTORIES, type MethodFactory } from './methods';
export {
  train,
  TrainingDivergedError,
  type TrainOptions,
  type TrainResult,
  type StepRecord,
} from './trainer';
export { CHECKPOINT_FILE, readCheckpoint, writeCheckpoint } from './checkpoint';
export { learningRateAt, checkResumable, type TrainSettings } from './settings';
export { ValidationSet, type QualityMetrics } from './validation';
