import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { IpcChannel } from '@shared/ipc';
import type { HostToOwnerMessage } from '@shared/host-protocol';
import { decodeFrame, encodeFrame } from '@shared/wire';
import type { WebResponse } from '@shared/web-protocol';
import { HostClient } from '../../../src/main/gateway';
import { startServer, type RunningServer } from '../../../src/main/server';

/** An engine that answers engine:info and echoes everything else. */
function fakeEngine(): HostClient {
  return new HostClient({
    spawn: () => {
      const listeners: ((m: HostToOwnerMessage) => void)[] = [];
      setTimeout(() => listeners.forEach((l) => l({ type: 'ready', pid: 1 })), 0);
      return {
        post: (m) => {
          if (m.type !== 'request') return;
          const value =
            m.method === 'engine:info'
              ? { available: true, message: 'fake', features: ['dicom'] }
              : { echo: m.params, pixels: new Float32Array([1, 2, 3]) };
          setTimeout(
            () => listeners.forEach((l) => l({ type: 'response', id: m.id, result: { ok: true, value } })),
            0,
          );
        },
        onMessage: (l) => listeners.push(l),
        onExit: () => undefined,
        kill: () => undefined,
      };
    },
  });
}

interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, pathname: string, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: pathname, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

function ask(ws: WebSocket, id: number, channel: string, params: unknown): Promise<WebResponse> {
  return new Promise((resolve) => {
    const onMessage = (data: Buffer): void => {
      const m = decodeFrame(data) as WebResponse;
      if (m.type === 'response' && m.id === id) {
        ws.off('message', onMessage);
        resolve(m);
      }
    };
    ws.on('message', onMessage);
    ws.send(encodeFrame({ type: 'request', id, channel, params }));
  });
}

describe('web mode server', () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-srv-'));
    await mkdir(path.join(dir, 'renderer', 'assets'), { recursive: true });
    await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>CT Audit</title>');
    await writeFile(path.join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)');
    await writeFile(path.join(dir, 'secret.txt'), 'secret');
    await mkdir(path.join(dir, 'data'));
    server = await startServer({
      rendererDir: path.join(dir, 'renderer'),
      roots: [path.join(dir, 'data')],
      workspace: path.join(dir, 'workspace'),
      engine: fakeEngine(),
      appVersion: 'test',
    });
  });
  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a 127.0.0.1 URL with a long random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{40,}$/);
  });

  it('serves the page with the CSP and without a token; no files outside the build', async () => {
    const page = await get(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('CT Audit');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect((await get(server.port, '/assets/app.js')).headers['content-type']).toMatch(/javascript/);
    expect((await get(server.port, '/../secret.txt')).status).toBe(404);
    expect((await get(server.port, '/%2e%2e/secret.txt')).status).toBe(404);
  });

  it('answers /api/info with 401 without the token, and with the info with it', async () => {
    const none = await get(server.port, '/api/info');
    expect(none.status).toBe(401);
    expect(none.body).not.toContain('CT Audit"');
    expect((await get(server.port, '/api/info?token=wrong')).status).toBe(401);
    const ok = await get(server.port, '/api/info', { Authorization: `Bearer ${server.token}` });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({
      ok: true,
      value: { mode: 'web', engine: { available: true } },
    });
    expect((await get(server.port, `/api/info?token=${server.token}`)).status).toBe(200);
  });

  it('refuses requests whose Host header names another server (DNS rebinding)', async () => {
    const r = await get(server.port, `/api/info?token=${server.token}`, {
      Host: `evil.example:${server.port}`,
    });
    expect(r.status).toBe(421);
  });

  it('refuses WebSocket upgrades without the token or from another origin', async () => {
    const ws = `ws://127.0.0.1:${server.port}/api/ws`;
    await expect(connect(ws)).rejects.toThrow('HTTP 401');
    await expect(connect(`${ws}?token=nope`)).rejects.toThrow('HTTP 401');
    await expect(connect(`${ws}?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
  });

  it('serves the contract over binary frames: typed arrays arrive as typed arrays, bad requests are refused', async () => {
    const ws = await connect(`ws://127.0.0.1:${server.port}/api/ws?token=${server.token}`, {
      origin: server.origin,
    });
    const info = await ask(ws, 1, IpcChannel.AppInfo, undefined);
    expect(info.result).toMatchObject({
      ok: true,
      value: { mode: 'web', roots: [expect.stringContaining('data')] },
    });
    const slice = await ask(ws, 2, IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 });
    expect(slice.result.ok && (slice.result.value as { pixels: unknown }).pixels).toBeInstanceOf(
      Float32Array,
    );
    const bad = await ask(ws, 3, IpcChannel.DicomSlice, { seriesKey: 's1', index: -1 });
    expect(bad.result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    const outside = await ask(ws, 4, IpcChannel.DicomScan, { paths: [path.join(dir, 'secret.txt')] });
    expect(outside.result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    expect(outside.result.ok || outside.result.error.message).toMatch(/outside/);
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send('{"type":"request"}'); // text frames are not the protocol: the socket is closed
    expect(await closed).toBe(1003);
  });
});
