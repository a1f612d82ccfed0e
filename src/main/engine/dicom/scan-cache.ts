/**
 * The scan cache: what a header-only scan found for each file (its header, or why it is unusable, and on
 * request its SHA-256 and identifying values), keyed by path + size + modification time, so a rescan of an
 * unchanged folder reads no file. A file whose size or mtime changed is read again.
 *
 * Storage: one JSON-lines file (default `$XDG_CACHE_HOME/ct-audit/scan-cache.jsonl`, or
 * `~/.cache/ct-audit/...`; env CT_AUDIT_SCAN_CACHE names another, `off` disables it), first line a format
 * record with the reader version (a change of what the reader decides empties the cache), then one entry per
 * line, later lines winning. New entries are appended in one write per flush, so several processes (batch
 * workers on one machine) can share the file: an O_APPEND write of whole lines is not interleaved on a local
 * file system, and a torn or malformed line is ignored. The file is compacted when most of it is stale.
 *
 * Privacy: entries hold the identifying values of the headers (patient name, IDs, dates) when the scan was
 * asked for them (audits, to redact them from outputs), like the DICOM database of any viewer. The file is
 * created with mode 0600 in the user's cache folder; delete it, or disable it with CT_AUDIT_SCAN_CACHE=off.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DicomHeader } from '@shared/dicom-types';
import type { SerializedError } from '@shared/ipc-envelope';
import type { Identifiers } from './identifiers';

/** Bump when the reader decides differently (a new check, another message): old entries are dropped. */
export const SCAN_READER_VERSION = 2;
const FORMAT = 'ct-audit/scan-cache';

export interface CachedScan {
  outcome: 'header' | 'error' | 'not-dicom';
  header?: DicomHeader;
  error?: SerializedError;
  sha256?: string;
  identifiers?: Identifiers;
}

interface Line extends CachedScan {
  k: string;
  size: number;
  mtimeMs: number;
}

/** The cache file used when none is named: env CT_AUDIT_SCAN_CACHE, else the user's cache folder. */
export function defaultScanCachePath(): string | null {
  const env = process.env.CT_AUDIT_SCAN_CACHE;
  if (env === 'off') return null;
  if (env) return path.resolve(env);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'ct-audit', 'scan-cache.jsonl');
}

function keyOf(file: string, allowNonCt: boolean): string {
  return `${allowNonCt ? 'any' : 'ct'}:${file}`;
}

export class ScanCache {
  private readonly entries = new Map<string, Line>();
  private pending: Line[] = [];
  private rewrite = false;
  hits = 0;
  misses = 0;

  private constructor(readonly file: string) {}

  /** Opens (or starts) the cache at `file`; an unreadable or outdated file starts empty. */
  static async open(file: string): Promise<ScanCache> {
    const c = new ScanCache(file);
    let text = '';
    try {
      text = await fs.readFile(file, 'utf8');
    } catch {
      c.rewrite = true;
      return c;
    }
    const lines = text.split('\n');
    let head: { format?: string; reader?: number } | null = null;
    try {
      head = JSON.parse(lines[0]) as { format?: string; reader?: number };
    } catch {
      head = null;
    }
    if (head?.format !== FORMAT || head.reader !== SCAN_READER_VERSION) {
      c.rewrite = true;
      return c;
    }
    let count = 0;
    for (let i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      try {
        const l = JSON.parse(lines[i]) as Line;
        if (typeof l.k === 'string' && typeof l.size === 'number') c.entries.set(l.k, l);
        count++;
      } catch {
        // a torn line (a killed writer): ignored
      }
    }
    c.rewrite = count > 2 * c.entries.size + 1000;
    return c;
  }

  /** The entry of `file` if its size and modification time are those recorded. */
  lookup(file: string, size: number, mtimeMs: number, allowNonCt: boolean): CachedScan | undefined {
    const e = this.entries.get(keyOf(file, allowNonCt));
    if (e && e.size === size && e.mtimeMs === mtimeMs) {
      this.hits++;
      return e;
    }
    this.misses++;
    return undefined;
  }

  store(file: string, size: number, mtimeMs: number, allowNonCt: boolean, value: CachedScan): void {
    const line: Line = { k: keyOf(file, allowNonCt), size, mtimeMs, ...value };
    this.entries.set(line.k, line);
    this.pending.push(line);
  }

  /** Writes the new entries (or the whole cache, when compacting or starting a new file). */
  async flush(): Promise<void> {
    if (this.pending.length === 0 && !this.rewrite) return;
    await fs.mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    if (this.rewrite) {
      const head = JSON.stringify({ format: FORMAT, version: 1, reader: SCAN_READER_VERSION });
      const body = [...this.entries.values()].map((l) => JSON.stringify(l)).join('\n');
      const tmp = `${this.file}.${process.pid}.tmp`;
      await fs.writeFile(tmp, `${head}\n${body}${body ? '\n' : ''}`, { mode: 0o600 });
      await fs.rename(tmp, this.file);
      this.rewrite = false;
    } else {
      const text = this.pending.map((l) => `${JSON.stringify(l)}\n`).join('');
      await fs.appendFile(this.file, text, { mode: 0o600 });
    }
    this.pending = [];
  }
}
