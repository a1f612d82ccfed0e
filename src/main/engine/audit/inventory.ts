/**
 * The input inventory of an audit or a batch, from a header-only scan (no pixel is decoded; dicom/scan.ts):
 * every file under the data sources with its SHA-256 (for the manifest), what it is (a CT image, a DICOM file skipped and why, not DICOM, a .npy stack), the CT series
 * with their de-identified facts (for the report's data summary), and the identifying header values of every
 * DICOM file (phi.ts; kept in memory for redaction, written only with PHI policy 'include').
 *
 * Series ids are `series-<first 12 hex of SHA-256(Series Instance UID)>`, the group names of
 * data/dicom-source.ts, so result lines join to series without any UID leaving the process.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { isIdxFileName, namedDatasetDir } from '../data';
import { scanDicom, windowFromFile, type ScanCache, type ScanProgress } from '../dicom';
import type { Identifiers } from './phi';

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
  /** The series' warnings (ordering, spacing, duplicates, assumptions made reading its files). */
  warnings?: string[];
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

export interface InventoryOptions {
  allowNonCt?: boolean;
  signal?: AbortSignal;
  onProgress?: (p: ScanProgress) => void;
  /** The scan cache (dicom/scan-cache.ts): unchanged files are not read again. */
  cache?: ScanCache | null;
}

/**
 * Inventory of the data sources ('ellipses' contributes no files): a header-only scan (dicom/scan.ts) that
 * also hashes every file and reads the identifying values of every DICOM header.
 */
export async function inventoryData(
  sources: readonly string[],
  o: InventoryOptions = {},
): Promise<DataInventory> {
  const paths = sources
    .filter((s) => s.trim().toLowerCase() !== 'ellipses')
    .map((s) => namedDatasetDir(s) ?? s);
  const scan = await scanDicom(paths, {
    allowNonCt: o.allowNonCt,
    signal: o.signal,
    onProgress: o.onProgress,
    cache: o.cache,
    sha256: true,
    identifiers: true,
  });
  const byPath = new Map(scan.files.map((f) => [f.path, f]));
  const file = (p: string, kind: InventoryFileKind, reason?: string): InventoryFile => {
    const f = byPath.get(p);
    return { path: p, bytes: f?.bytes ?? 0, sha256: f?.sha256 ?? null, kind, ...(reason ? { reason } : {}) };
  };
  const out: InventoryFile[] = [];
  const listed = new Set(scan.files.map((f) => f.path));
  for (const e of scan.errors) {
    out.push(file(e.file, listed.has(e.file) ? 'skipped' : 'unreadable', e.reason));
  }
  for (const e of scan.notDicom) {
    if (e.file.toLowerCase().endsWith('.npy')) out.push(file(e.file, 'npy'));
    else if (isIdxFileName(path.basename(e.file))) out.push(file(e.file, 'idx'));
    else out.push(file(e.file, 'not-dicom', e.reason));
  }
  const identifiers: Identifiers[] = [];
  for (const f of scan.files) {
    if (f.identifiers && Object.keys(f.identifiers).length > 0) identifiers.push(f.identifiers);
  }
  const series: InventorySeries[] = scan.series.map((s) => {
    const first = s.slices[0].image;
    const id = seriesIdOf(s.seriesInstanceUid, first.file);
    const filesInOrder = [...new Set(s.slices.map((sl) => sl.image.file))];
    const m = first.meta;
    const ps = m.plane.pixelSpacing;
    const ids = byPath.get(first.file)?.identifiers;
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
      warnings: s.warnings,
      identifiers: ids && Object.keys(ids).length > 0 ? ids : undefined,
    };
  });
  for (const s of series) for (const f of s.files) out.push({ ...file(f, 'ct'), series: s.id });
  for (const s of scan.series) {
    for (const d of s.duplicates) {
      out.push(
        file(
          d.file,
          'skipped',
          `repeats the SOP Instance UID of ${d.duplicateOf} with identical pixels (the same image twice): left out`,
        ),
      );
    }
  }
  out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files: out, series, identifiers };
}

/** The folder of a file relative to `root` ('.' for the root itself), for grouping skipped files in tables. */
export function relativeTo(root: string, file: string): string {
  return path.relative(root, file) || '.';
}
