/**
 * The contract between the renderer and the side that serves it (Electron main, or `ct-audit serve` in
 * web mode). One file so that main, preload, server and renderer import the same names and "find
 * references" on a channel finds every side.
 *
 * - `IpcChannel`: request/response channels (renderer -> serving side), domain:verb (ipc-channels.ts).
 * - `requestSchemas`: a zod schema per channel; the serving side validates every request with it
 *   before anything else sees it (DESIGN.md section 7). Request types are inferred from the schemas.
 * - `IpcResponses`: the response type per channel.
 * - `IpcEvent` / `IpcEventPayloads`: events pushed to the renderer.
 * - The error envelope (`IpcResult`, ipc-envelope.ts, re-exported here).
 *
 * Long work is a job: a request on a job channel may carry a `jobId` chosen by the caller (so that it
 * can show progress and cancel before the response arrives; the serving side generates one when absent).
 * Progress arrives as `job:progress` events, the end as one `job:done` event plus the response itself;
 * `job:cancel` passes the id back. Pixel data in responses are typed arrays (transferred or sent as
 * binary WebSocket frames, see wire.ts), never JSON number lists.
 *
 * Pure TypeScript + zod: no Electron, Node or DOM APIs.
 */
import { z } from 'zod';
import type { Geometry } from './geometry';
import type { PublicDicomMeta, HuStats } from './dicom-types';
import { IpcChannel, IpcEvent } from './ipc-channels';
import type { JobProgress } from './jobs';
import { InvalidRequestError, fail, ok, type IpcResult, type SerializedError } from './ipc-envelope';
import {
  FILTER_NAMES,
  GeometryChoiceSchema,
  type FilterNameWire,
  JobIdSchema,
  PathSchema,
  SeriesKeySchema,
  SliceRefSchema,
} from './ipc-common';
import {
  AuditImagesRequestSchema,
  AuditNameRequestSchema,
  AuditReportRequestSchema,
  AuditRunRequestSchema,
  BatchRunRequestSchema,
  ModelImportRequestSchema,
  RobustnessRunRequestSchema,
  TrainStartRequestSchema,
  type AuditImagesResult,
  type AuditListResult,
  type AuditReportResult,
  type AuditRunResult,
  type BatchResult,
  type ModelImportResult,
  type ModelListResult,
  type RobustnessResult,
  type TrainDefaults,
  type TrainResult,
} from './ipc-models';

export * from './ipc-envelope';
export * from './ipc-common';
export * from './ipc-models';
export { IpcChannel, IpcEvent };
export type { JobProgress };

const FbpSettingsShape = {
  geometry: GeometryChoiceSchema,
  filter: z.enum(FILTER_NAMES),
  /** Fraction of Nyquist in (0, 1]. */
  cutoff: z.number().gt(0).max(1),
  /** none | gaussian:<sigma> | gaussian:<r>% | poisson:<I0> (shared/noise-spec.ts). */
  noise: z.string().max(64),
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1),
};

// ---------------------------------------------------------------------------------------------
// Request schemas (validated by the serving side before anything else runs)

export const DialogOpenDicomRequestSchema = z.strictObject({ kind: z.enum(['files', 'folder']) });

export const FsListRequestSchema = z.strictObject({
  /** Folder to list; absent: the roots the user may browse. */
  path: PathSchema.optional(),
});

export const DicomScanRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  /** Files and folders (folders are scanned recursively); each must be inside what the user picked. */
  paths: z.array(PathSchema).min(1).max(256),
});

export const DicomSliceRequestSchema = SliceRefSchema;

export const FbpReconstructRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  source: SliceRefSchema,
  ...FbpSettingsShape,
});

export const FbpSeriesRequestSchema = z.strictObject({
  jobId: JobIdSchema.optional(),
  seriesKey: SeriesKeySchema,
  ...FbpSettingsShape,
});

export const JobCancelRequestSchema = z.strictObject({ jobId: JobIdSchema });

export const DialogOpenModelRequestSchema = z.undefined();

export const requestSchemas = {
  // `invoke('app:info')` sends no argument, which arrives as `undefined`.
  [IpcChannel.AppInfo]: z.undefined(),
  [IpcChannel.DialogOpenDicom]: DialogOpenDicomRequestSchema,
  [IpcChannel.FsList]: FsListRequestSchema,
  [IpcChannel.DicomScan]: DicomScanRequestSchema,
  [IpcChannel.DicomSlice]: DicomSliceRequestSchema,
  [IpcChannel.FbpReconstruct]: FbpReconstructRequestSchema,
  [IpcChannel.FbpSeries]: FbpSeriesRequestSchema,
  [IpcChannel.JobCancel]: JobCancelRequestSchema,
  [IpcChannel.DialogOpenModel]: DialogOpenModelRequestSchema,
  [IpcChannel.TrainDefaults]: z.undefined(),
  [IpcChannel.TrainStart]: TrainStartRequestSchema,
  [IpcChannel.ModelList]: z.undefined(),
  [IpcChannel.ModelImport]: ModelImportRequestSchema,
  [IpcChannel.DialogOpenNetwork]: z.undefined(),
  [IpcChannel.RobustnessRun]: RobustnessRunRequestSchema,
  [IpcChannel.AuditRun]: AuditRunRequestSchema,
  [IpcChannel.AuditList]: z.undefined(),
  [IpcChannel.AuditSummary]: AuditNameRequestSchema,
  [IpcChannel.AuditImages]: AuditImagesRequestSchema,
  [IpcChannel.AuditReport]: AuditReportRequestSchema,
  [IpcChannel.AuditOpenReport]: AuditNameRequestSchema,
  [IpcChannel.BatchRun]: BatchRunRequestSchema,
  [IpcChannel.BatchGet]: AuditNameRequestSchema,
} as const satisfies Record<IpcChannel, z.ZodType>;

/** What a renderer sends on `C` (and, since the schemas have no transforms, what a handler gets). */
export type IpcRequest<C extends IpcChannel> = z.infer<(typeof requestSchemas)[C]>;

export type DialogOpenDicomRequest = IpcRequest<typeof IpcChannel.DialogOpenDicom>;
export type FsListRequest = IpcRequest<typeof IpcChannel.FsList>;
export type DicomScanRequest = IpcRequest<typeof IpcChannel.DicomScan>;
export type DicomSliceRequest = IpcRequest<typeof IpcChannel.DicomSlice>;
export type FbpReconstructRequest = IpcRequest<typeof IpcChannel.FbpReconstruct>;
export type FbpSeriesRequest = IpcRequest<typeof IpcChannel.FbpSeries>;
export type JobCancelRequest = IpcRequest<typeof IpcChannel.JobCancel>;
export type TrainStartRequest = IpcRequest<typeof IpcChannel.TrainStart>;
export type RobustnessRunRequest = IpcRequest<typeof IpcChannel.RobustnessRun>;

/** Channels whose requests may carry a `jobId` and that report progress. */
export const JOB_CHANNELS: readonly IpcChannel[] = [
  IpcChannel.DicomScan,
  IpcChannel.FbpReconstruct,
  IpcChannel.FbpSeries,
  IpcChannel.TrainStart,
  IpcChannel.ModelImport,
  IpcChannel.RobustnessRun,
  IpcChannel.AuditRun,
  IpcChannel.AuditReport,
  IpcChannel.BatchRun,
];

// ---------------------------------------------------------------------------------------------
// Response and event payload types (produced by trusted code, so types only)

export interface EngineInfo {
  /** Whether engine jobs can run; when not, `message` says why, for the UI to show. */
  available: boolean;
  message: string;
  /** tfjs backend in use ('tensorflow', 'wasm', 'cpu') and its versions. */
  backend?: string;
  versions?: Record<string, string>;
  /** Engine features this build serves (the UI shows the others as not available yet). */
  features: EngineFeature[];
}

export type EngineFeature = 'dicom' | 'fbp' | 'train' | 'attack' | 'certify' | 'audit' | 'batch';

export interface AppInfo {
  name: string;
  version: string;
  /** 'electron' (desktop app) or 'web' (`ct-audit serve`). */
  mode: 'electron' | 'web';
  /** Electron and Chromium are empty strings in web mode. */
  versions: { electron: string; chrome: string; node: string; v8: string };
  platform: string;
  arch: string;
  engine: EngineInfo;
  /** Web mode: folders the server lets the user open (its --root options). */
  roots?: string[];
}

export interface DialogOpenResult {
  /** Empty when the user cancelled the dialog. */
  paths: string[];
}

export interface FsEntry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
  size: number;
}

export interface FsListResult {
  /** The folder listed, or null for the list of roots. */
  path: string | null;
  /** The parent folder when it is still inside a root, else null. */
  parent: string | null;
  entries: FsEntry[];
}

/** A display window in HU. */
export interface WireWindow {
  name: string;
  center: number;
  width: number;
}

/** One series found by a scan: de-identified metadata (publicMeta's allow-list), no patient data. */
export interface DicomSeriesSummary {
  /** Handle for `dicom:slice` and the FBP channels (valid while the engine host runs). */
  key: string;
  /** Series Instance UID replaced by a derived `2.25.` UID (PS3.15 basic profile, action U). */
  seriesUidHash: string | null;
  modality: string | null;
  manufacturer: string | null;
  model: string | null;
  seriesNumber: number | null;
  sliceCount: number;
  rows: number;
  columns: number;
  pixelSpacingMm: [number, number] | null;
  sliceThicknessMm: number | null;
  kvp: number | null;
  convolutionKernel: string | null;
  transferSyntaxes: string[];
  orderedBy: 'position' | 'instance-number' | 'file-order';
  /** Median distance between consecutive slices along the normal, mm. */
  sliceStepMm: number | null;
  /** The file's own display window (first Window Center/Width), when present. */
  window: WireWindow | null;
  /** File names (relative to the folder that was scanned) of the slices, in series order. */
  files: string[];
  warnings: string[];
  duplicates: number;
  /** Middle slice, windowed (file window or soft tissue) and area-resampled to size x size, 8-bit. */
  thumbnail: { size: number; pixels: Uint8Array };
}

export interface DicomFileProblem {
  /** Path relative to the folder that was scanned (absolute when outside it). */
  file: string;
  /** Error code (errors.ts), e.g. DICOM_TRUNCATED. */
  code: string;
  reason: string;
}

export interface DicomScanResult {
  series: DicomSeriesSummary[];
  /** DICOM files that cannot be used (not CT, truncated, unsupported...), each with its reason. */
  errors: DicomFileProblem[];
  /** Files that are not DICOM at all (README, JSON...). */
  notDicom: DicomFileProblem[];
  fileCount: number;
}

export interface DicomSliceResult {
  seriesKey: string;
  index: number;
  rows: number;
  columns: number;
  /** HU, row-major, rows x columns. */
  hu: Float32Array;
  /** 1 where the pixel is padding (outside the scanner's field of view), or null. */
  paddingMask: Uint8Array | null;
  pixelSpacingMm: [number, number] | null;
  /** Position along the series' slice normal, mm. */
  positionMm: number | null;
  file: string;
  meta: PublicDicomMeta;
  stats: HuStats;
  window: WireWindow | null;
}

export interface FbpReconstructResult {
  geometry: Geometry;
  /** The reference: the slice area-resampled to N x N, in HU (clamped at -1000, the canonical unit's 0). */
  reference: Float32Array;
  /** FBP of the measured sinogram, HU, N x N. */
  fbp: Float32Array;
  /** Measured sinogram (clean + noise), [views, detectors], pixel-length line integrals of x. */
  sinogram: Float32Array;
  /** PSNR in dB and SSIM of FBP against the reference, canonical units, data range below. */
  psnr: number;
  ssim: number;
  dataRange: number;
  relativeNoise: number;
  pixelSpacingMm: [number, number] | null;
  filter: FilterNameWire;
  cutoff: number;
  noise: string;
  seed: number;
  elapsedMs: number;
}

export interface FbpSeriesRow {
  index: number;
  file: string;
  psnr: number;
  ssim: number;
}

export interface FbpSeriesResult {
  geometry: Geometry;
  rows: FbpSeriesRow[];
  meanPsnr: number;
  meanSsim: number;
  elapsedMs: number;
}

export interface JobCancelResult {
  /** False when the job had already finished or is unknown. */
  cancelled: boolean;
}

export interface IpcResponses {
  [IpcChannel.AppInfo]: AppInfo;
  [IpcChannel.DialogOpenDicom]: DialogOpenResult;
  [IpcChannel.FsList]: FsListResult;
  [IpcChannel.DicomScan]: DicomScanResult;
  [IpcChannel.DicomSlice]: DicomSliceResult;
  [IpcChannel.FbpReconstruct]: FbpReconstructResult;
  [IpcChannel.FbpSeries]: FbpSeriesResult;
  [IpcChannel.JobCancel]: JobCancelResult;
  [IpcChannel.DialogOpenModel]: DialogOpenResult;
  [IpcChannel.TrainDefaults]: TrainDefaults;
  [IpcChannel.TrainStart]: TrainResult;
  [IpcChannel.ModelList]: ModelListResult;
  [IpcChannel.ModelImport]: ModelImportResult;
  [IpcChannel.DialogOpenNetwork]: DialogOpenResult;
  [IpcChannel.RobustnessRun]: RobustnessResult;
  [IpcChannel.AuditRun]: AuditRunResult;
  [IpcChannel.AuditList]: AuditListResult;
  [IpcChannel.AuditSummary]: AuditRunResult;
  [IpcChannel.AuditImages]: AuditImagesResult;
  [IpcChannel.AuditReport]: AuditReportResult;
  [IpcChannel.AuditOpenReport]: { opened: boolean; path: string; downloadUrl: string | null };
  [IpcChannel.BatchRun]: BatchResult;
  [IpcChannel.BatchGet]: BatchResult;
}

export type IpcResponse<C extends IpcChannel> = IpcResponses[C];

export type JobEndState = 'done' | 'failed' | 'cancelled';

/** The end of a job (its value travels in the response; this event is for job lists and progress bars). */
export interface JobDone {
  jobId: string;
  channel: string;
  state: JobEndState;
  error?: SerializedError;
  elapsedMs: number;
}

/** The engine host's life, as the UI shows it (Electron restarts a crashed host). */
export interface HostStatus {
  state: 'starting' | 'ready' | 'crashed' | 'stopped';
  message: string;
}

export interface IpcEventPayloads {
  [IpcEvent.JobProgress]: JobProgress;
  [IpcEvent.JobDone]: JobDone;
  [IpcEvent.HostStatus]: HostStatus;
  [IpcEvent.PathsOpened]: DialogOpenResult;
}

// ---------------------------------------------------------------------------------------------
// Validation

/** Validates `raw` against the channel's schema; a failure is an InvalidRequestError naming the fields. */
export function parseRequest<C extends IpcChannel>(channel: C, raw: unknown): IpcRequest<C> {
  const schema: z.ZodType | undefined = (requestSchemas as Record<string, z.ZodType>)[channel];
  if (!schema) {
    throw new InvalidRequestError(`unknown channel "${String(channel).slice(0, 64)}"`, {
      channel: String(channel).slice(0, 64),
    });
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new InvalidRequestError(`invalid request on ${channel}: ${z.prettifyError(parsed.error)}`, {
      channel,
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  // TypeScript cannot relate `requestSchemas[channel]` to C for a generic C; the data is the output of
  // exactly that schema, which is what IpcRequest<C> names.
  return parsed.data as IpcRequest<C>;
}

export function isIpcChannel(value: unknown): value is IpcChannel {
  return typeof value === 'string' && Object.hasOwn(requestSchemas, value);
}

export type IpcHandler<C extends IpcChannel> = (
  request: IpcRequest<C>,
) => Promise<IpcResponse<C>> | IpcResponse<C>;

/**
 * Wraps a handler for channel `C`: validates the raw request with the channel's schema, runs the
 * handler, and returns the envelope. Never throws, so nothing is flattened by the transport.
 */
export function wrapHandler<C extends IpcChannel>(
  channel: C,
  handler: IpcHandler<C>,
): (raw: unknown) => Promise<IpcResult<IpcResponse<C>>> {
  return async (raw) => {
    try {
      return ok(await handler(parseRequest(channel, raw)));
    } catch (e) {
      return fail(e);
    }
  };
}
