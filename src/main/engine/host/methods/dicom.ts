/**
 * `dicom:scan` and `dicom:slice` in the engine host. Everything that leaves here is de-identified
 * (publicMeta's allow-list; UIDs replaced by derived UIDs) and file names are relative to the folder
 * the user opened.
 */
import path from 'node:path';
import { stat } from 'node:fs/promises';
import type {
  DicomScanRequest,
  DicomScanResult,
  DicomSeriesSummary,
  DicomSliceRequest,
  DicomSliceResult,
} from '@shared/ipc';
import { DicomError } from '@shared/errors';
import type { DicomImage, DicomSeries } from '@shared/dicom-types';
import {
  applyWindow,
  defaultScanCachePath,
  huStats,
  publicMeta,
  resampleSquare,
  ScanCache,
  scanDicom,
  windowFromFile,
  windowPreset,
} from '../../dicom';
import type { MethodContext } from './context';

const THUMBNAIL_SIZE = 64;

/** The folder file names are shown relative to: the common ancestor of what was opened. */
async function commonBase(paths: string[]): Promise<string> {
  const dirs = await Promise.all(
    paths.map(async (p) => {
      const abs = path.resolve(p);
      try {
        return (await stat(abs)).isDirectory() ? abs : path.dirname(abs);
      } catch {
        return path.dirname(abs);
      }
    }),
  );
  let base = dirs[0];
  for (const d of dirs.slice(1)) {
    while (base !== path.dirname(base) && path.relative(base, d).startsWith('..')) base = path.dirname(base);
  }
  return base;
}

export function relativeTo(base: string, file: string): string {
  const rel = path.relative(base, file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}

/** Replaces absolute paths under `base` in free text (engine warnings name files) by relative ones. */
function relativizeText(base: string, text: string): string {
  return text.split(base + path.sep).join('');
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The thumbnail in the series' own window, unless that window shows next to nothing (almost every
 * pixel black or white, e.g. a bone-only crop under a brain window): then the 1st-99th percentile range.
 */
function thumbnailPixels(hu: Float32Array, window: { center: number; width: number }): Uint8Array {
  const px = applyWindow(hu, window);
  let saturated = 0;
  for (const v of px) if (v === 0 || v === 255) saturated++;
  if (saturated < 0.97 * px.length) return px;
  const sorted = Float32Array.from(hu).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))];
  const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))];
  return applyWindow(hu, { center: (lo + hi) / 2, width: Math.max(1, hi - lo) });
}

/**
 * The series' summary for the Library; `mid` is its middle slice decoded for the thumbnail (the scan is
 * header-only), or the error that decoding it gave (then the thumbnail is blank and the reason a warning).
 */
function summarize(
  s: DicomSeries,
  key: string,
  base: string,
  mid: DicomImage | DicomError,
): DicomSeriesSummary {
  const first = s.slices[0].image.meta;
  const pub = publicMeta(first);
  const midSlice = s.slices[Math.floor(s.slices.length / 2)];
  const fileWindow = windowFromFile(first);
  const thumbWindow = fileWindow ?? windowPreset('soft-tissue');
  const warnings = s.warnings.map((w) => relativizeText(base, w));
  let pixels: Uint8Array;
  if (mid instanceof DicomError) {
    pixels = new Uint8Array(THUMBNAIL_SIZE * THUMBNAIL_SIZE);
    warnings.push(`middle slice: ${relativizeText(base, mid.message)}`);
  } else {
    const frame = mid.frames[midSlice.frameIndex];
    const small = resampleSquare(frame.hu, s.rows, s.columns, null, THUMBNAIL_SIZE, {
      paddingMask: frame.paddingMask,
    });
    pixels = thumbnailPixels(small.hu, thumbWindow);
  }
  return {
    key,
    seriesUidHash: pub.seriesUidHash,
    modality: pub.modality,
    manufacturer: pub.manufacturer,
    model: pub.manufacturerModelName,
    seriesNumber: pub.seriesNumber,
    sliceCount: s.slices.length,
    rows: s.rows,
    columns: s.columns,
    pixelSpacingMm: pub.pixelSpacing,
    sliceThicknessMm: pub.sliceThickness,
    kvp: pub.kvp,
    convolutionKernel: pub.convolutionKernel,
    transferSyntaxes: [...new Set(s.slices.map((sl) => sl.image.meta.transferSyntaxName))],
    orderedBy: s.orderedBy,
    sliceStepMm: median(s.stepsMm),
    window: fileWindow ? { name: fileWindow.name, center: fileWindow.center, width: fileWindow.width } : null,
    files: s.slices.map((sl) => relativeTo(base, sl.image.file)),
    warnings,
    duplicates: s.duplicates.length,
    thumbnail: { size: THUMBNAIL_SIZE, pixels },
  };
}

function problem(base: string, e: DicomError): { file: string; code: string; reason: string } {
  return { file: relativeTo(base, e.file), code: e.code, reason: relativizeText(base, e.reason) };
}

export async function dicomScan(
  params: DicomScanRequest,
  { job, store }: MethodContext,
): Promise<DicomScanResult> {
  const base = await commonBase(params.paths);
  job.progress({ phase: 'scan', step: 0, total: 1, message: 'listing files' });
  const cachePath = defaultScanCachePath();
  const cache = cachePath ? await ScanCache.open(cachePath) : null;
  const scan = await scanDicom(params.paths, {
    signal: job.signal,
    cache,
    onProgress: ({ done, total, file, filesPerSecond }) =>
      job.progress({
        phase: 'scan',
        step: done,
        total,
        metrics: { filesPerSecond },
        message: `${relativeTo(base, file)} · ${Math.round(filesPerSecond)} files/s`,
      }),
  });
  const series: DicomSeriesSummary[] = [];
  for (const [i, s] of scan.series.entries()) {
    job.throwIfCancelled();
    job.progress({ phase: 'thumbnails', step: i, total: scan.series.length });
    const stored = store.add(s, base);
    const midFile = s.slices[Math.floor(s.slices.length / 2)].image.file;
    const mid = await store.image(midFile).catch((e: unknown) => {
      if (e instanceof DicomError) return e;
      throw e;
    });
    series.push(summarize(s, stored.key, base, mid));
  }
  return {
    series,
    errors: scan.errors.map((e) => problem(base, e)),
    notDicom: scan.notDicom.map((e) => problem(base, e)),
    fileCount:
      scan.series.reduce(
        (n, s) => n + new Set(s.slices.map((sl) => sl.image.file)).size + s.duplicates.length,
        0,
      ) +
      scan.errors.length +
      scan.notDicom.length,
  };
}

export async function dicomSlice(
  params: DicomSliceRequest,
  { store }: MethodContext,
): Promise<DicomSliceResult> {
  const { series, slice } = store.slice(params.seriesKey, params.index);
  const image = await store.image(slice.file);
  const frame = image.frames[slice.frameIndex];
  const fileWindow = windowFromFile(image.meta);
  return {
    seriesKey: series.key,
    index: params.index,
    rows: image.meta.rows,
    columns: image.meta.columns,
    // Copies: the response's arrays are transferred (detached here), the cached image must stay whole.
    hu: frame.hu.slice(),
    paddingMask: frame.paddingMask ? frame.paddingMask.slice() : null,
    pixelSpacingMm: frame.plane.pixelSpacing,
    positionMm: slice.positionMm,
    file: relativeTo(series.base, slice.file),
    meta: publicMeta(image.meta),
    stats: huStats(frame),
    window: fileWindow ? { name: fileWindow.name, center: fileWindow.center, width: fileWindow.width } : null,
  };
}
