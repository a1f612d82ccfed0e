/**
 * The engine host protocol: how Electron main and the web server talk to the process that runs the
 * engine (an Electron utilityProcess, or a Node worker thread for `ct-audit serve` and tests).
 *
 *   owner -> host   { type: 'request', id, jobId, method, params }    run one engine call as a job
 *                   { type: 'cancel', jobId }                          stop it at its next step
 *   host -> owner   { type: 'ready', pid }                             sent once, after start-up
 *                   { type: 'response', id, result }                   the call's IpcResult envelope
 *                   { type: 'event', event, payload }                  job:progress / job:done
 *
 * Requests reaching the host were validated by the owner (the trust boundary: zod schemas, picked
 * paths); the host trusts them. Every call is a job with an id, progress, cancellation and a typed
 * error. Messages are plain data plus typed arrays: postMessage moves the arrays (wire.ts
 * `transferables`), WebSocket carries them as binary frames (wire.ts `encodeFrame`).
 */
import { IpcChannel, type EngineInfo, type IpcRequest, type IpcResponse, type IpcResult } from './ipc';

/** The channels of ipc.ts that the engine host serves (the others are answered by main / the server). */
export const ENGINE_CHANNELS = [
  IpcChannel.DicomScan,
  IpcChannel.DicomSlice,
  IpcChannel.FbpReconstruct,
  IpcChannel.FbpSeries,
  IpcChannel.TrainDefaults,
  IpcChannel.TrainStart,
  IpcChannel.ModelList,
  IpcChannel.ModelImport,
  IpcChannel.RobustnessRun,
  IpcChannel.AuditRun,
  IpcChannel.AuditList,
  IpcChannel.AuditSummary,
  IpcChannel.AuditImages,
  IpcChannel.AuditReport,
  IpcChannel.BatchRun,
  IpcChannel.BatchGet,
] as const;
export type EngineChannel = (typeof ENGINE_CHANNELS)[number];

/** Host-only method: the engine's half of `app:info` (backend, versions, features). */
export const ENGINE_INFO_METHOD = 'engine:info';

export type HostMethod = EngineChannel | typeof ENGINE_INFO_METHOD;

/**
 * What the host gets where it differs from the renderer's request: the owner resolves workspace names
 * and checks paths, so the host sees folders only (never a renderer-chosen output location).
 */
export interface HostParamOverrides {
  [IpcChannel.TrainStart]: IpcRequest<typeof IpcChannel.TrainStart> & { outDir: string };
  [IpcChannel.TrainDefaults]: { workspace: string };
  [IpcChannel.ModelList]: { workspace: string };
  [IpcChannel.ModelImport]: IpcRequest<typeof IpcChannel.ModelImport> & { outDir: string };
  [IpcChannel.RobustnessRun]: Omit<IpcRequest<typeof IpcChannel.RobustnessRun>, 'models'> & {
    models: ({ kind: 'fbp' } | { kind: 'path'; path: string; name: string })[];
  };
  [IpcChannel.AuditRun]: Omit<IpcRequest<typeof IpcChannel.AuditRun>, 'models'> & {
    models: ({ kind: 'fbp' } | { kind: 'path'; path: string; name: string })[];
    outDir: string;
  };
  [IpcChannel.AuditList]: { workspace: string };
  [IpcChannel.AuditImages]: IpcRequest<typeof IpcChannel.AuditImages> & { dir: string };
  [IpcChannel.AuditReport]: { name: string; dir: string };
  [IpcChannel.AuditSummary]: { name: string; dir: string };
  [IpcChannel.BatchRun]: Omit<IpcRequest<typeof IpcChannel.BatchRun>, 'models'> & {
    models: ({ kind: 'fbp' } | { kind: 'path'; path: string; name: string })[];
    outDir: string;
  };
  [IpcChannel.BatchGet]: { name: string; dir: string };
}

export type HostParams<M extends HostMethod> = M extends keyof HostParamOverrides
  ? HostParamOverrides[M]
  : M extends EngineChannel
    ? IpcRequest<M>
    : undefined;
export type HostResult<M extends HostMethod> = M extends EngineChannel ? IpcResponse<M> : EngineInfo;

export function isEngineChannel(channel: string): channel is EngineChannel {
  return (ENGINE_CHANNELS as readonly string[]).includes(channel);
}

export interface HostRequestMessage {
  type: 'request';
  id: string;
  jobId: string;
  method: HostMethod;
  params: unknown;
}

export interface HostCancelMessage {
  type: 'cancel';
  jobId: string;
}

export type OwnerToHostMessage = HostRequestMessage | HostCancelMessage;

export interface HostReadyMessage {
  type: 'ready';
  pid: number;
}

export interface HostResponseMessage {
  type: 'response';
  id: string;
  result: IpcResult<unknown>;
}

export interface HostEventMessage {
  type: 'event';
  event: string;
  payload: unknown;
}

export type HostToOwnerMessage = HostReadyMessage | HostResponseMessage | HostEventMessage;
