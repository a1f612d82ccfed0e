/**
 * reproduce: re-running the papers' experiments next to their numbers (issue 12), above the audit layer.
 *   runCtRobustness(...)        every method, equal robust steps, paired tests per eps (ct-robustness.ts)
 *   runSmoothing(...)           papers/002 Tables 1-2 on denoising and CT (smoothing.ts)
 *   signFlipTest / wilcoxonSignedRank   exact paired tests (paired-test.ts)
 *   stepKind / trainUntilClear / checkAccounting   step accounting (step-accounting.ts)
 */
export {
  runCtRobustness,
  presetScope,
  type CtRobustnessOptions,
  type CtRobustnessOutcome,
} from './ct-robustness';
export {
  CT_ROBUSTNESS_PRESETS,
  CT_ROBUSTNESS_PRESET_NAMES,
  type CtRobustnessPreset,
  type CtRobustnessPresetName,
} from './ct-robustness-presets';
export { claimTable, claimVerdict, PAPER_CLAIMS, type ClaimRow, type PairedComparison } from './ct-claims';
export { paperRadii, type PaperRadius } from './paper-radii';
export {
  signFlipTest,
  wilcoxonSignedRank,
  pairedDifferences,
  pairedOutcome,
  type PairedTestResult,
  type WilcoxonResult,
} from './paired-test';
export {
  stepKind,
  plannedSteps,
  warmupSteps,
  trainAccounted,
  trainUntilClear,
  checkAccounting,
  ROBUST_METHODS,
  type StepAccount,
} from './step-accounting';
export { trainPlanned, ACCOUNTING_FILE, type ModelPlan, type TrainedRecord } from './train-plan';
export {
  runSmoothing,
  smoothingPlans,
  modelLabel,
  UNITS_STATEMENT,
  type SmoothingOptions,
  type SmoothingOutcome,
  type SmoothingTaskOutcome,
} from './smoothing';
export {
  SMOOTHING_PRESETS,
  SMOOTHING_PRESET_NAMES,
  SMOOTHING_TASKS,
  type SmoothingPreset,
  type SmoothingPresetName,
  type SmoothingTask,
} from './smoothing-presets';
export {
  PAPER_TABLE_1A,
  PAPER_TABLE_1B,
  PAPER_TABLE_2,
  unitReading,
  trueRatio,
  greyToHu,
  type PaperTable1,
} from './smoothing-paper';
export { table1, table1Rows, table2Row, table2Rows, psnrOfError, psnrOfMse } from './smoothing-table';
