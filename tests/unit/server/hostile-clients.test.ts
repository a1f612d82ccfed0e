/**
 * The web server against clients that misbehave: a message over the size limit, frames that break
 * RFC 6455, data that is not the protocol, connections cut short, and bursts of concurrent requests.
 * The server runs in its own process (server-child.ts), as `ct-audit serve` does, so a crash shows as
 * that process ending. After every attack the server must still answer, and a job started before the
 * attacks on another connection must still finish.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { IpcChannel } from '@shared/ipc';
import { MAX_MESSAGE_BYTES, WS_PATH } from '@shared/web-protocol';
import { encodeFrame } from '@shared/wire';
import { ask, closeCode, connect, get } from './clients';
import { RawWebSocket, type RawFrame } from './raw-ws';
import type { ChildListening } from './server-child';

const OP_TEXT = 0x1;
const OP_BINARY = 0x2;
const OP_PING = 0x9;

interface ServerProcess {
  child: ChildProcess;
  info: ChildListening;
  output: string;
  exited?: string;
}

function startChild(): Promise<ServerProcess> {
  const child = fork(new URL('./server-child.mjs', import.meta.url), [], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const collect = (d: Buffer): void => {
      output += d.toString('utf8');
      if (server) server.output = output;
    };
    let server: ServerProcess | undefined;
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('message', (m) => {
      server = { child, info: m as ChildListening, output };
      resolve(server);
    });
    child.once('exit', (code, signal) => {
      const why = `the server process exited (code ${code}, signal ${signal}):\n${output}`;
      if (server) server.exited = why;
      else reject(new Error(why));
    });
  });
}

describe('web server under hostile clients (own process)', () => {
  let server: ServerProcess;
  let wsUrl: string;
  let nextId = 1;
  /** A connection opened before any attack, with a job in flight that the attacks must not end. */
  let survivor: { ws: WebSocket; held: Promise<unknown> } | undefined;

  const rawOpen = (headers: Record<string, string> = {}): Promise<RawWebSocket> =>
    RawWebSocket.open(server.info.port, `${WS_PATH}?token=${server.info.token}`, {
      Origin: server.info.origin,
      ...headers,
    });

  /** The process is alive and a new connection is served. */
  async function expectServing(): Promise<void> {
    expect(server.exited).toBeUndefined();
    const ws = await connect(wsUrl, { origin: server.info.origin });
    const info = await ask(ws, nextId++, IpcChannel.AppInfo, undefined);
    expect(info.result).toMatchObject({ ok: true, value: { mode: 'web' } });
    ws.close();
    expect(server.exited).toBeUndefined();
  }

  let restart = true;
  /** Every server's temporary folder (a crashed one cannot remove its own). */
  const dirs: string[] = [];

  beforeEach(async (ctx) => {
    // A test that failed may have crashed the server: the next test gets a fresh one, so one crash
    // does not hide what the other tests check.
    ctx.onTestFailed(() => {
      restart = true;
    });
    if (restart) {
      if (server && !server.exited) {
        const gone = new Promise((resolve) => server.child.once('exit', resolve));
        server.child.kill();
        await gone;
      }
      restart = false;
      server = await startChild();
      dirs.push(server.info.dir);
      wsUrl = `ws://127.0.0.1:${server.info.port}${WS_PATH}?token=${server.info.token}`;
      survivor = undefined;
    }
    if (!survivor) {
      const ws = await connect(wsUrl, { origin: server.info.origin });
      survivor = { ws, held: ask(ws, nextId++, IpcChannel.DicomSlice, { seriesKey: 'hold', index: 0 }) };
      survivor.held.catch(() => undefined); // looked at in the last test
    }
  });

  afterAll(async () => {
    if (server && !server.exited) {
      const gone = new Promise((resolve) => server.child.once('exit', resolve));
      server.child.disconnect();
      await gone;
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it('closes a connection that sends a message over the size limit with 1009 and keeps serving', async () => {
    const big = await connect(wsUrl, { origin: server.info.origin });
    const closed = closeCode(big);
    big.on('error', () => undefined); // the client side sees the close, maybe an EPIPE
    big.send(Buffer.alloc(MAX_MESSAGE_BYTES + 1));
    expect(await closed).toBe(1009);
    // A header that announces 70 MiB is refused before the bytes arrive.
    const raw = await rawOpen();
    raw.send({ opcode: OP_BINARY, payload: Buffer.alloc(16), declaredLength: 70 * 1024 * 1024 });
    expect((await raw.closed).code).toBe(1009);
    await expectServing();
  });

  // Frame-level violations are ws's to detect (1002 protocol error, 1007 invalid UTF-8); text frames
  // are not this protocol (1003); a binary frame that is not a CT Audit request is malformed data (1007).
  const malformed: { name: string; frame: RawFrame; code: number }[] = [
    { name: 'a reserved opcode', frame: { opcode: 0x3, payload: Buffer.from('x') }, code: 1002 },
    {
      name: 'an unmasked client frame',
      frame: { opcode: OP_BINARY, payload: Buffer.from('x'), mask: false },
      code: 1002,
    },
    {
      name: 'RSV1 set without an extension',
      frame: { opcode: OP_BINARY, payload: Buffer.from('x'), rsv: 4 },
      code: 1002,
    },
    {
      name: 'a control frame over 125 bytes',
      frame: { opcode: OP_PING, payload: Buffer.alloc(126) },
      code: 1002,
    },
    {
      name: 'a fragmented control frame',
      frame: { opcode: OP_PING, payload: Buffer.from('x'), fin: false },
      code: 1002,
    },
    {
      name: 'a continuation with nothing to continue',
      frame: { opcode: 0x0, payload: Buffer.from('x') },
      code: 1002,
    },
    {
      name: 'a text frame with invalid UTF-8',
      frame: { opcode: OP_TEXT, payload: Buffer.from([0x7b, 0xff, 0xfe]) },
      code: 1007,
    },
    {
      name: 'a text frame with non-JSON text',
      frame: { opcode: OP_TEXT, payload: Buffer.from('hello') },
      code: 1003,
    },
    {
      name: 'a text frame with a JSON request',
      frame: { opcode: OP_TEXT, payload: Buffer.from('{"type":"request","id":1,"channel":"app:info"}') },
      code: 1003,
    },
    {
      name: 'a binary frame without the frame header',
      frame: { opcode: OP_BINARY, payload: Buffer.from('{}') },
      code: 1007,
    },
    {
      name: 'a binary frame whose header runs past its end',
      frame: { opcode: OP_BINARY, payload: Buffer.from([0x43, 0x54, 0x41, 0x31, 0xff, 0xff, 0, 0]) },
      code: 1007,
    },
    {
      name: 'a binary frame that is not a request',
      frame: {
        opcode: OP_BINARY,
        payload: Buffer.from(encodeFrame({ type: 'response', id: 1, result: {} })),
      },
      code: 1007,
    },
  ];

  it.each(malformed)(
    'closes a connection that sends $name with $code and keeps serving',
    async ({ frame, code }) => {
      const raw = await rawOpen();
      raw.send(frame);
      expect((await raw.closed).code).toBe(code);
      await expectServing();
    },
  );

  it('answers a binary request that fails the schema with the error envelope on the same connection', async () => {
    const ws = await connect(wsUrl, { origin: server.info.origin });
    const bad = await ask(ws, nextId++, IpcChannel.DicomSlice, { seriesKey: '', index: -1 });
    expect(bad.result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    const unknown = await ask(ws, nextId++, 'no:such-channel', {});
    expect(unknown.result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    expect((await ask(ws, nextId++, IpcChannel.AppInfo, undefined)).result.ok).toBe(true);
    ws.close();
  });

  it('survives a frame cut short, then a half-close or a reset', async () => {
    for (const end of ['half-close', 'reset'] as const) {
      const raw = await rawOpen();
      raw.send(Buffer.from([0x82, 0x80 | 100, 1, 2, 3, 4, 5, 6])); // 100 bytes announced, 2 sent
      if (end === 'half-close') raw.socket.end();
      else raw.socket.resetAndDestroy();
      await raw.closed;
    }
    await expectServing();
  });

  it('survives a client that resets the connection after its upgrade was refused', async () => {
    for (const token of ['wrong', server.info.token]) {
      const headers = token === 'wrong' ? {} : { Origin: 'http://evil.example' };
      const socket = tcpConnect(server.info.port, '127.0.0.1');
      socket.on('error', () => undefined);
      const answered = new Promise<string>((resolve) => {
        socket.once('data', (d) => resolve(d.toString()));
        socket.once('close', () => resolve('(closed without an answer)'));
      });
      socket.write(
        [
          `GET ${WS_PATH}?token=${token} HTTP/1.1`,
          `Host: 127.0.0.1:${server.info.port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
          ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
          '',
          '',
        ].join('\r\n'),
      );
      expect(await answered).toMatch(/^HTTP\/1\.1 40[13] /);
      socket.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 200)); // the reset reaches the server
    await expectServing();
  });

  const UPGRADE =
    'Upgrade: websocket\r\nConnection: Upgrade\r\n' +
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
  const unparsable = [
    { name: 'an upgrade with Host "["', target: WS_PATH, host: '[', extra: UPGRADE },
    { name: 'an upgrade with Host "a b"', target: WS_PATH, host: 'a b', extra: UPGRADE },
    { name: 'an upgrade to "http://[/api/ws"', target: 'http://[/api/ws', host: 'own', extra: UPGRADE },
    { name: 'a GET of "http://[/api/info"', target: 'http://[/api/info', host: 'own', extra: '' },
  ];

  it.each(unparsable)('answers $name with a 4xx and keeps serving', async ({ target, host, extra }) => {
    const socket = tcpConnect(server.info.port, '127.0.0.1');
    socket.on('error', () => undefined);
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    const ended = new Promise((resolve) => socket.once('close', resolve));
    const hostHeader = host === 'own' ? `127.0.0.1:${server.info.port}` : host;
    socket.write(
      `GET ${target}?token=${server.info.token} HTTP/1.1\r\nHost: ${hostHeader}\r\n` +
        `Connection: close\r\n${extra}\r\n`,
    );
    await ended;
    expect(reply).toMatch(/^HTTP\/1\.1 4\d\d /);
    await expectServing();
  });

  it('answers bursts: 50 requests at once on one connection, 50 HTTP requests, 20 connections', async () => {
    const ws = await connect(wsUrl, { origin: server.info.origin });
    const ids = Array.from({ length: 50 }, () => nextId++);
    const answers = await Promise.all(
      ids.map((id, i) => ask(ws, id, IpcChannel.DicomSlice, { seriesKey: `s${i}`, index: i })),
    );
    expect(answers.map((a) => a.id)).toEqual(ids);
    answers.forEach((a, i) =>
      expect(a.result).toMatchObject({ ok: true, value: { echo: { seriesKey: `s${i}`, index: i } } }),
    );
    ws.close();
    const http = await Promise.all(
      Array.from({ length: 50 }, () =>
        get(server.info.port, '/api/info', { Authorization: `Bearer ${server.info.token}` }),
      ),
    );
    expect(http.map((r) => r.status)).toEqual(Array(50).fill(200));
    const many = await Promise.all(
      Array.from({ length: 20 }, () => connect(wsUrl, { origin: server.info.origin })),
    );
    const infos = await Promise.all(many.map((c) => ask(c, nextId++, IpcChannel.AppInfo, undefined)));
    expect(infos.every((r) => r.result.ok)).toBe(true);
    many.forEach((c) => c.close());
    await expectServing();
  });

  it('lets the job started before the attacks finish, and never writes the token to its output', async () => {
    expect(survivor).toBeDefined();
    const ws = await connect(wsUrl, { origin: server.info.origin });
    await ask(ws, nextId++, IpcChannel.DicomSlice, { seriesKey: 'release', index: 0 });
    ws.close();
    expect(((await survivor!.held) as { result: unknown }).result).toEqual({
      ok: true,
      value: { released: true },
    });
    expect(server.output).not.toContain(server.info.token);
    expect(server.exited).toBeUndefined();
  });
});
