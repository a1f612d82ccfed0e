/**
 * Web mode (`ct-audit serve`): the renderer's WebSocket protocol. Every message is one binary frame
 * (wire.ts), so typed arrays (slices, sinograms) travel as bytes both ways.
 *
 *   page -> server   { type: 'request', id, channel, params }      one IpcChannel request
 *   server -> page   { type: 'response', id, result }              its IpcResult envelope
 *                    { type: 'event', event, payload }             job:progress, job:done, host:status
 *
 * The page learns the per-start token from its own URL (`/?token=...`) and passes it when it opens the
 * socket (`/api/ws?token=...`); the server refuses the upgrade without it (DESIGN.md section 7).
 */
import type { IpcResult } from './ipc';

export const WS_PATH = '/api/ws';
export const INFO_PATH = '/api/info';
export const TOKEN_PARAM = 'token';

/** The largest message the server accepts (uploads are bounded; slices and results flow the other way). */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Close codes (RFC 6455 section 7.4.1) of a connection the server ends because of what its client sent.
 * The server keeps serving everyone else; the page reconnects and says why it was cut off.
 */
export const WsCloseCode = {
  /** A frame that breaks RFC 6455 (reserved opcode, no client mask, ...): detected by `ws`. */
  ProtocolError: 1002,
  /** A text frame: this protocol is binary frames only. */
  UnsupportedData: 1003,
  /** A binary frame that is not a CT Audit request, or a text frame that is not UTF-8. */
  InvalidData: 1007,
  /** A message over MAX_MESSAGE_BYTES. */
  TooBig: 1009,
} as const;

/** Why the server closed a connection, in words for the page (undefined for ordinary closes). */
export function describeClose(code: number): string | undefined {
  switch (code) {
    case WsCloseCode.TooBig:
      return `a message was larger than the server accepts (${MAX_MESSAGE_BYTES / 1024 / 1024} MiB)`;
    case WsCloseCode.ProtocolError:
    case WsCloseCode.UnsupportedData:
    case WsCloseCode.InvalidData:
      return 'the server refused a malformed message';
    default:
      return undefined;
  }
}

export interface WebRequest {
  type: 'request';
  id: number;
  channel: string;
  params: unknown;
}

export interface WebResponse {
  type: 'response';
  id: number;
  result: IpcResult<unknown>;
}

export interface WebEvent {
  type: 'event';
  event: string;
  payload: unknown;
}

export type WebServerMessage = WebResponse | WebEvent;
