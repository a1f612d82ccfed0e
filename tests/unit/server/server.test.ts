import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IpcChannel } from '@shared/ipc';
import { WS_PATH, describeClose } from '@shared/web-protocol';
import { startServer, type RunningServer } from '../../../src/main/server';
import { ask, closeCode, connect, get, httpRequest } from './clients';
import { fakeEngine } from './fake-engine';
import { RawWebSocket } from './raw-ws';

describe('web mode server', () => {
  let dir: string;
  let server: RunningServer;
  const logLines: string[] = [];
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
      log: (line) => logLines.push(line),
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
    const closed = closeCode(ws);
    ws.send('{"type":"request"}'); // text frames are not the protocol: the socket is closed
    expect(await closed).toBe(1003);
  });

  describe('requests from other web pages (one Origin check for /api/* and the WebSocket)', () => {
    const bearer = (): Record<string, string> => ({ Authorization: `Bearer ${server.token}` });

    it('refuses /api/* from a foreign or opaque Origin even with the right token', async () => {
      for (const origin of ['http://evil.example', 'null', `http://localhost:${server.port + 1}`]) {
        const r = await get(server.port, '/api/info', { ...bearer(), Origin: origin });
        expect(r.status, origin).toBe(403);
        expect(r.body).not.toContain('"mode"');
      }
      // The report download is behind the same check.
      const pdf = await get(server.port, `/api/audits/a1/report.pdf?token=${server.token}`, {
        Origin: 'http://evil.example',
      });
      expect(pdf.status).toBe(403);
    });

    it('refuses /api/* that the browser marks cross-site or same-site (Sec-Fetch-Site), even without Origin', async () => {
      // A no-cors GET (an <img> or <script> on another page) carries no Origin but does carry this.
      for (const site of ['cross-site', 'same-site']) {
        const r = await get(server.port, `/api/info?token=${server.token}`, { 'Sec-Fetch-Site': site });
        expect(r.status, site).toBe(403);
      }
    });

    it("answers the server's own page and clients that send no Origin (curl, scripts: the token decides)", async () => {
      const own = { Origin: server.origin, 'Sec-Fetch-Site': 'same-origin' };
      expect((await get(server.port, '/api/info', { ...bearer(), ...own })).status).toBe(200);
      expect(
        (await get(server.port, `/api/info?token=${server.token}`, { 'Sec-Fetch-Site': 'none' })).status,
      ).toBe(200);
      expect((await get(server.port, '/api/info', bearer())).status).toBe(200);
      expect((await get(server.port, '/api/info')).status).toBe(401);
      expect((await get(server.port, '/api/info', { Origin: server.origin })).status).toBe(401);
    });

    it('changes nothing on a forged form POST (CSRF): the HTTP API is read-only', async () => {
      const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
      const foreign = await httpRequest(
        server.port,
        `/api/info?token=${server.token}`,
        { ...form, Origin: 'http://evil.example' },
        'POST',
        'a=1',
      );
      expect(foreign.status).toBe(403);
      const own = await httpRequest(server.port, '/api/info', { ...form, ...bearer() }, 'POST', 'a=1');
      expect(own.status).toBe(405);
      expect(own.headers.allow).toBe('GET');
    });

    it('refuses WebSocket upgrades that name another host (DNS rebinding) or that the browser marks cross-site', async () => {
      const path = `${WS_PATH}?token=${server.token}`;
      await expect(
        RawWebSocket.open(server.port, path, {
          Host: `evil.example:${server.port}`,
          Origin: `http://evil.example:${server.port}`,
        }),
      ).rejects.toThrow(/^HTTP\/1\.1 421 /);
      await expect(RawWebSocket.open(server.port, path, { Origin: 'null' })).rejects.toThrow(
        /^HTTP\/1\.1 403 /,
      );
      await expect(
        RawWebSocket.open(server.port, path, { Origin: server.origin, 'Sec-Fetch-Site': 'cross-site' }),
      ).rejects.toThrow(/^HTTP\/1\.1 403 /);
      const ok = await RawWebSocket.open(server.port, path, {
        Origin: server.origin,
        'Sec-Fetch-Site': 'same-origin',
      });
      ok.socket.destroy();
    });
  });

  it('names the reason of the close codes it uses', () => {
    expect(describeClose(1009)).toMatch(/larger than the server accepts \(64 MiB\)/);
    for (const code of [1002, 1003, 1007]) expect(describeClose(code)).toMatch(/malformed/);
    expect(describeClose(1000)).toBeUndefined();
  });

  it('never logs the token (it travels in URLs, which are not logged)', () => {
    expect(logLines.length).toBeGreaterThan(0); // the closed text-frame socket above is logged
    for (const line of logLines) expect(line).not.toContain(server.token);
  });
});
