/**
 * `CtAuditApi` over the web mode's WebSocket (`ct-audit serve`, src/shared/web-protocol.ts). Every
 * message is a binary frame (wire.ts), so slices arrive as typed arrays. The socket reconnects with
 * back-off; calls made while it is down wait for it (up to a limit), and calls in flight when it drops
 * fail with DisconnectedError (the server may still finish them, but their answer is lost).
 */
import type { CtAuditApi, Unsubscribe } from '@shared/api';
import { DisconnectedError, fail, type IpcEvent, type IpcResult } from '@shared/ipc';
import { decodeFrame, encodeFrame } from '@shared/wire';
import { TOKEN_PARAM, WS_PATH, describeClose, type WebServerMessage } from '@shared/web-protocol';

export type SocketState = 'connecting' | 'open' | 'closed';

export interface WebSocketApi extends CtAuditApi {
  onSocketState(callback: (state: SocketState, detail: string) => void): Unsubscribe;
}

/** How long a call waits for a socket that is (re)connecting before it fails. */
const WAIT_FOR_OPEN_MS = 15_000;

export function createWebSocketApi(origin: string, token: string): WebSocketApi {
  const wsUrl = `${origin.replace(/^http/, 'ws')}${WS_PATH}?${TOKEN_PARAM}=${encodeURIComponent(token)}`;
  let ws: WebSocket | undefined;
  let nextId = 1;
  let retryMs = 500;
  const pending = new Map<number, (r: IpcResult<unknown>) => void>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: SocketState, detail: string) => void>();
  let waiters: (() => void)[] = [];

  const setState = (s: SocketState, detail: string): void => {
    for (const l of stateListeners) l(s, detail);
  };

  function open(): void {
    setState('connecting', 'connecting to the server');
    const socket = new WebSocket(wsUrl);
    socket.binaryType = 'arraybuffer';
    ws = socket;
    socket.onopen = () => {
      retryMs = 500;
      setState('open', 'connected');
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
    };
    socket.onmessage = (e: MessageEvent) => {
      if (!(e.data instanceof ArrayBuffer)) return;
      const m = decodeFrame(e.data) as WebServerMessage;
      if (m.type === 'response') {
        pending.get(m.id)?.(m.result);
        pending.delete(m.id);
      } else if (m.type === 'event') {
        listeners.get(m.event)?.forEach((l) => l(m.payload));
      }
    };
    socket.onclose = (e: CloseEvent) => {
      if (ws !== socket) return;
      ws = undefined;
      const err = fail(
        new DisconnectedError(
          'the connection to the server was lost while this ran; run it again when it is back',
        ),
      );
      for (const [id, resolve] of pending) {
        pending.delete(id);
        resolve(err);
      }
      // 1006 without ever opening is what a refused upgrade (wrong token, server down) looks like.
      const why = describeClose(e.code);
      setState(
        'closed',
        e.code === 1006
          ? 'cannot reach the server (stopped, restarted with a new token, or the token in the URL is wrong)'
          : why
            ? `the server closed the connection: ${why} (${e.code}); reconnecting`
            : `connection closed (${e.code}${e.reason ? `: ${e.reason}` : ''})`,
      );
      setTimeout(open, retryMs);
      retryMs = Math.min(retryMs * 2, 10_000);
    };
  }

  function whenOpen(): Promise<boolean> {
    if (ws?.readyState === WebSocket.OPEN) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), WAIT_FOR_OPEN_MS);
      waiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  open();

  const api: WebSocketApi = {
    transport: 'web',
    async invoke(channel, request) {
      if (!(await whenOpen()) || !ws) {
        return fail(
          new DisconnectedError('the server cannot be reached: is `ct-audit serve` still running?'),
        );
      }
      const id = nextId++;
      const frame = encodeFrame({ type: 'request', id, channel, params: request });
      const socket = ws;
      return new Promise((resolve) => {
        pending.set(id, resolve as (r: IpcResult<unknown>) => void);
        socket.send(frame);
      });
    },
    on(event: IpcEvent, callback) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      const l = callback as (payload: unknown) => void;
      set.add(l);
      return () => {
        set.delete(l);
      };
    },
    onSocketState(callback) {
      stateListeners.add(callback);
      return () => {
        stateListeners.delete(callback);
      };
    },
  };
  return api;
}
