/**
 * ReportInput: everything the PDF report (DESIGN.md section 6) shows, as plain data. The report builder
 * (`buildReport(input, outPath)` in src/main/engine/audit/report) reads nothing else: no files, no spec, no
 * results.jsonl. The audit runner (or `ct-audit report --from <dir>`) fills it from summary.json,
 * results.jsonl, manifest.json and images/; the UI can reuse the same data for its charts (src/shared/charts).
 *
 * Conventions (DESIGN.md section 3):
 * - Images are Float32Array N x N, row-major (row 0 at the top), in canonical units x = max(0, 1 + HU/1000).
 *   Sinograms (perturbations) are Float32Array A x D, one row per view.
 * - eps is an l2 norm in the space of the perturbation; `eps` is absolute, `epsRelative` is the fraction of the
 *   clean signal's norm (eps / ||A x|| in measurement space), 0.01 = 1 %. Both are always given.
 * - Errors are Delta_max = ||f(y') - x||_2 (eq. 8 of papers/000) in canonical units; rho-hat is their mean over
 *   slices (eq. 9). Discrepancies are the smoothed discrepancies of papers/002 eq. 6 with the loss the
 *   certifier used (`definitions.discrepancyLoss`, by default the normalized MSE (1/n)||a - b||^2).
 * - PSNR in dB, SSIM unitless, with the data range stated in `definitions.psnrDataRange`.
 * - A missing value is `null` (never NaN: JSON has none).
 *
 * Privacy (DESIGN.md section 7): the input must already be de-identified (hashed UIDs, no names, IDs, dates
 * of birth, institutions). Fields typed `DisplayPath` may hold file paths; with `phi.policy` 'exclude' the
 * report shows them only as a short hash plus extension, and it scrubs every term of `phi.redactTerms` from
 * all text it writes. Free text typed by users (series descriptions) should be left out unless opted in.
 */

/** A file path as the user gave it. With PHI policy 'exclude' the report shows a hash, never the path. */
export type DisplayPath = string;

export type PhiPolicyName = 'exclude' | 'include';

export interface ReportPhiPolicy {
  policy: PhiPolicyName;
  /**
   * Strings that must never appear in the report (e.g. patient names and IDs read from the input headers,
   * collected in memory by the caller): every occurrence in any text is replaced by "[redacted]". Never
   * written anywhere; optional defence in depth on top of de-identified input.
   */
  redactTerms?: string[];
  /** A sentence stating what was removed, shown in the report (default: generated from `policy`). */
  statement?: string;
}

/** Scalars a card or a settings table can show. */
export type ReportScalar = number | string | boolean | null;

/** The spread of a per-slice quantity over slices. */
export interface ReportSpread {
  min: number;
  /** First and third quartiles (linear interpolation between order statistics). */
  q1: number;
  median: number;
  q3: number;
  max: number;
}

// ---------------------------------------------------------------------------------------------- models

export type ReportModelKind = 'fbp' | 'linear' | 'fbpconvnet' | 'imported';

export interface ReportModelMetrics {
  /** Validation PSNR/SSIM of the model and of FBP on the same slices (from the model card). */
  psnr: number | null;
  ssim: number | null;
  fbpPsnr: number | null;
  fbpSsim: number | null;
  /** Number of validation slices. */
  slices: number | null;
}

export interface ReportTrainingPoint {
  step: number;
  epoch?: number;
  loss: number | null;
  valLoss?: number | null;
  valPsnr?: number | null;
}

export interface ReportTrainingSettings {
  /** Optimizer name and settings (learningRate, schedule, beta1, beta2...). */
  optimizer: Record<string, ReportScalar>;
  batchSize: number | null;
  /** Steps asked for (the steps done are ReportModel.trainingSteps). */
  steps: number | null;
  stepsPerEpoch?: number | null;
  epochs?: number | null;
  /** Measurement noise during training, in words. */
  noise?: string | null;
  augment?: boolean | null;
}

export interface ReportModel {
  /** Short stable key used to join curves, tables and panels (e.g. "ord", "minmax", "fbp"). */
  id: string;
  /** Display name (e.g. "FBPConvNet (minmax)"). */
  name: string;
  kind: ReportModelKind;
  /** One sentence on what the model is. */
  description?: string;
  /** Architecture preset (paper/small/tiny) or null for FBP. */
  preset: string | null;
  /** Training method (ord, l2, parseval, pgd, minmax, jacobian, smt-adv, smt-grad) or null (FBP). */
  method: string | null;
  /** The training method's hyperparameters, by name, as the model card has them (lambda1, epsRelative...). */
  hyperparameters: Record<string, ReportScalar>;
  /**
   * Per hyperparameter name: the value the papers use with its source, as the defaults table states it
   * (engine/training/defaults.ts; "papers/000 section 4: K = 4"; the report turns file names into citations).
   */
  paperValues?: Record<string, string>;
  /** Optimizer and loop settings of the training run, from the model card. */
  training?: ReportTrainingSettings | null;
  /** Training data in words (de-identified: counts and kinds, no paths). */
  trainingData: string | null;
  /** FBP filter, e.g. "ram-lak (cutoff 1)". */
  fbpFilter?: string | null;
  parameterCount?: number | null;
  trainingSteps?: number | null;
  trainingSeconds?: number | null;
  /** Training status from the card (complete, cancelled, diverged). */
  trainingStatus?: string | null;
  seed?: string | null;
  metrics: ReportModelMetrics | null;
  /** SHA-256 of the weights (hex), null for FBP. */
  weightsSha256: string | null;
  /**
   * Imported networks: where the model came from ("ONNX (pytorch 1.13.0, opset 13), white-box"), the
   * imported file's name and full SHA-256, what it reads and in which units; null otherwise.
   */
  imported?: {
    source: string;
    fileName: string;
    sha256: string;
    access: 'white-box' | 'black-box';
    input: string;
    intensity: string;
    /** Why it is black-box (the nodes that could not be mapped), when it is. */
    unsupported: string[];
  } | null;
  /** Loss/validation curve (used by the UI's training chart; the PDF does not plot it). */
  trainingCurve?: ReportTrainingPoint[];
}

// ------------------------------------------------------------------------------------------------ data

export interface ReportSeries {
  /** Hashed Series Instance UID (or another non-identifying id); never the raw UID. */
  id: string;
  modality: string | null;
  manufacturer: string | null;
  manufacturerModel: string | null;
  /** Slices in the series and slices audited. */
  slices: number;
  slicesAudited: number;
  rows: number | null;
  columns: number | null;
  /** Pixel spacing [row, column] in mm. */
  pixelSpacingMm: [number, number] | null;
  sliceThicknessMm: number | null;
  kvp?: number | null;
  convolutionKernel?: string | null;
  /** Where it came from; shown as a hash unless PHI policy is 'include'. */
  source?: DisplayPath | null;
}

export interface ReportDataSource {
  kind: 'dicom' | 'npy' | 'idx' | 'phantom';
  /** Non-identifying label, e.g. "random ellipses (seed 7)" or "DICOM folder". */
  label: string;
  /** Slices taken from this source. */
  slices: number;
  path?: DisplayPath | null;
}

export interface ReportSkipped {
  /** Shown as a hash unless PHI policy is 'include'. */
  file: DisplayPath;
  reason: string;
}

export interface ReportGeometry {
  /** Preset name (paper/demo) or null for a custom geometry. */
  preset: string | null;
  size: number;
  views: number;
  detectors: number;
  detectorSpacing: number;
  /** Angular range in degrees; parallel beam over [0, 180) by default. */
  angularRangeDeg?: number;
  /** FBP filter used by the baseline, e.g. "ram-lak". */
  fbpFilter?: string | null;
  /** The forward model in words when it is not parallel-beam CT (physics.ts describePhysics). */
  physics?: string;
}

export interface ReportNoise {
  /** In words, e.g. "Poisson transmission noise, I0 = 1.00e+5 photons per bin" (describeNoise). */
  description: string;
  /** The spec text as given (e.g. "poisson:1e5"), or null. */
  spec: string | null;
}

export interface ReportDataSummary {
  /** One sentence on the data, de-identified. */
  description: string;
  counts: {
    series: number;
    /** Slices read and slices audited (after selection). */
    slices: number;
    slicesAudited: number;
    /** Files skipped (unreadable, not CT, ...). */
    skipped: number;
  };
  sources: ReportDataSource[];
  series: ReportSeries[];
  /** Skipped files with their reasons (shown in a table; paths hashed unless opted in). */
  skipped?: ReportSkipped[];
  geometry: ReportGeometry;
  noise: ReportNoise;
}

// ------------------------------------------------------------------------------------------- rho-hat

export interface ReportAttackSettings {
  /** pga-y, pgd-x, ... */
  kind: string;
  /** 'y' (measurement) or 'x' (image). */
  space: 'y' | 'x' | 'operator';
  /** Steps, step size, momentum, restarts, ... as shown in the report. */
  settings: Record<string, ReportScalar>;
}

export interface ReportRhoHatPoint {
  /** The eps entry as given ("1%", "0.5"). */
  spec: string;
  /** Mean over slices of the absolute radius. */
  eps: number;
  /** Mean over slices of the relative radius (fraction, 0.01 = 1 %). */
  epsRelative: number;
  /** rho-hat(eps) = (1/n) sum_i Delta_max(x_i, eps), eq. 9 of papers/000 (canonical units). */
  rhoHat: number;
  /** Spread of Delta_max over slices. */
  spread: ReportSpread;
  /** Mean of Delta_max / ||x|| over slices (relative error), when known. */
  relativeError?: number | null;
  /** Mean PSNR (dB) of the attacked reconstructions, when known. */
  psnr?: number | null;
  /** Slices in the mean. */
  slices: number;
}

export interface ReportRhoHatCurve {
  /** ReportModel.id */
  model: string;
  attack: ReportAttackSettings;
  /** Ascending in epsRelative; the point at eps 0 is the clean error. */
  points: ReportRhoHatPoint[];
}

// ------------------------------------------------------------------------------------- certification

export interface ReportAbstention {
  reason: string;
  /** Number of slices that abstained for this reason. */
  count: number;
  /** Smallest S that would certify, when one does. */
  minSamples?: number | null;
}

/** One row of the certification table: one model at one sigma and one eps, aggregated over slices. */
export interface ReportCertificationRow {
  model: string;
  sigma: number;
  /** Space of the smoothing noise ('x' as in papers/002, or 'y'). */
  space: 'x' | 'y';
  /** Certified radius: absolute l2 norm in `space`, and relative to ||x|| (space 'x') or ||A x|| ('y'). */
  eps: number;
  epsRelative: number;
  /** Confidence c in (0, 1). */
  confidence: number;
  /** Monte Carlo samples S. */
  samples: number;
  /** Quantile level p = Phi(Phi^-1(q) + eps/sigma) of the certificate. */
  p: number;
  /** Order statistic K (1-based) of the certificate; null when abstaining for every slice. */
  k: number | null;
  /** Mean over slices of the median smoothed discrepancy D_0.5 (eq. 6 of papers/002). */
  medianDiscrepancy: number;
  /** Mean over certified slices of the certified bound D_Phi(eps/sigma)(x, 0) (eq. 7); null if none. */
  certifiedDiscrepancy: number | null;
  /** Largest certified bound over the certified slices (worst slice), when known. */
  certifiedDiscrepancyMax?: number | null;
  /** Mean PSNR/SSIM of the smoothed (median-sample) reconstructions vs the reference. */
  smoothedPsnr: number | null;
  smoothedSsim: number | null;
  /** Mean PSNR/SSIM of the certified-sample reconstructions, when known. */
  certifiedPsnr?: number | null;
  certifiedSsim?: number | null;
  /** Slices certified and slices that abstained (with reasons). */
  slices: number;
  certifiedSlices: number;
  abstentions: ReportAbstention[];
}

export interface ReportSigmaPoint {
  sigma: number;
  /** Mean certified bound over slices (null when any slice abstains). */
  certifiedDiscrepancy: number | null;
  /** Mean PSNR of the smoothed (median-sample) reconstructions (dB). */
  smoothedPsnr: number | null;
  /** Mean PSNR of the certified-sample reconstructions (dB), when known. */
  certifiedPsnr?: number | null;
  abstained: number;
}

export interface ReportSigmaSweep {
  model: string;
  /** Space of the smoothing noise (default 'x'). */
  space?: 'x' | 'y';
  /** The eps the bound certifies (absolute, and relative as in ReportCertificationRow). */
  eps: number;
  epsRelative: number;
  confidence: number;
  samples: number;
  points: ReportSigmaPoint[];
  /** The sigma with the best mean certified PSNR (Figure 1 of papers/002), or null with the reason. */
  bestSigma: number | null;
  bestReason: string | null;
}

/**
 * papers/002 Table 1 for one model at one attacked radius: the perturbed PSNR (no smoothing), and at the best
 * sigma for that radius the smoothed and the certified PSNR (means over slices).
 */
export interface ReportSmoothingRow {
  model: string;
  /** Index of the radius in the audit's list (0: the first entry). */
  epsIndex: number;
  /** The radius entry ("1%", "5HU") and its mean value: absolute, relative to the clean signal, HU-equivalent. */
  epsSpec: string;
  eps: number;
  epsRelative: number | null;
  epsHu: number | null;
  /** Mean PSNR of f(y') without smoothing. */
  perturbedPsnr: number | null;
  /** The best sigma's entry and its mean HU-equivalent level; null when no sigma certified every slice. */
  sigmaText: string | null;
  sigmaHu: number | null;
  smoothedPsnr: number | null;
  certifiedPsnr: number | null;
  /** Mean certified bound of the smoothed median error (MSE against the reference, canonical units). */
  certifiedBound: number | null;
  certifiedSlices: number;
  slices: number;
  /** Why no sigma certified every slice (abstention with the S needed), else null. */
  reason: string | null;
}

export interface ReportCertification {
  rows: ReportCertificationRow[];
  sweeps: ReportSigmaSweep[];
  /** What the certificate says, in one sentence (the report prints it verbatim). */
  statement?: string | null;
  /** papers/002 Table 1: per model and attacked radius. */
  table?: ReportSmoothingRow[];
}

// ----------------------------------------------------------------------------------------- worst cases

export interface ReportWindow {
  /** Window centre (level) and width, in `unit`. */
  center: number;
  width: number;
  /** 'HU' (converted with x = 1 + HU/1000) or 'x' (canonical units). */
  unit: 'HU' | 'x';
  /** Preset name, e.g. "soft-tissue". */
  name?: string | null;
  /** Where the window comes from: the DICOM file, the slice content (a preset), or the image's range. */
  source?: 'file' | 'content' | 'range' | null;
  /** Why this window, in words (shown under the panels). */
  reason?: string | null;
}

export interface ReportWorstCase {
  model: string;
  /** Non-identifying slice label (e.g. "series 3f2a9c01, slice 12" or "phantom 4"). */
  slice: string;
  /** Image side N; every image has N * N values. */
  size: number;
  eps: number;
  epsRelative: number;
  /** Ground truth x. */
  reference: Float32Array;
  /** f(y) */
  clean: Float32Array;
  /** f(y + delta) */
  perturbed: Float32Array;
  /** Smoothed reconstruction (median sample of f(y + delta + A noise)) at `sigma`, or null if not run. */
  smoothed: Float32Array | null;
  sigma: number | null;
  /**
   * The perturbation delta = y' - y in measurement space, views x detectors, row per view; `clean` is the
   * clean sinogram A x on the same grid (shown next to it, so a reader sees how small delta is), when known.
   */
  perturbation: { views: number; detectors: number; data: Float32Array; clean?: Float32Array | null };
  window: ReportWindow;
  /** ||f(y) - x||_2 and Delta_max = ||f(y + delta) - x||_2 (canonical units). */
  cleanError: number;
  perturbedError: number;
  cleanPsnr: number | null;
  perturbedPsnr: number | null;
  smoothedPsnr: number | null;
}

// ------------------------------------------------------------------------------------------ per slice

export interface ReportSliceRow {
  model: string;
  /** Non-identifying slice label. */
  slice: string;
  /** The eps entry as given, with the absolute and relative radius of this slice. */
  epsSpec: string;
  eps: number;
  epsRelative: number;
  cleanError: number;
  /** Delta_max(x, eps). */
  perturbedError: number;
  cleanPsnr: number | null;
  perturbedPsnr: number | null;
  /** Certification at `sigma` (null when not certified at this eps). */
  sigma: number | null;
  medianDiscrepancy: number | null;
  certifiedDiscrepancy: number | null;
  smoothedPsnr: number | null;
  /** Why the certifier abstained (null when certified or not run). */
  abstainReason: string | null;
}

// ------------------------------------------------------------------------------------- text and repro

export interface ReportSummaryInputs {
  /** The eps (relative, fraction) the plain-language summary speaks about, e.g. 0.01 for 1 %. */
  headlineEpsRelative: number;
  /** The sigma of the certified statement per model (default: the sweep's best sigma). */
  headlineSigma?: Record<string, number>;
  /** Extra sentences appended to the summary (e.g. caveats of the run: few slices, cancelled training). */
  notes?: string[];
}

export interface ReportDefinitions {
  /** How R of PSNR = 10 log10(R^2 / MSE) was chosen, e.g. "R = max - min of each reference slice". */
  psnrDataRange: string;
  /** The discrepancy loss l of eq. 6 (papers/002); default "normalized MSE (1/n) ||a - b||^2". */
  discrepancyLoss?: string;
  /** Further terms to define. */
  extra?: { term: string; text: string }[];
}

export interface ReportFileHash {
  /** What the file is ("model ord weights", "input", "spec"). */
  role: string;
  /** Shown as a hash unless PHI policy is 'include'. */
  path: DisplayPath;
  sha256: string;
}

export interface ReportManifest {
  appVersion: string;
  /** tfjs backend actually used, e.g. "wasm" or "tensorflow". */
  backend: string;
  /** Package versions (tfjs, node, electron, ...). */
  versions: Record<string, string>;
  /** OS and architecture, e.g. "linux x64". */
  platform: string;
  seed: string;
  files: ReportFileHash[];
  /** argv as given (paths in it are hashed unless PHI policy is 'include'). */
  commandLine: string[];
  startedAt: string;
  finishedAt: string | null;
  /** Whether the run was resumed, cancelled, ... */
  status?: string | null;
  /** The spec's settings worth printing (flattened key -> value); paths hashed as above. */
  settings?: Record<string, ReportScalar>;
}

export interface ReportInput {
  /** Format of this object (bump on incompatible changes). */
  formatVersion: 1;
  title: string;
  subtitle?: string | null;
  /** ISO 8601 time the report is made (also the PDF's creation date). */
  createdAt: string;
  appVersion: string;
  /** Non-identifying audit id (e.g. the output folder's base name). */
  auditId?: string | null;
  summary: ReportSummaryInputs;
  /** Models in the order the report shows them (FBP baseline included when audited). */
  models: ReportModel[];
  data: ReportDataSummary;
  /** One rho-hat curve per model and attack. */
  rhoHat: ReportRhoHatCurve[];
  certification: ReportCertification;
  worstCases: ReportWorstCase[];
  slices: ReportSliceRow[];
  definitions: ReportDefinitions;
  reproducibility: ReportManifest;
  phi: ReportPhiPolicy;
}

export const REPORT_INPUT_FORMAT_VERSION = 1 as const;

/**
 * Min, quartiles, median and max of `values` (quantiles by linear interpolation between order statistics,
 * numpy's default), for `ReportSpread`. Non-finite values are an error: the spread would be meaningless.
 */
export function spreadOf(values: readonly number[]): ReportSpread {
  if (values.length === 0) throw new RangeError('spreadOf: no values');
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('spreadOf: non-finite value');
  const s = [...values].sort((a, b) => a - b);
  const q = (p: number): number => {
    const h = (s.length - 1) * p;
    const lo = Math.floor(h);
    const hi = Math.min(lo + 1, s.length - 1);
    return s[lo] + (h - lo) * (s[hi] - s[lo]);
  };
  return { min: s[0], q1: q(0.25), median: q(0.5), q3: q(0.75), max: s[s.length - 1] };
}
