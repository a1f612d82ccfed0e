/**
 * The input inventory of an audit or a batch: every file under the data sources with its SHA-256 (for the
 * manifest), what it is (a CT image, a DICOM file skipped and why, not DICOM, a .npy stack), the CT series
 * with their de-identified facts (for the report's data summary), and the identifying header values of every
 * DICOM file (phi.ts; kept in memory for redaction, written only with PHI policy 'include').
 *
 * Series ids are `series-<first 12 hex of SHA-256(Series Instance UID)>`, the group names of
 * data/dicom-source.ts, so result lines join to series without any UID leaving the process.
 */
import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { DicomError, JobCancelledError } from '@shared/errors';
import { NotDicomFileError, type DicomImage } from '@shared/dicom-types';
import { isIdxFileName, namedDatasetDir } from '../data';
import { groupIntoSeries, listFiles, readDicomFile, windowFromFile } from '../dicom';
import { readIdentifiers, type Identifiers } from './phi';

export type InventoryFileKind = 'ct' | 'skipped' | 'not-dicom' | 'npy' | 'idx' | 'unreadable';

export interface InventoryFile {
  path: string;
  bytes: number;
  sha256: string | null;
  kind: InventoryFileKind;
  /** Why a file is not used (skipped, not DICOM, unreadable). */
  reason?: string;
  /** The series of a CT file. */
  series?: string;
}

export interface InventorySeries {
  id: string;
  modality: string | null;
  manufacturer: string | null;
  manufacturerModel: string | null;
  rows: number | null;
  columns: number | null;
  pixelSpacingMm: [number, number] | null;
  sliceThicknessMm: number | null;
  kvp: number | null;
  convolutionKernel: string | null;
  /**
   * The first file's first Window Center/Width (HU), the window the images were read in; the report shows
   * its panels in it (null: none in the file, the report picks a preset from the slice content).
   */
  window?: { center: number; width: number; name: string } | null;
  /** Its files in slice order (sorted along the slice normal), and its slices (frames). */
  files: string[];
  slices: number;
  /** Identifying values (only kept in manifests with PHI policy 'include'). */
  identifiers?: Identifiers;
}

export interface DataInventory {
  files: InventoryFile[];
  series: InventorySeries[];
  /** Identifying values of every DICOM file read (never written with PHI policy 'exclude'). */
  identifiers: Identifiers[];
}

export function seriesIdOf(uid: string | null, file: string): string {
  const h = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 12);
  return uid ? `series-${h(uid)}` : `file-${h(file)}`;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function headerOnly(img: DicomImage): DicomImage {
  return {
    ...img,
    frames: img.frames.map((f) => ({ ...f, hu: new Float32Array(0), paddingMask: null, stored: undefined })),
  };
}

export interface InventoryOptions {
  allowNonCt?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: { done: number; total: number }) => void;
}

/** Inventory of the data sources ('ellipses' contributes no files). */
export async function inventoryData(
  sources: readonly string[],
  o: InventoryOptions = {},
): Promise<DataInventory> {
  const paths = sources
    .filter((s) => s.trim().toLowerCase() !== 'ellipses')
    .map((s) => namedDatasetDir(s) ?? s);
  const { files, errors } = await listFiles(paths);
  const out: InventoryFile[] = errors.map((e) => ({
    path: e.file,
    bytes: 0,
    sha256: null,
    kind: 'unreadable' as const,
    reason: e.reason,
  }));
  const headers: DicomImage[] = [];
  const identifiers: Identifiers[] = [];
  const idsByFile = new Map<string, Identifiers>();
  for (let i = 0; i < files.length; i++) {
    if (o.signal?.aborted) throw new JobCancelledError('inventory cancelled');
    const file = files[i];
    let bytes = 0;
    let sha: string | null = null;
    try {
      bytes = (await fs.stat(file)).size;
      sha = await sha256File(file);
    } catch (e) {
      out.push({ path: file, bytes, sha256: null, kind: 'unreadable', reason: (e as Error).message });
      continue;
    }
    if (file.toLowerCase().endsWith('.npy')) {
      out.push({ path: file, bytes, sha256: sha, kind: 'npy' });
      continue;
    }
    if (isIdxFileName(path.basename(file))) {
      out.push({ path: file, bytes, sha256: sha, kind: 'idx' });
      continue;
    }
    try {
      const img = headerOnly(await readDicomFile(file, { allowNonCt: o.allowNonCt }));
      headers.push(img);
      out.push({ path: file, bytes, sha256: sha, kind: 'ct' });
    } catch (e) {
      if (e instanceof NotDicomFileError) {
        out.push({ path: file, bytes, sha256: sha, kind: 'not-dicom', reason: e.reason });
      } else if (e instanceof DicomError) {
        out.push({ path: file, bytes, sha256: sha, kind: 'skipped', reason: e.reason });
      } else {
        out.push({
          path: file,
          bytes,
          sha256: sha,
          kind: 'skipped',
          reason: `unexpected failure (${String(e)})`,
        });
      }
    }
    const ids = await readIdentifiers(file);
    if (Object.keys(ids).length > 0) {
      identifiers.push(ids);
      idsByFile.set(file, ids);
    }
    o.onProgress?.({ done: i + 1, total: files.length });
  }
  const grouped = groupIntoSeries(headers);
  const duplicates = new Map<string, string>();
  for (const s of grouped) for (const d of s.duplicates) duplicates.set(d.file, d.duplicateOf);
  const series: InventorySeries[] = grouped.map((s) => {
    const first = s.slices[0].image;
    const id = seriesIdOf(s.seriesInstanceUid, first.file);
    const filesInOrder = [...new Set(s.slices.map((sl) => sl.image.file))];
    const m = first.meta;
    const ps = m.plane.pixelSpacing;
    return {
      id,
      modality: m.modality,
      manufacturer: m.manufacturer,
      manufacturerModel: m.manufacturerModelName,
      rows: m.rows,
      columns: m.columns,
      pixelSpacingMm: ps ? [ps[0], ps[1]] : null,
      sliceThicknessMm: m.plane.sliceThickness,
      kvp: m.kvp,
      convolutionKernel: m.convolutionKernel,
      window: windowFromFile(m),
      files: filesInOrder,
      slices: s.slices.length,
      identifiers: idsByFile.get(first.file),
    };
  });
  const seriesOfFile = new Map<string, string>();
  for (const s of series) for (const f of s.files) seriesOfFile.set(f, s.id);
  for (const f of out) {
    if (f.kind !== 'ct') continue;
    const dup = duplicates.get(f.path);
    if (dup && !seriesOfFile.has(f.path)) {
      f.kind = 'skipped';
      f.reason = `repeats the SOP Instance UID of ${dup} (the same image twice): left out`;
    } else f.series = seriesOfFile.get(f.path);
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out, series, identifiers };
}

/** The folder of a file relative to `root` ('.' for the root itself), for grouping skipped files in tables. */
export function relativeTo(root: string, file: string): string {
  return path.relative(root, file) || '.';
}
