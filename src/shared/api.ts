/**
 * `CtAuditApi`: the one interface the renderer uses to reach the app, whatever the transport.
 * In Electron the preload implements it over IPC and exposes it as `window.ctAudit`; in web mode the
 * renderer's WebSocket client (src/renderer/src/transport/web-socket-api.ts) implements it against
 * `ct-audit serve`.
 *
 * `invoke` resolves to the `IpcResult` envelope rather than throwing: an Error rejected through
 * Electron's contextBridge loses its `code` and `details`, so typed errors are rebuilt on the
 * renderer's side (`unwrap` / `rebuildError` in ipc-envelope.ts; the renderer's api.ts does it once
 * for every call).
 */
import type { IpcChannel, IpcEvent, IpcEventPayloads, IpcRequest, IpcResponse, IpcResult } from './ipc';

/** Stops delivering events to the callback it was returned for. */
export type Unsubscribe = () => void;

export type Transport = 'electron' | 'web';

export interface CtAuditApi {
  readonly transport: Transport;
  /** One request on one channel of ipc.ts; the serving side validates it before anything runs. */
  invoke<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResult<IpcResponse<C>>>;
  /** Events of ipc.ts (`job:progress`, `job:done`, `host:status`). */
  on<E extends IpcEvent>(event: E, callback: (payload: IpcEventPayloads[E]) => void): Unsubscribe;
  /**
   * Electron only: paths of files and folders dropped on the window, read by the preload from the
   * drop's File objects and accepted by main like a dialog pick. Absent in web mode, where browsers do
   * not reveal paths.
   */
  onDroppedPaths?(callback: (paths: string[]) => void): Unsubscribe;
}
