/**
 * models: reconstructors (FBP baseline, linear B, FBPConvNet), the perturbation generator G, save/load with
 * model cards. Every reconstructor implements `Reconstructor` (reconstructor.ts).
 */
export type { ApplyOptions, Reconstructor, ReconstructorKind, TrainableReconstructor } from './reconstructor';
export { FbpReconstructor } from './fbp-reconstructor';
export {
  FbpConvNet,
  fbpConvNetConfig,
  FBPCONVNET_PRESETS,
  FBPCONVNET_PRESET_NAMES,
  DEFAULT_BN_MOMENTUM,
  DEFAULT_FBP_SETTINGS,
  type FbpConvNetConfig,
  type FbpConvNetPresetName,
  type CreateFbpConvNetOptions,
  type FbpSettings,
  type Normalization,
} from './fbpconvnet';
export { buildResidualUnet, layerSeed, type UnetConfig } from './unet';
export {
  CARD_FILE,
  CANONICAL_UNIT,
  readCard,
  parseCard,
  checkCardGeometry,
  type ModelCard,
  type TrainingRecord,
  type ValidationMetrics,
} from './card';
export {
  saveReconstructor,
  loadReconstructor,
  loadModel,
  MODEL_JSON,
  WEIGHTS_BIN,
  type CardFields,
} from './save-load';
