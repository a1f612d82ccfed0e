/**
 * DICOM files and folders as a data source: every CT slice of every series (frames of multi-frame
 * files included), HU -> canonical x and resampled to N x N (dicom/resample.ts `frameToCanonical`).
 *
 * Indexing is a header-only scan (dicom/scan.ts): no pixel is decoded until a slice is loaded, so a folder of
 * any size is indexed quickly and in little memory; `load` decodes a slice on demand,
 * with a small cache of decoded files (multi-frame files hold many slices). Slices are grouped by series
 * (the split unit); series are named by a hash of their UID (no identifiers leave the process).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError } from '@shared/errors';
import type { DicomImage } from '@shared/dicom-types';
import { frameToCanonical, readDicomFile, scanDicom, type ScanCache, type ScanProgress } from '../dicom';
import { LruCache } from './lru';
import { checkFiniteSlice, type DataSource, type SliceRef } from './source';

export interface DicomSourceOptions {
  /** Accept non-CT modalities and values that are not HU. */
  allowNonCt?: boolean;
  /** Called after each file while indexing. */
  onProgress?: (p: ScanProgress) => void;
  signal?: AbortSignal;
  /** The scan cache (dicom/scan-cache.ts). */
  cache?: ScanCache | null;
}

interface DicomRef extends SliceRef {
  file: string;
  frame: number;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

export async function dicomSource(
  spec: string,
  paths: string[],
  o: DicomSourceOptions = {},
): Promise<DataSource> {
  const scan = await scanDicom(paths, {
    allowNonCt: o.allowNonCt,
    onProgress: o.onProgress,
    signal: o.signal,
    cache: o.cache,
  });
  const warnings: string[] = scan.errors.map((e) => `skipped ${e.message}`);
  const files = scan.files;
  const notDicom = scan.notDicom.length;
  const series = scan.series;
  for (const s of series)
    for (const d of s.duplicates) warnings.push(`skipped ${d.file}: repeats ${d.duplicateOf}`);
  const refs: DicomRef[] = [];
  for (const s of series) {
    const group = s.seriesInstanceUid
      ? `series-${shortHash(s.seriesInstanceUid)}`
      : `file-${shortHash(s.slices[0].image.file)}`;
    for (const sl of s.slices) {
      const base = path.basename(sl.image.file);
      refs.push({
        id: `${group}/${base}#${sl.frameIndex}`,
        group,
        file: sl.image.file,
        frame: sl.frameIndex,
      });
    }
  }
  if (refs.length === 0) {
    const why = warnings.length > 0 ? `: ${warnings[0]}` : '';
    throw new InputError(
      `${spec}: no usable CT slices (${files.length} file(s), ${notDicom} not DICOM, ${warnings.length} unusable${why})`,
      { spec },
    );
  }
  const cache = new LruCache<string, DicomImage>(2);
  return {
    kind: 'dicom',
    spec,
    description: `${refs.length} CT slice(s) in ${series.length} series from ${files.length - notDicom} DICOM file(s)`,
    refs,
    warnings,
    async load(ref: SliceRef, N: number): Promise<Float32Array> {
      const r = ref as DicomRef;
      let img = cache.get(r.file);
      if (!img) {
        img = await readDicomFile(r.file, { allowNonCt: o.allowNonCt });
        cache.set(r.file, img);
      }
      const frame = img.frames[r.frame];
      if (!frame) throw new InputError(`${r.file}: frame ${r.frame + 1} no longer exists (file changed?)`);
      const x = frameToCanonical(frame, img.meta.rows, img.meta.columns, N).x;
      checkFiniteSlice(`${r.file} frame ${r.frame + 1}`, x, N);
      return x;
    },
  };
}
