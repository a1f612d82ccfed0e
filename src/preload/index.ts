/// <reference lib="dom" />
/**
 * Preload: exposes exactly `window.ctAudit` (a `CtAuditApi`) and nothing else. Runs sandboxed, so it
 * is bundled to one CommonJS file that requires only `electron` (see electron.vite.config.ts).
 * No `ipcRenderer`, event objects or Node APIs reach the page: `invoke` accepts only the contract's
 * channels (main validates every request again), and event callbacks receive the payload only.
 *
 * Drops: the preload shares the page's DOM (in its own isolated world), so it sees the real File
 * objects of a drop, reads their paths with `webUtils.getPathForFile`, and tells main, which treats
 * them like a dialog pick. Page scripts cannot forge such paths.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { CtAuditApi, Unsubscribe } from '@shared/api';
import type { IpcEventPayloads } from '@shared/ipc';
// Names only (no zod): the full contract in @shared/ipc re-exports these.
import { IpcChannel, IpcEvent, PRELOAD_DROP_CHANNEL } from '@shared/ipc-channels';

const channels = new Set<string>(Object.values(IpcChannel));
const events = new Set<string>(Object.values(IpcEvent));

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

type DropListener = (paths: string[]) => void;
const dropListeners = new Set<DropListener>();

window.addEventListener('drop', (e) => {
  const files = Array.from(e.dataTransfer?.files ?? []);
  const paths = files.map((f) => webUtils.getPathForFile(f)).filter((p) => p !== '');
  if (paths.length === 0) return;
  void ipcRenderer
    .invoke(PRELOAD_DROP_CHANNEL, paths)
    .then((r: { ok: boolean; value?: { paths: string[] } }) => {
      if (r.ok && r.value) for (const l of dropListeners) l(r.value.paths);
    });
});

const api: CtAuditApi = {
  transport: 'electron',
  invoke: (channel, request) => {
    if (!channels.has(channel)) {
      return Promise.resolve({
        ok: false,
        error: {
          name: 'InvalidRequestError',
          code: 'IPC_INVALID_REQUEST',
          message: `unknown channel ${String(channel)}`,
        },
      });
    }
    return ipcRenderer.invoke(channel, request);
  },
  on: (event, callback) => {
    if (!events.has(event)) return () => undefined;
    return subscribe(event, callback);
  },
  onDroppedPaths: (callback) => {
    dropListeners.add(callback);
    return () => {
      dropListeners.delete(callback);
    };
  },
};

contextBridge.exposeInMainWorld('ctAudit', api);
