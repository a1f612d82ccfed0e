/** HTTP and WebSocket clients for the web server's tests (well-behaved ones; raw-ws.ts has the others). */
import { request } from 'node:http';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '@shared/wire';
import type { WebResponse } from '@shared/web-protocol';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpRequest(
  port: number,
  pathname: string,
  headers: Record<string, string> = {},
  method = 'GET',
  body?: string,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers, method }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export function get(
  port: number,
  pathname: string,
  headers: Record<string, string> = {},
): Promise<HttpResult> {
  return httpRequest(port, pathname, headers);
}

export function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.setMaxListeners(200); // bursts of concurrent ask() calls each listen for the response
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Sends one request and waits for its response (other messages are left to other listeners). */
export function ask(ws: WebSocket, id: number, channel: string, params: unknown): Promise<WebResponse> {
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      const m = decodeFrame(data) as WebResponse;
      if (m.type === 'response' && m.id === id) {
        ws.off('message', onMessage);
        ws.off('close', onClose);
        resolve(m);
      }
    };
    const onClose = (code: number): void =>
      reject(new Error(`socket closed (${code}) before response ${id}`));
    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.send(encodeFrame({ type: 'request', id, channel, params }));
  });
}

/** Resolves with the close code the server sent. */
export function closeCode(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    if (ws.readyState === ws.CLOSED) resolve(1006);
    ws.once('close', (code) => resolve(code));
  });
}
