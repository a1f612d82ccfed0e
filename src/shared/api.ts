/**
 * `CtAuditApi`: the one interface the renderer uses to reach the app, whatever the transport.
 * In Electron the preload implements it over IPC and exposes it as `window.ctAudit`; in web mode
 * (later) a WebSocket client implements it. Each method mirrors one channel of ipc.ts.
 *
 * Methods resolve to the `IpcResult` envelope rather than throwing: an Error rejected through
 * Electron's contextBridge loses its `code` and `details`, so typed errors are rebuilt on the
 * renderer's side of the bridge (`unwrap` / `rebuildError` in ipc.ts; the renderer's api.ts does it
 * once for every call).
 */
import type {
  AppInfo,
  DicomScanRequest,
  DicomScanResult,
  IpcResult,
  JobCancelRequest,
  JobCancelResult,
  JobDone,
  JobProgress,
  JobStartRequest,
  JobStarted,
} from './ipc';

/** Stops delivering events to the callback it was returned for. */
export type Unsubscribe = () => void;

export interface CtAuditApi {
  /** `app:info`: versions and platform of the running app. */
  appInfo(): Promise<IpcResult<AppInfo>>;
  /** `dicom:scan`: the CT series in a folder the user picked. */
  scanDicom(request: DicomScanRequest): Promise<IpcResult<DicomScanResult>>;
  /** `job:start`: starts a long operation; progress and the result arrive as events. */
  startJob(request: JobStartRequest): Promise<IpcResult<JobStarted>>;
  /** `job:cancel`: asks a running job to stop at its next step. */
  cancelJob(request: JobCancelRequest): Promise<IpcResult<JobCancelResult>>;
  /** `job:progress` events, for every job. */
  onJobProgress(callback: (progress: JobProgress) => void): Unsubscribe;
  /** `job:done` events, for every job. */
  onJobDone(callback: (done: JobDone) => void): Unsubscribe;
}
