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
