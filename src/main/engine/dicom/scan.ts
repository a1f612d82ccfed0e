/**
 * scanDicom: files and folders (recursive) -> series + per-file errors. Every file found ends up in
 * exactly one place: a slice of a series, `errors` (DICOM but unusable), or `notDicom` (README, JSON...),
 * so nothing is skipped silently. Files are read one at a time (decoding is CPU-bound anyway), in sorted
 * path order, so results do not depend on directory listing order.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DicomError, JobCancelledError } from '@shared/errors';
import { NotDicomFileError, type DicomImage, type DicomScanResult } from '@shared/dicom-types';
import { readDicomFile, type ReadDicomOptions } from './read-file';
import { groupIntoSeries } from './series';

export interface ScanOptions extends ReadDicomOptions {
  /** Called after each file. */
  onProgress?: (progress: { done: number; total: number; file: string }) => void;
  /** Checked between files; an aborted scan throws JobCancelledError. */
  signal?: AbortSignal;
}

function reasonOf(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file or folder';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot be read (${code ?? (e instanceof Error ? e.message : String(e))})`;
}

/** Expands files and folders (recursively, following links once) into a sorted, de-duplicated file list. */
export async function listFiles(paths: string[]): Promise<{ files: string[]; errors: DicomError[] }> {
  const files = new Set<string>();
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
      files.add(p);
    } else {
      errors.push(new DicomError(p, 'is not a regular file (device, socket or pipe)', 'DICOM'));
    }
  }
  for (const p of paths) await visit(resolve(p));
  return { files: [...files].sort(), errors };
}

/** Reads every DICOM file under `paths`, groups CT images into sorted series, and reports the rest. */
export async function scanDicom(paths: string[], opts: ScanOptions = {}): Promise<DicomScanResult> {
  const { files, errors } = await listFiles(paths);
  const notDicom: NotDicomFileError[] = [];
  const images: DicomImage[] = [];
  for (let i = 0; i < files.length; i++) {
    if (opts.signal?.aborted) throw new JobCancelledError('DICOM scan cancelled');
    const file = files[i];
    try {
      images.push(await readDicomFile(file, opts));
    } catch (e) {
      if (e instanceof NotDicomFileError) notDicom.push(e);
      else if (e instanceof DicomError) errors.push(e);
      else errors.push(new DicomError(file, `unexpected failure while reading (${String(e)})`, 'INTERNAL'));
    }
    opts.onProgress?.({ done: i + 1, total: files.length, file });
  }
  return { series: groupIntoSeries(images), errors, notDicom };
}
