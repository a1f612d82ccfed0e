/**
 * Preload: exposes exactly `window.ctAudit` (a `CtAuditApi`) and nothing else. Runs sandboxed, so it
 * is bundled to one CommonJS file that requires only `electron` (see electron.vite.config.ts).
 * No `ipcRenderer`, event objects or Node APIs reach the page: every method is a fixed channel, and
 * event callbacks receive the payload only.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import type { CtAuditApi, Unsubscribe } from '@shared/api';
import type { IpcEventPayloads } from '@shared/ipc';
// Names only (no zod): the full contract in @shared/ipc re-exports these.
import { IpcChannel, IpcEvent } from '@shared/ipc-channels';

function subscribe<E extends IpcEvent>(
  event: E,
  callback: (payload: IpcEventPayloads[E]) => void,
): Unsubscribe {
  const listener = (_e: IpcRendererEvent, payload: IpcEventPayloads[E]): void => callback(payload);
  ipcRenderer.on(event, listener);
  return () => {
    ipcRenderer.removeListener(event, listener);
  };
}

const api: CtAuditApi = {
  appInfo: () => ipcRenderer.invoke(IpcChannel.AppInfo),
  scanDicom: (request) => ipcRenderer.invoke(IpcChannel.DicomScan, request),
  startJob: (request) => ipcRenderer.invoke(IpcChannel.JobStart, request),
  cancelJob: (request) => ipcRenderer.invoke(IpcChannel.JobCancel, request),
  onJobProgress: (callback) => subscribe(IpcEvent.JobProgress, callback),
  onJobDone: (callback) => subscribe(IpcEvent.JobDone, callback),
};

contextBridge.exposeInMainWorld('ctAudit', api);
