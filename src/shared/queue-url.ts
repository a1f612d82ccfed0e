/**
 * Queue URLs of distributed batches (`ct-audit batch --queue`, `ct-audit worker --queue`, the Batch view):
 * `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS. The password may come in the URL or
 * apart (CT_AUDIT_QUEUE_PASSWORD, so it does not show in the process list); it is never printed, logged or
 * written: everything that shows a queue URL shows `displayQueueUrl`'s form, with the password as `***`.
 * Pure TypeScript (WHATWG URL), for every process.
 */
import { UsageError } from './errors';

export interface QueueAddress {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls: boolean;
  /** The URL with the password hidden: what may be shown. */
  display: string;
}

/** Default BullMQ queue name shared by batch coordinators and workers. */
export const DEFAULT_QUEUE_NAME = 'ct-audit';

/** The URL with its password (if any) replaced by `***`; a string that is not a URL is hidden whole. */
export function displayQueueUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(unreadable queue URL)';
  }
}

/** Parses a queue URL; `password` (e.g. from the environment) is used when the URL has none. */
export function parseQueueUrl(url: string, password?: string): QueueAddress {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--queue: not a URL (expected redis://host:6379): ${displayQueueUrl(url)}`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new UsageError(`--queue: expected a redis:// or rediss:// URL, got ${u.protocol}//...`);
  }
  if (!u.hostname) throw new UsageError(`--queue: no host in ${displayQueueUrl(url)}`);
  const dbText = u.pathname.replace(/^\//, '');
  const db = dbText === '' ? 0 : Number(dbText);
  if (!Number.isInteger(db) || db < 0) {
    throw new UsageError(`--queue: the database "${dbText}" is not a number (${displayQueueUrl(url)})`);
  }
  const port = u.port ? Number(u.port) : 6379;
  const pass = u.password ? decodeURIComponent(u.password) : password || undefined;
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db,
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(pass ? { password: pass } : {}),
    tls: u.protocol === 'rediss:',
    display: displayQueueUrl(url),
  };
}

/** argv with every queue URL's password hidden (for manifests and logs that record the command line). */
export function redactQueueArgs(argv: readonly string[]): string[] {
  return argv.map((a) => {
    const eq = a.indexOf('=');
    const value = a.startsWith('--') && eq > 0 ? a.slice(eq + 1) : a;
    if (!/^rediss?:\/\//i.test(value)) return a;
    const shown = displayQueueUrl(value);
    return a.startsWith('--') && eq > 0 ? `${a.slice(0, eq + 1)}${shown}` : shown;
  });
}
