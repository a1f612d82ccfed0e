/**
 * Security checks of the web mode (DESIGN.md section 7): the page has no Node powers, requests are
 * validated (malformed arguments, paths outside the shared folders), and nothing answers without the
 * per-start token.
 */
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import WebSocket from 'ws';
import { decodeFrame, encodeFrame } from '../../src/shared/wire';
import { expect, openApp, test } from './fixtures';
import { LibraryPage } from './pages/library-page';

function status(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpRequest(url, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

test('the renderer has no require, process or Node globals, and the token leaves the address bar', async ({
  page,
  server,
}) => {
  await openApp(page, server);
  const globals = await page.evaluate(() => ({
    require: typeof (window as unknown as { require?: unknown }).require,
    process: typeof (window as unknown as { process?: unknown }).process,
    module: typeof (window as unknown as { module?: unknown }).module,
    buffer: typeof (window as unknown as { Buffer?: unknown }).Buffer,
  }));
  expect(globals).toEqual({
    require: 'undefined',
    process: 'undefined',
    module: 'undefined',
    buffer: 'undefined',
  });
  expect(page.url()).not.toContain('token=');
});

test('without the token: /api/info answers 401 and the WebSocket is refused', async ({ server }) => {
  expect(await status(`${server.origin}/api/info`)).toBe(401);
  expect(await status(`${server.origin}/api/info?token=not-the-token`)).toBe(401);
  expect(await status(`${server.origin}/api/info?token=${server.token}`)).toBe(200);
  const refused = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/api/ws`);
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => resolve(200));
    ws.on('error', () => undefined);
  });
  expect(refused).toBe(401);
});

test('malformed requests and paths outside the shared folders get a validation error', async ({
  page,
  server,
  dataDir,
  shot,
}) => {
  const ws = new WebSocket(`${server.origin.replace('http', 'ws')}/api/ws?token=${server.token}`, {
    origin: server.origin,
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let id = 0;
  const ask = (
    channel: string,
    params: unknown,
  ): Promise<{ ok: boolean; error?: { code: string; message: string } }> =>
    new Promise((resolve) => {
      const my = ++id;
      const on = (data: Buffer): void => {
        const m = decodeFrame(data) as {
          type: string;
          id: number;
          result: { ok: boolean; error?: { code: string; message: string } };
        };
        if (m.type === 'response' && m.id === my) {
          ws.off('message', on);
          resolve(m.result);
        }
      };
      ws.on('message', on);
      ws.send(encodeFrame({ type: 'request', id: my, channel, params }));
    });
  expect(await ask('dicom:slice', { seriesKey: 's1', index: 'zero' })).toMatchObject({
    ok: false,
    error: { code: 'IPC_INVALID_REQUEST' },
  });
  expect(await ask('dicom:scan', { paths: [dataDir], recursive: 'yes' })).toMatchObject({
    ok: false,
    error: { code: 'IPC_INVALID_REQUEST' },
  });
  expect(await ask('shell:run', { cmd: 'id' })).toMatchObject({
    ok: false,
    error: { code: 'IPC_INVALID_REQUEST' },
  });
  const outside = await ask('dicom:scan', { paths: [os.homedir()] });
  expect(outside).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
  expect(outside.error?.message).toMatch(/outside/);
  ws.close();

  // What a user sees when typing such a path.
  await openApp(page, server);
  const library = new LibraryPage(page);
  const scan = await library.open('/etc');
  await expect(scan.getByTestId('error-banner')).toContainText('Request refused');
  await expect(scan.getByTestId('error-banner')).toContainText('outside');
  await shot('library-refused');
});

test("another web page cannot use the API, even with the token; the app's own page can", async ({
  page,
  server,
}) => {
  // A page on another port of this machine (same site) and on another host name (cross site), as a
  // hostile page that learned the token would be, with Chromium's own Origin and Sec-Fetch-Site.
  // Chromium hides a refused cross-origin answer from the page (and from Playwright's response
  // events), so the status codes are read from the DevTools protocol.
  const other = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>another page</title>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  const port = (other.address() as AddressInfo).port;
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const apiUrls = new Map<string, string>();
  const statuses = new Map<string, number>();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.url.startsWith(server.origin)) apiUrls.set(e.requestId, e.request.url);
  });
  cdp.on('Network.responseReceivedExtraInfo', (e) => statuses.set(e.requestId, e.statusCode));
  const statusOf = async (fragment: string): Promise<number> => {
    await expect
      .poll(() => [...apiUrls].find(([id, url]) => url.includes(fragment) && statuses.has(id)))
      .toBeDefined();
    const [id] = [...apiUrls].find(([i, url]) => url.includes(fragment) && statuses.has(i))!;
    apiUrls.clear();
    return statuses.get(id)!;
  };
  const wsUrl = `${server.origin.replace('http', 'ws')}/api/ws?token=${server.token}`;
  try {
    for (const host of ['127.0.0.1', 'localhost']) {
      await page.goto(`http://${host}:${port}/`);
      for (const mode of ['no-cors', 'cors'] as const) {
        await page.evaluate(([url, m]) => fetch(url, { mode: m }).catch(() => undefined), [
          `${server.origin}/api/info?token=${server.token}`,
          mode,
        ] as const);
        expect(await statusOf('/api/info'), `${host}, ${mode}`).toBe(403);
      }
      const socket = await page.evaluate(
        (url) =>
          new Promise<string>((resolve) => {
            const s = new WebSocket(url);
            s.onopen = () => resolve('open');
            s.onclose = (e) => resolve(`closed ${e.code}`);
          }),
        wsUrl,
      );
      expect(socket, host).toBe('closed 1006');
    }
  } finally {
    await new Promise((resolve) => other.close(resolve));
  }
  await openApp(page, server);
  const own = await page.evaluate(
    async (token) => (await fetch(`/api/info?token=${encodeURIComponent(token)}`)).status,
    server.token,
  );
  expect(own).toBe(200);
});
