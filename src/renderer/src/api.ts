/**
 * The renderer's only door to the app. Everything else in the renderer imports `connection` from here
 * and never touches `window.ctAudit` or a transport directly.
 *
 * - Electron: the preload's `window.ctAudit`.
 * - Web mode (`ct-audit serve`): a WebSocket client to the page's own origin, with the token the
 *   server printed in the page URL (`/?token=...`). The token is kept in sessionStorage and removed
 *   from the address bar, so it does not end up in screenshots, history or bookmarks.
 *
 * The client unwraps the envelope: results come back as values, failures as typed errors (UsageError,
 * DicomError, InvalidRequestError, ...) rebuilt on this side of the bridge.
 */
import type { CtAuditApi, Transport, Unsubscribe } from '@shared/api';
import { TOKEN_PARAM } from '@shared/web-protocol';
import {
  unwrap,
  type IpcChannel,
  type IpcEvent,
  type IpcEventPayloads,
  type IpcRequest,
  type IpcResponse,
} from '@shared/ipc';
import { createWebSocketApi, type SocketState } from './transport/web-socket-api';

export interface CtAuditClient {
  readonly transport: Transport;
  /** One request; resolves to the value or throws the typed error. */
  invoke<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResponse<C>>;
  on<E extends IpcEvent>(event: E, callback: (payload: IpcEventPayloads[E]) => void): Unsubscribe;
  /** Electron only (see CtAuditApi.onDroppedPaths). */
  onDroppedPaths?: (callback: (paths: string[]) => void) => Unsubscribe;
  /** Web mode only: the socket's state. */
  onSocketState?: (callback: (state: SocketState, detail: string) => void) => Unsubscribe;
}

export type Connection =
  { status: 'connected'; client: CtAuditClient } | { status: 'disconnected'; reason: string };

const TOKEN_KEY = 'ct-audit-token';

function webToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get(TOKEN_PARAM);
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete(TOKEN_PARAM);
    window.history.replaceState(window.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function createClient(api: CtAuditApi, extra: Partial<CtAuditClient> = {}): CtAuditClient {
  return {
    transport: api.transport,
    invoke: async (channel, request) => unwrap(await api.invoke(channel, request)),
    on: (event, callback) => api.on(event, callback),
    onDroppedPaths: api.onDroppedPaths ? (cb) => api.onDroppedPaths!(cb) : undefined,
    ...extra,
  };
}

function connect(): Connection {
  if (window.ctAudit) return { status: 'connected', client: createClient(window.ctAudit) };
  if (window.location.protocol === 'http:' || window.location.protocol === 'https:') {
    const token = webToken();
    if (!token) {
      return {
        status: 'disconnected',
        reason:
          'This page needs the access token of the server: open the exact URL that `ct-audit serve` printed (it ends in ?token=...).',
      };
    }
    const api = createWebSocketApi(window.location.origin, token);
    return {
      status: 'connected',
      client: createClient(api, { onSocketState: (cb) => api.onSocketState(cb) }),
    };
  }
  return {
    status: 'disconnected',
    reason:
      'This page is running outside the CT Audit desktop app and outside `ct-audit serve`, so it cannot reach the engine. Start the desktop app (npm start) or `npx ct-audit serve`.',
  };
}

/** Decided once, when the renderer starts: the preload runs before any page script. */
export const connection: Connection = connect();
