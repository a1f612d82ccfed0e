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
