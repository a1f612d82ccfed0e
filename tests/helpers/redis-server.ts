/**
 * A private redis-server for queue tests (Debian package redis-server, installed by .ci/run): on a free
 * loopback port, with its data in a temporary folder (append-only file, fsync per write, so a restart keeps
 * every job), optionally with a password. `startRedis` resolves to `{ skip }` with the reason when the
 * server cannot start; tests then skip and print it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface RedisServer {
  port: number;
  /** redis://[:password@]127.0.0.1:port */
  url: string;
  /** Stops the server (SIGTERM: it writes its data) and starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Resolves when the server answers PING (with AUTH when a password is set), or rejects after `ms`. */
async function waitForPing(port: number, password: string | undefined, ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      let buf = '';
      s.setTimeout(1000, () => {
        s.destroy();
        resolve(false);
      });
      s.on('error', () => resolve(false));
      s.on('connect', () => s.write(`${password ? `AUTH ${password}\r\n` : ''}PING\r\n`));
      s.on('data', (d) => {
        buf += d.toString();
        if (buf.includes('+PONG')) {
          s.end();
          resolve(true);
        } else if (buf.includes('-')) {
          s.end();
          resolve(false);
        }
      });
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`redis-server on port ${port} did not answer PING within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function startRedis(o: { password?: string } = {}): Promise<RedisServer | { skip: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ct-audit-redis-'));
  let port: number;
  try {
    port = await freePort();
  } catch (e) {
    return { skip: `no free loopback port for redis-server (${(e as Error).message})` };
  }
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--save',
    '',
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--maxmemory-policy',
    'noeviction',
    ...(o.password ? ['--requirepass', o.password] : []),
  ];
  let child: ChildProcess | null = null;
  let log = '';
  const launch = async () => {
    const c = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    c.stdout!.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
    c.stderr!.on('data', (d) => (log = (log + d.toString()).slice(-4000)));
    const failed = new Promise<never>((_, reject) => {
      c.once('error', (e) => reject(e));
      c.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}: ${log.trim()}`)));
    });
    await Promise.race([waitForPing(port, o.password, 15000), failed]);
    child = c;
  };
  const stop = async () => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    });
  };
  try {
    await launch();
  } catch (e) {
    await stop();
    rmSync(dir, { recursive: true, force: true });
    const why =
      (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'redis-server is not installed' : (e as Error).message;
    return { skip: `redis-server cannot start (${why}); apt-get install redis-server` };
  }
  return {
    port,
    url: `redis://${o.password ? `:${encodeURIComponent(o.password)}@` : ''}127.0.0.1:${port}`,
    async restart() {
      await stop();
      await launch();
    },
    async stop() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
