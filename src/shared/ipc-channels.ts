/**
 * Channel and event names of the IPC contract, kept apart from ipc.ts's zod schemas so that the
 * sandboxed preload can import them without bundling zod. Import them from ipc.ts everywhere else
 * (it re-exports them); the contract itself is documented there.
 */

/** Request/response channels (renderer -> serving side), domain:verb. */
export const IpcChannel = {
  AppInfo: 'app:info',
  /** Electron: native open dialog; what the user picks becomes readable. Web mode: not available. */
  DialogOpenDicom: 'dialog:open-dicom',
  /** Lists a folder inside what the user may open (web mode's server-side picker). */
  FsList: 'fs:list',
  DicomScan: 'dicom:scan',
  DicomSlice: 'dicom:slice',
  FbpReconstruct: 'fbp:reconstruct',
  FbpSeries: 'fbp:series',
  JobCancel: 'job:cancel',
  /** Electron: folder dialog to pick a saved model; the pick becomes readable. Web mode: not available. */
  DialogOpenModel: 'dialog:open-model',
  /** Training methods, their hyperparameters with paper defaults, trainer defaults. */
  TrainDefaults: 'train:defaults',
  /** Trains a model into the workspace (a job: progress per step, validation per epoch, cancel, resume). */
  TrainStart: 'train:start',
  ModelList: 'model:list',
  /**
   * Imports the researcher's own network (ONNX, TensorFlow.js) with its import card into the workspace
   * (<workspace>/models/<name>): a job.
   */
  ModelImport: 'model:import',
  /** Electron: file dialog to pick a network to import (.onnx, model.json); the pick becomes readable. */
  DialogOpenNetwork: 'dialog:open-network',
  /** Attack (rho-hat over an eps grid) and certification (randomized smoothing) of one slice. */
  RobustnessRun: 'robustness:run',
  /** An audit over folders with the audit runner (a job; resumable), into <workspace>/audits/<name>. */
  AuditRun: 'audit:run',
  AuditList: 'audit:list',
  /** The summary of a finished audit (as audit:run returns it). */
  AuditSummary: 'audit:summary',
  /** The images of one of an audit's worst slices (reference, clean, perturbed, smoothed, perturbation). */
  AuditImages: 'audit:images',
  /** Builds report.pdf of an audit (the engine's PDF builder, as `ct-audit report`). */
  AuditReport: 'audit:report',
  /** Opens an audit's report.pdf in the system viewer (Electron) / says where to download it (web). */
  AuditOpenReport: 'audit:open-report',
  /** A batch: one audit per CT series under folders (a job; resumable), into <workspace>/batches/<name>. */
  BatchRun: 'batch:run',
  /** A batch's record (files, series table) and its overall audit. */
  BatchGet: 'batch:get',
} as const;
export type IpcChannel = (typeof IpcChannel)[keyof typeof IpcChannel];

/** Events pushed to the renderer. */
export const IpcEvent = {
  JobProgress: 'job:progress',
  JobDone: 'job:done',
  HostStatus: 'host:status',
  /** Electron: the user picked files/folders from the application menu; the renderer scans them. */
  PathsOpened: 'dialog:opened',
} as const;
export type IpcEvent = (typeof IpcEvent)[keyof typeof IpcEvent];

/**
 * Electron only, preload -> main: paths of files dropped on the window, taken by the preload from the
 * dropped File objects (webUtils.getPathForFile), so main can treat a drop like a dialog pick.
 */
export const PRELOAD_DROP_CHANNEL = 'dialog:register-drop';
