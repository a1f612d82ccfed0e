/**
 * The renderer's only door to the app. Everything else in the renderer imports `connection` from
 * here and never touches `window.ctAudit` or a transport directly, so that adding web mode (a
 * WebSocket client implementing the same `CtAuditApi`) changes `findApi` and nothing else.
 *
 * The client unwraps the IPC envelope: results come back as values, failures as typed errors
 * (`UsageError`, `DicomError`, `NotAvailableError`, ...) rebuilt on this side of the context bridge.
 */
import type { CtAuditApi } from '@shared/api';
import {
  unwrap,
  type AppInfo,
  type DicomScanRequest,
  type DicomScanResult,
  type JobCancelRequest,
  type JobCancelResult,
  type JobStartRequest,
  type JobStarted,
} from '@shared/ipc';

export type Transport = 'electron';

export interface CtAuditClient {
  readonly transport: Transport;
  appInfo(): Promise<AppInfo>;
  scanDicom(request: DicomScanRequest): Promise<DicomScanResult>;
  startJob(request: JobStartRequest): Promise<JobStarted>;
  cancelJob(request: JobCancelRequest): Promise<JobCancelResult>;
  onJobProgress: CtAuditApi['onJobProgress'];
  onJobDone: CtAuditApi['onJobDone'];
}

export type Connection =
  { status: 'connected'; client: CtAuditClient } | { status: 'disconnected'; reason: string };

function findApi(): { api: CtAuditApi; transport: Transport } | undefined {
  if (window.ctAudit) return { api: window.ctAudit, transport: 'electron' };
  // Web mode goes here: a WebSocket client to `ct-audit serve` (its URL and token from the page URL).
  return undefined;
}

function createClient(api: CtAuditApi, transport: Transport): CtAuditClient {
  return {
    transport,
    appInfo: async () => unwrap(await api.appInfo()),
    scanDicom: async (request) => unwrap(await api.scanDicom(request)),
    startJob: async (request) => unwrap(await api.startJob(request)),
    cancelJob: async (request) => unwrap(await api.cancelJob(request)),
    onJobProgress: (callback) => api.onJobProgress(callback),
    onJobDone: (callback) => api.onJobDone(callback),
  };
}

function connect(): Connection {
  const found = findApi();
  if (!found) {
    return {
      status: 'disconnected',
      reason:
        'This page is running outside the CT Audit desktop app, so it cannot reach the engine. ' +
        'Start the desktop app instead (npm run dev, or an installed build); ' +
        'a browser mode served by the ct-audit CLI is planned but not available yet.',
    };
  }
  return { status: 'connected', client: createClient(found.api, found.transport) };
}

/** Decided once, when the renderer starts: the preload runs before any page script. */
export const connection: Connection = connect();
