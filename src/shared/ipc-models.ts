/**
 * The learned-model half of the IPC contract (ipc.ts merges it into `requestSchemas` and
 * `IpcResponses`): training as a job, the models in the workspace, the one-slice audit (the same evaluation
 * unit as folder audits, for one slice and several models) and audits of folders and batches.
 *
 * Units (DESIGN.md section 3): images are returned in HU; errors Delta_max = ||f(y') - x||_2 and smoothed
 * errors are in canonical units x = max(0, 1 + HU/1000), as the engine computes them; radii follow
 * src/shared/eps.ts (absolute, "1%" of the clean signal's norm, "5HU" HU-equivalent RMS). Attack and
 * certification settings are src/shared/robustness.ts's, here as everywhere.
 */
import { z } from 'zod';
import type { AuditSummary, BatchSeriesRow, ResultLine } from './audit-results';
import { attackSettingsSchema, certificationSettingsSchema } from './robustness';
import type { Geometry } from './geometry';
import { FILTER_NAMES, GeometryChoiceSchema, JobIdSchema, PathSchema, SliceRefSchema } from './ipc-common';
import { ImportCardSchema, type ImportAccess, type ImportSourceFormat } from './model-import';

/** Names of models in the workspace (a folder name under <workspace>/models). */
export const ModelNameSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'model names are letters, digits, ".", "-" and "_"');

/** The training methods of engine/training (a unit test keeps the two lists equal). */
export const TRAIN_METHODS = [
  'ord',
  'l2',
  'parseval',
  'pgd',
  'minmax',
  'jacobian',
  'smt-adv',
  'smt-grad',
] as const;
export const MODEL_PRESETS = ['paper', 'small', 'tiny'] as const;

/** Which reconstructor: plain FBP, a model of the workspace, or a model folder the user picked. */
export const ModelRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('fbp') }),
  z.strictObject({ kind: z.literal('workspace'), name: ModelNameSchema }),
  z.strictObject({ kind: z.literal('path'), path: PathSchema }),
]);
export type ModelRef = z.infer<typeof ModelRefSchema>;

const HyperValueSchema = z.union([z.number(), z.string().max(64), z.boolean()]);

export const TrainDataSchema = z.discriminatedUnion('kind', [
  /** Random-ellipse phantoms (generated, unlimited). */
  z.strictObject({ kind: z.literal('ellipses') }),
  /** A DICOM file or folder, or a .npy stack or folder, inside what the user picked. */
  z.strictObject({ kind: z.literal('path'), path: PathSchema }),
]);

export const TrainStartRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  /** The model's folder name in the workspace (existing with `resume`). */
  name: ModelNameSchema,
  data: TrainDataSchema,
  method: z.enum(TRAIN_METHODS),
  preset: z.enum(MODEL_PRESETS),
  geometry: GeometryChoiceSchema,
  /** Total optimizer steps, or epochs (one of them; the trainer's default epochs when neither). */
  steps: z.number().int().min(1).max(10_000_000).optional(),
  epochs: z.number().int().min(1).max(100_000).optional(),
  batchSize: z.number().int().min(1).max(4096),
  learningRate: z.number().gt(0).max(1).optional(),
  lrSchedule: z.enum(['cosine', 'constant']).optional(),
  /** Method hyperparameters by name (checked against the method's table by the engine). */
  hyper: z.record(z.string().max(32), HyperValueSchema),
  noise: z.string().max(64),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  filter: z.enum(FILTER_NAMES),
  cutoff: z.number().gt(0).max(1),
  /** Steps per epoch for generated data (ellipses). */
  stepsPerEpoch: z.number().int().min(1).max(1_000_000).optional(),
  /** Continue from the checkpoint in the model's folder (same settings). */
  resume: z.boolean(),
});

/** model:import: a network file inside what the user picked, its import card, the workspace name. */
export const ModelImportRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  /** The model's folder name in the workspace (must not exist yet). */
  name: ModelNameSchema,
  /** The .onnx file or TensorFlow.js model.json. */
  source: PathSchema,
  /** What the network expects (src/shared/model-import.ts), as `ct-audit import --card` reads it. */
  card: ImportCardSchema,
  /** For a card with geometry 'follows-ours': the geometry recorded as the model's default. */
  geometry: GeometryChoiceSchema.optional(),
});
export type ModelImportRequest = z.input<typeof ModelImportRequestSchema>;

/**
 * The one-slice audit: every model (plain FBP is added as the baseline) evaluated on one slice with the audit's
 * evaluation unit, so its numbers equal those a folder audit gives the same slice with the same settings.
 */
export const RobustnessRunRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  models: z.array(ModelRefSchema).min(1).max(8),
  /** Geometry for plain FBP (saved models have their own, which must agree). */
  geometry: GeometryChoiceSchema,
  source: SliceRefSchema,
  noise: z.string().max(64),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  attack: attackSettingsSchema,
  certification: certificationSettingsSchema,
});

// ------------------------------------------------------------------------------------------------
// Responses

export interface HyperInfo {
  key: string;
  default: number | string | boolean;
  min?: number;
  max?: number;
  integer?: boolean;
  choices?: readonly string[];
  doc: string;
  /** The paper value and where it is stated. */
  paper: string;
}

export interface TrainDefaults {
  methods: { name: string; hypers: HyperInfo[]; optimizer: Record<string, number | string | boolean> }[];
  presets: string[];
  /** The trainer's own defaults (batch size, learning rate, epochs...), with their documented values. */
  trainer: Record<string, number | string | boolean>;
  workspace: string;
}

export interface ValidationPoint {
  epoch: number;
  step: number;
  psnr: number;
  ssim: number;
  fbpPsnr: number;
  fbpSsim: number;
  slices: number;
}

export interface ModelSummary {
  name: string;
  kind: string;
  description: string;
  createdAt: string | null;
  geometry: Geometry | null;
  method: string | null;
  preset: string | null;
  status: 'complete' | 'cancelled' | 'diverged' | 'incomplete';
  completedSteps: number | null;
  /** The last validation (model and FBP on the same slices), when trained with validation. */
  final: ValidationPoint | null;
  /** A checkpoint is there: training can be resumed. */
  resumable: boolean;
  /** Imported networks: their source format, white-box / black-box, and the imported file's SHA-256. */
  imported: { format: ImportSourceFormat; access: ImportAccess; source: string; sha256: string } | null;
}

export interface ModelImportResult {
  model: ModelSummary;
  /** Plain-language notes (e.g. why the model is black-box). */
  notes: string[];
}

export interface ModelListResult {
  workspace: string;
  models: ModelSummary[];
}

export interface TrainResult {
  model: ModelSummary;
  validation: ValidationPoint[];
  completedSteps: number;
  durationSeconds: number;
  medianStepMs: number;
  notes: string[];
}

/** The images of one model at one grid point of the one-slice audit, in HU. */
export interface SlicePointImages {
  perturbed: Float32Array;
  /** The smoothed estimate and the certified sample at the best sigma (null: no certification). */
  smoothed: Float32Array | null;
  certified: Float32Array | null;
  /** y' - y, [views, detectors] (line integrals). */
  perturbation: Float32Array;
  bestSigma: number | null;
}

export interface RobustnessModelResult {
  name: string;
  description: string;
  /** Exactly the lines a folder audit writes to results.jsonl for this slice and model. */
  lines: ResultLine[];
  /** f(y) in HU. */
  clean: Float32Array;
  points: SlicePointImages[];
}

export interface RobustnessResult {
  /** The slice's id as audits name it (de-identified; seeds derive from it). */
  sliceId: string;
  geometry: Geometry;
  /** The settings it ran with, every default filled. */
  attack: z.output<typeof attackSettingsSchema>;
  certification: z.output<typeof certificationSettingsSchema>;
  /** The reference slice in HU. */
  reference: Float32Array;
  models: RobustnessModelResult[];
  elapsedMs: number;
}

// ------------------------------------------------------------------------------------------------
// Audits over folders (the audit runner, engine/audit): written to <workspace>/audits/<name>/

export const AuditRunRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  /** The audit's folder name in the workspace (existing with `resume`). */
  name: ModelNameSchema,
  /** Models to compare (plain FBP is added as a baseline). */
  models: z.array(ModelRefSchema).min(1).max(16),
  /** DICOM files/folders inside what the user picked, or the word 'ellipses'. */
  data: z
    .array(z.union([PathSchema, z.literal('ellipses')]))
    .min(1)
    .max(64),
  maxSlices: z.number().int().min(1).max(100_000).optional(),
  geometry: GeometryChoiceSchema,
  noise: z.string().max(64),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
  attack: attackSettingsSchema,
  certification: certificationSettingsSchema,
  /** Write report.pdf at the end (when this build has the PDF builder). */
  report: z.boolean(),
  resume: z.boolean(),
});
export type AuditRunRequest = z.infer<typeof AuditRunRequestSchema>;

/**
 * Which audit folder: an audit of the workspace (`audits/<name>`), a batch's overall folder
 * (`batches/<name>`), or one series of a batch (`batches/<name>/series/<series>`).
 */
const AuditWhereShape = {
  name: ModelNameSchema,
  kind: z.enum(['audit', 'batch']).optional(),
  series: ModelNameSchema.optional(),
};

export const AuditImagesRequestSchema = z.strictObject({
  ...AuditWhereShape,
  model: z.string().min(1).max(64),
  rank: z.number().int().min(1).max(100),
});

export const AuditNameRequestSchema = z.strictObject(AuditWhereShape);
/** audit:report is a job (the PDF takes seconds): it may carry a job id. */
export const AuditReportRequestSchema = z.strictObject({ ...AuditWhereShape, jobId: JobIdSchema.optional() });
export type AuditWhere = z.infer<typeof AuditNameRequestSchema>;

/** A batch: one audit per CT series found under the folders (engine/audit/batch.ts), resumable. */
export const BatchRunRequestSchema = AuditRunRequestSchema.omit({ data: true }).extend({
  /** Folders (or files) to scan recursively, inside what the user picked. */
  folders: z.array(PathSchema).min(1).max(64),
  /**
   * Run the series x model units on `ct-audit worker` processes through this Redis queue
   * (redis://[:password@]host:port[/db], shared/queue-url.ts). The password is never shown or logged: the
   * progress and every file name the queue as displayQueueUrl does.
   */
  queue: z
    .string()
    .max(512)
    .regex(/^rediss?:\/\/\S+$/i, 'a redis:// or rediss:// URL')
    .optional(),
  /** With `queue`: tries per unit before it is failed (default 3). */
  attempts: z.number().int().min(1).max(100).optional(),
});
export type BatchRunRequest = z.infer<typeof BatchRunRequestSchema>;

export type BatchSeriesRowWire = BatchSeriesRow;

export interface BatchRecordWire {
  folders: string[];
  files: { path: string; kind: string; reason: string | null; series: string | null }[];
  counts: {
    files: number;
    ct: number;
    skipped: number;
    notDicom: number;
    unreadable: number;
    series: number;
  };
  series: BatchSeriesRowWire[];
}

export interface BatchResult {
  name: string;
  record: BatchRecordWire;
  /** The overall audit over every series (null when no series finished). */
  overall: AuditRunResult | null;
}

export interface BatchListEntry {
  name: string;
  status: 'complete' | 'incomplete';
  series: number | null;
  failed: number | null;
}

export interface AuditListEntry {
  /** 'batch' entries live in batches/<name> (audit:list lists both). */
  kind: 'audit' | 'batch';
  name: string;
  title: string | null;
  /** 'complete' when summary.json exists; 'incomplete' (resumable) when only results are there. */
  status: 'complete' | 'incomplete';
  models: string[];
  slices: number | null;
  report: boolean;
  createdAt: string | null;
}

export interface AuditListResult {
  workspace: string;
  audits: AuditListEntry[];
}

/** The summary of an audit (shared/audit-results.ts AuditSummary), kept opaque here: the view reads it. */
export interface AuditRunResult {
  name: string;
  /** summary.json (AuditSummary). */
  summary: AuditSummary;
  units: { total: number; computed: number; resumed: number };
  worst: { model: string; rank: number; sliceIndex: number; sliceId: string; error: number }[];
  report: string | null;
  reportError: string | null;
}

export interface AuditImagesResult {
  name: string;
  model: string;
  rank: number;
  sliceIndex: number;
  sliceId: string;
  size: number;
  views: number;
  detectors: number;
  /** HU images of the worst slice: reference, clean f(y), perturbed f(y'), smoothed (or null). */
  reference: Float32Array;
  clean: Float32Array;
  perturbed: Float32Array;
  smoothed: Float32Array | null;
  /** The measurement-space perturbation [views, detectors] (pga-y), or the image-space one. */
  perturbation: Float32Array;
}

export interface AuditReportResult {
  /** Path of report.pdf, or null with the reason. */
  path: string | null;
  error: string | null;
}
