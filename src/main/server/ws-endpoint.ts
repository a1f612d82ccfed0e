/**
 * The web server's WebSocket endpoint (`/api/ws`, web-protocol.ts): the upgrade (after the shared
 * request check), one Gateway call per request frame, responses and broadcast events as binary frames.
 *
 * One connection must not end the server for everyone: the upgrading socket and every WebSocket have
 * an 'error' listener (an EventEmitter without one throws, which ends the process with every session
 * and job). A connection that breaks the protocol is closed with a code that says why
 * (WsCloseCode): `ws` itself closes with 1002 (a frame breaks RFC 6455), 1007 (text that is not
 * UTF-8) and 1009 (a message over MAX_MESSAGE_BYTES); this file with 1003 (a text frame) and 1007 (a
 * binary frame that is not a request). A request that fails its schema is not a protocol error: it
 * gets the error envelope and the connection stays open.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { IpcEvent, fail, type HostStatus, type IpcResult } from '@shared/ipc';
import { decodeFrame, encodeFrame } from '@shared/wire';
import {
  MAX_MESSAGE_BYTES,
  WS_PATH,
  WsCloseCode,
  type WebRequest,
  type WebServerMessage,
} from '@shared/web-protocol';
import type { Gateway } from '../gateway/gateway';
import { parseUrl, type RequestGuard } from './request-guard';

export interface WsEndpointOptions {
  /** Answers one request (the Gateway: validation, paths, engine); never throws. */
  invoke: Gateway['invoke'];
  guard: RequestGuard;
  /** The engine's state, sent to each new connection first. */
  engineStatus: () => HostStatus;
  log: (line: string) => void;
}

export interface WsEndpoint {
  /** The http server's 'upgrade' handler. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sends an event to every open connection. */
  broadcast(message: WebServerMessage): void;
  close(): void;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * A request frame (wire.ts) holding { type: 'request', id, channel, params }; throws otherwise. The
 * channel and params are the Gateway's to check (an unknown channel gets the error envelope).
 */
function parseWebRequest(data: RawData): WebRequest {
  const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
  const m = decodeFrame(bytes) as Partial<WebRequest> | null;
  if (m?.type !== 'request' || typeof m.id !== 'number') throw new Error('the frame is not a request');
  return m as WebRequest;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  421: 'Misdirected Request',
};

/** Answers a refused upgrade and closes the socket once the answer is written (as ws does). */
function refuse(socket: Duplex, status: number): void {
  const text = STATUS_TEXT[status];
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
  );
}

export function createWsEndpoint(o: WsEndpointOptions): WsEndpoint {
  const { log } = o;
  const sockets = new Set<WebSocket>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  // With noServer, ws emits no server errors of its own today; a listener keeps a future one harmless.
  wss.on('error', (e) => log(`WebSocket server error: ${errorText(e)}`));

  /** A message as one frame; a value the wire format cannot carry is a bug to log, not a crash. */
  function encode(message: WebServerMessage): Uint8Array | undefined {
    try {
      return encodeFrame(message);
    } catch (e) {
      log(`could not encode a ${message.type}: ${errorText(e)}`);
      // The caller still gets an answer: the error envelope instead of the value.
      return message.type === 'response'
        ? encodeFrame({ type: 'response', id: message.id, result: fail(e) })
        : undefined;
    }
  }

  function send(ws: WebSocket, frame: Uint8Array | undefined): void {
    if (frame && ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  }

  function onMessage(ws: WebSocket, data: RawData, isBinary: boolean): void {
    if (!isBinary) {
      log('closed a connection that sent a text frame (the protocol is binary frames)');
      ws.close(WsCloseCode.UnsupportedData, 'text frames are not part of the protocol');
      return;
    }
    let req: WebRequest;
    try {
      req = parseWebRequest(data);
    } catch (e) {
      log(`closed a connection that sent a malformed frame: ${errorText(e)}`);
      ws.close(WsCloseCode.InvalidData, 'malformed frame');
      return;
    }
    void o
      .invoke(req.channel, req.params)
      .then((result: IpcResult<unknown>) => send(ws, encode({ type: 'response', id: req.id, result })))
      .catch((e: unknown) => log(`could not answer request ${req.id}: ${errorText(e)}`));
  }

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    // ws has already closed the connection with the code that says why; without this listener its
    // 'error' event would end the process.
    ws.on('error', (e) => log(`closed a connection: ${errorText(e)}`));
    ws.on('message', (data: RawData, isBinary: boolean) => onMessage(ws, data, isBinary));
    send(ws, encode({ type: 'event', event: IpcEvent.HostStatus, payload: o.engineStatus() }));
  });

  function handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // The same order as HTTP requests: Host, target, then Origin and token (RequestGuard).
    if (!o.guard.hostAllowed(req.headers)) return refuse(socket, 421);
    const url = parseUrl(req);
    if (!url) return refuse(socket, 400);
    if (url.pathname !== WS_PATH) return refuse(socket, 404);
    const refusal = o.guard.apiRefusal(req, url);
    if (refusal) return refuse(socket, refusal.status);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  }

  return {
    upgrade(req, socket, head) {
      // Node removes its own socket 'error' listener before 'upgrade': until ws adds one, a reset
      // (ECONNRESET, EPIPE) on this socket would be an unhandled 'error' event.
      socket.on('error', (e) => {
        log(`upgrade socket error: ${errorText(e)}`);
        socket.destroy();
      });
      try {
        handleUpgrade(req, socket, head);
      } catch (e) {
        log(`upgrade failed: ${errorText(e)}`);
        socket.destroy();
      }
    },
    broadcast(message) {
      const frame = encode(message);
      for (const ws of sockets) send(ws, frame);
    },
    close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
    },
  };
}
