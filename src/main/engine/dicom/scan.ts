/**
 * scanDicom: files and folders (recursive) -> series + per-file errors, header-only. Every file found ends
 * up in exactly one place: a slice of a series, a duplicate of one (identical pixels), `errors` (DICOM but
 * unusable, conflicting copies included), or `notDicom` (README, JSON...), so nothing is skipped silently.
 *
 * Each file is read only up to its Pixel Data (read-header.ts), in sorted path order, so results do not
 * depend on directory listing order; pixels are decoded only for files that repeat a SOP Instance UID, to
 * compare them (instances.ts). A scan cache (scan-cache.ts) answers for files whose path, size and
 * modification time are unchanged. Progress reports files per second and an ETA; an aborted signal stops
 * the scan between files with JobCancelledError (the cache keeps what was read).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DicomError, JobCancelledError } from '@shared/errors';
import { NotDicomFileError, type DicomHeader, type DicomScanResult } from '@shared/dicom-types';
import { rebuildError, serializeError } from '@shared/ipc-envelope';
import type { CheckOptions } from './check-header';
import { identifiersOf, type Identifiers } from './identifiers';
import { resolveRepeatedInstances } from './instances';
import { readDicomFile } from './read-file';
import { fsReason, readDicomHeaderSync } from './read-header';
import type { CachedScan, ScanCache } from './scan-cache';
import { groupIntoSeries } from './series';

export interface ScanProgress {
  done: number;
  total: number;
  file: string;
  /** Files per second so far. */
  filesPerSecond: number;
  /** Seconds left at that rate; absent until a few files are done. */
  etaSeconds?: number;
  /** Files answered by the scan cache so far. */
  cached: number;
}

export interface ScanOptions extends CheckOptions {
  /** Called after each file. */
  onProgress?: (progress: ScanProgress) => void;
  /** Checked between files; an aborted scan throws JobCancelledError. */
  signal?: AbortSignal;
  /** Answers for unchanged files and remembers the others (scan-cache.ts); none by default. */
  cache?: ScanCache | null;
  /** Also compute each file's SHA-256 (reads every file whole; audits record it in their manifest). */
  sha256?: boolean;
  /** Also read each DICOM file's identifying values (kept in memory, for redaction). */
  identifiers?: boolean;
}

/** A regular file found by the scan, with what the options asked for. */
export interface ScannedFile {
  path: string;
  bytes: number;
  sha256: string | null;
  identifiers?: Identifiers;
}

export interface DicomScan extends DicomScanResult {
  /** Every regular file found, in path order. */
  files: ScannedFile[];
  stats: { files: number; cached: number; seconds: number };
}

function reasonOf(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

export interface ListedFiles {
  files: string[];
  /** Size and modification time of each file (the scan cache's key). */
  stats: Map<string, { size: number; mtimeMs: number }>;
  errors: DicomError[];
}

/** Expands files and folders (recursively, following links once) into a sorted, de-duplicated file list. */
export async function listFiles(paths: string[]): Promise<ListedFiles> {
  const stats = new Map<string, { size: number; mtimeMs: number }>();
  const errors: DicomError[] = [];
  const visitedDirs = new Set<string>();
  async function visit(p: string): Promise<void> {
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      errors.push(new DicomError(p, reasonOf(e), 'DICOM'));
      return;
    }
    if (st.isDirectory()) {
      let real: string;
      let entries: string[];
      try {
        real = await realpath(p);
        if (visitedDirs.has(real)) return; // a symlink loop or the same folder given twice
        visitedDirs.add(real);
        entries = (await readdir(p)).sort();
      } catch (e) {
        errors.push(new DicomError(p, `folder ${reasonOf(e)}`, 'DICOM'));
        return;
      }
      for (const name of entries) await visit(join(p, name));
    } else if (st.isFile()) {
      stats.set(p, { size: st.size, mtimeMs: st.mtimeMs });
    } else {
      errors.push(new DicomError(p, 'is not a regular file (device, socket or pipe)', 'DICOM'));
    }
  }
  for (const p of paths) await visit(resolve(p));
  return { files: [...stats.keys()].sort(), stats, errors };
}

function toError(file: string, e: SerializedError): DicomError {
  if (e.details?.category === 'not-dicom') return new NotDicomFileError(file, String(e.details.reason));
  const err = rebuildError(e);
  if (err instanceof DicomError) return err;
  const reason = typeof e.details?.reason === 'string' ? e.details.reason : e.message;
  return new DicomError(file, reason, 'INTERNAL');
}
type SerializedError = ReturnType<typeof serializeError>;

/** Reads one file as the scan needs it (header, identifiers), outside the cache. */
function readOne(file: string, opts: ScanOptions): CachedScan {
  // {} when asked for but the file cannot even be parsed: there is nothing to read, and nothing to read again.
  let identifiers: Identifiers | undefined = opts.identifiers ? {} : undefined;
  const onDataSet = opts.identifiers
    ? (ds: Parameters<typeof identifiersOf>[0]) => {
        identifiers = identifiersOf(ds);
      }
    : undefined;
  try {
    const header = readDicomHeaderSync(file, { allowNonCt: opts.allowNonCt, onDataSet });
    return { outcome: 'header', header, identifiers };
  } catch (e) {
    if (e instanceof NotDicomFileError) return { outcome: 'not-dicom', error: serializeError(e) };
    const err =
      e instanceof DicomError
        ? e
        : new DicomError(file, `unexpected failure while reading (${String(e)})`, 'INTERNAL');
    return { outcome: 'error', error: serializeError(err), identifiers };
  }
}

function sha256Of(file: string): string {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Reads the header of every file under `paths`, groups CT images into sorted series, and reports the rest. */
export async function scanDicom(paths: string[], opts: ScanOptions = {}): Promise<DicomScan> {
  const started = performance.now();
  const listed = await listFiles(paths);
  const { files } = listed;
  const errors = [...listed.errors];
  const notDicom: NotDicomFileError[] = [];
  const headers: DicomHeader[] = [];
  const scanned: ScannedFile[] = [];
  const allowNonCt = Boolean(opts.allowNonCt);
  let cached = 0;
  let lastYield = performance.now();
  for (let i = 0; i < files.length; i++) {
    if (opts.signal?.aborted) {
      await opts.cache?.flush().catch(() => undefined);
      throw new JobCancelledError('DICOM scan cancelled');
    }
    const file = files[i];
    const st = listed.stats.get(file)!;
    let entry = opts.cache?.lookup(file, st.size, st.mtimeMs, allowNonCt);
    const complete =
      entry !== undefined &&
      (!opts.sha256 || entry.sha256 !== undefined) &&
      (!opts.identifiers || entry.outcome === 'not-dicom' || entry.identifiers !== undefined);
    if (complete) cached++;
    else {
      const reread =
        entry === undefined ||
        (opts.identifiers && entry.outcome !== 'not-dicom' && entry.identifiers === undefined);
      entry = reread ? { ...readOne(file, opts), sha256: entry?.sha256 } : { ...entry! };
      if (opts.sha256 && entry.sha256 === undefined) {
        try {
          entry.sha256 = sha256Of(file);
        } catch (e) {
          entry = {
            outcome: 'error',
            error: serializeError(new DicomError(file, fsReason(e), 'DICOM')),
          };
        }
      }
      opts.cache?.store(file, st.size, st.mtimeMs, allowNonCt, entry);
    }
    const e = entry!;
    scanned.push({ path: file, bytes: st.size, sha256: e.sha256 ?? null, identifiers: e.identifiers });
    if (e.outcome === 'header') headers.push({ ...e.header!, file });
    else if (e.outcome === 'not-dicom') notDicom.push(toError(file, e.error!) as NotDicomFileError);
    else errors.push(toError(file, e.error!));

    const now = performance.now();
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? (i + 1) / seconds : 0;
    opts.onProgress?.({
      done: i + 1,
      total: files.length,
      file,
      filesPerSecond: rate,
      etaSeconds: i >= 4 && rate > 0 ? (files.length - i - 1) / rate : undefined,
      cached,
    });
    // Header reads are synchronous: let messages (cancel, progress) through every few milliseconds.
    if (now - lastYield > 20) {
      await new Promise((r) => setImmediate(r));
      lastYield = performance.now();
    }
  }
  await opts.cache?.flush().catch(() => undefined);
  const resolved = await resolveRepeatedInstances(
    headers,
    (file) => readDicomFile(file, { allowNonCt: opts.allowNonCt }),
    opts.signal,
  );
  errors.push(...resolved.errors);
  return {
    series: groupIntoSeries(resolved.unique, resolved.duplicates),
    errors,
    notDicom,
    files: scanned,
    stats: { files: files.length, cached, seconds: (performance.now() - started) / 1000 },
  };
}
