/**
 * DICOM files and folders as a data source: every CT slice of every series (frames of multi-frame
 * files included), HU -> canonical x and resampled to N x N (dicom/resample.ts `frameToCanonical`).
 *
 * Indexing reads each file once and keeps only its header facts (the pixel arrays are dropped at once), so
 * a folder of any size is indexed in the memory of one file; `load` decodes a slice again on demand,
 * with a small cache of decoded files (multi-frame files hold many slices). Slices are grouped by series
 * (the split unit); series are named by a hash of their UID (no identifiers leave the process).
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { InputError, JobCancelledError } from '@shared/errors';
import type { DicomImage } from '@shared/dicom-types';
import { frameToCanonical, groupIntoSeries, listFiles, readDicomFile, NotDicomFileError } from '../dicom';
import { DicomError } from '@shared/errors';
import { LruCache } from './lru';
import { checkFiniteSlice, type DataSource, type SliceRef } from './source';

export interface DicomSourceOptions {
  /** Accept non-CT modalities (values are then not HU). */
  allowNonCt?: boolean;
  /** Called after each file while indexing. */
  onProgress?: (p: { done: number; total: number }) => void;
  signal?: AbortSignal;
}

interface DicomRef extends SliceRef {
  file: string;
  frame: number;
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}

/** A header-only copy of an image: frames keep their plane and rescale, not their pixels. */
function withoutPixels(img: DicomImage): DicomImage {
  return {
    ...img,
    frames: img.frames.map((f) => ({ ...f, hu: new Float32Array(0), paddingMask: null, stored: undefined })),
  };
}

export async function dicomSource(
  spec: string,
  paths: string[],
  o: DicomSourceOptions = {},
): Promise<DataSource> {
  const { files, errors } = await listFiles(paths);
  const warnings: string[] = errors.map((e) => e.message);
  const headers: DicomImage[] = [];
  let notDicom = 0;
  for (let i = 0; i < files.length; i++) {
    if (o.signal?.aborted) throw new JobCancelledError(`${spec}: indexing cancelled`);
    try {
      headers.push(withoutPixels(await readDicomFile(files[i], { allowNonCt: o.allowNonCt })));
    } catch (e) {
      if (e instanceof NotDicomFileError) notDicom++;
      else if (e instanceof DicomError) warnings.push(`skipped ${e.message}`);
      else throw e;
    }
    o.onProgress?.({ done: i + 1, total: files.length });
  }
  const series = groupIntoSeries(headers);
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
