/**
 * `ct-audit serve` as its own process, with the fake engine: what hostile-clients.test.ts attacks. A
 * crash of the server (an unhandled 'error' event, an exception in a handler) ends this process, which
 * is what the test must see not happen. Tells the parent where it listens over the IPC channel; the
 * server's log goes to stderr as `ct-audit serve` writes it.
 */
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startServer } from '../../../src/main/server';
import { fakeEngine } from './fake-engine';

export interface ChildListening {
  type: 'listening';
  port: number;
  origin: string;
  token: string;
  dir: string;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-hostile-'));
await mkdir(path.join(dir, 'renderer'), { recursive: true });
await mkdir(path.join(dir, 'data'));
await writeFile(path.join(dir, 'renderer', 'index.html'), '<!doctype html><title>CT Audit</title>');
const server = await startServer({
  rendererDir: path.join(dir, 'renderer'),
  roots: [path.join(dir, 'data')],
  workspace: path.join(dir, 'workspace'),
  engine: fakeEngine(),
  appVersion: 'test',
  log: (line) => console.error(`[serve] ${line}`),
});
const hello: ChildListening = {
  type: 'listening',
  port: server.port,
  origin: server.origin,
  token: server.token,
  dir,
};
process.send?.(hello);
process.on('disconnect', () => void server.close().then(() => process.exit(0)));
