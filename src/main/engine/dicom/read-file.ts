/**
 * readDicomFile: one DICOM file -> DicomImage (every frame decoded to HU, metadata apart from pixels).
 *
 * Checks, in this order (each failure is a typed DicomError naming the file and the reason):
 *  1. Part 10 structure (NotDicomFileError for non-DICOM files; DICOM_TRUNCATED / DICOM when damaged),
 *  2. DICOMDIR (an index, not an image) and modality: NotCtError unless `allowNonCt` -- decided before
 *     any structural damage is reported, because a non-CT file is unusable either way,
 *  3. structural damage found while parsing (truncation, malformed elements),
 *  4. presence of Pixel Data (DICOM_NO_PIXEL_DATA),
 *  5. the Image Pixel module (greyscale, 8/16/32 bits, sane frame count),
 *  6. transfer syntax support (UnsupportedTransferSyntaxError with UID and name),
 *  7. pixel data length and decoding (DICOM_TRUNCATED / DICOM).
 */
import { open, readFile, stat } from 'node:fs/promises';
import { DicomError, NotCtError, UnsupportedTransferSyntaxError } from '@shared/errors';
import type { DicomFrame, DicomImage } from '@shared/dicom-types';
import { decodeEncapsulatedFrame } from './decode-frame';
import {
  DICOMDIR_SOP_CLASS,
  readFramePlane,
  readFrameRescale,
  readMeta,
  readModality,
  readPixelModule,
  readSopClassUid,
} from './extract-meta';
import { applyModalityLut, paddingSpec } from './modality-lut';
import { checkPart10Prefix, parseDicomBuffer } from './parse-part10';
import { checkNativeLength, encapsulatedFrames, nativeFrameBytes, PIXEL_DATA_TAG } from './pixel-frames';
import { countOutsideBitsStored, readNativeSamples, type StoredValues } from './stored-values';
import { transferSyntaxInfo } from './transfer-syntaxes';

export interface ReadDicomOptions {
  /** Load images whose Modality is not CT (their "HU" are then just rescaled stored values). */
  allowNonCt?: boolean;
  /** Keep each frame's stored values (before rescale) in `frame.stored`. */
  keepStoredValues?: boolean;
}

function fsReason(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return `cannot read the file (${code ?? String(e)})`;
}

/** Reads and decodes one DICOM file. */
export async function readDicomFile(path: string, opts: ReadDicomOptions = {}): Promise<DicomImage> {
  let bytes: Buffer;
  try {
    const st = await stat(path);
    if (st.isDirectory())
      throw new DicomError(path, 'is a folder, not a file (use scanDicom for folders)', 'DICOM');
    // Look at the first 132 bytes before reading a possibly large non-DICOM file whole.
    const handle = await open(path, 'r');
    try {
      const head = Buffer.alloc(Math.min(132, st.size));
      await handle.read(head, 0, head.length, 0);
      checkPart10Prefix(path, head);
    } finally {
      await handle.close();
    }
    bytes = await readFile(path);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    throw new DicomError(path, fsReason(e), 'DICOM');
  }
  return readDicomBuffer(path, bytes, opts);
}

/** Decodes DICOM bytes already in memory; `file` names them in errors. */
export async function readDicomBuffer(
  file: string,
  bytes: Buffer,
  opts: ReadDicomOptions = {},
): Promise<DicomImage> {
  const parsed = parseDicomBuffer(file, bytes);
  const ds = parsed.dataSet;
  const warnings = [...parsed.warnings];

  const sopClass = readSopClassUid(ds);
  if (sopClass === DICOMDIR_SOP_CLASS) {
    throw new DicomError(
      file,
      'is a DICOMDIR (an index of a DICOM folder), not an image: open the folder that holds it instead',
      'DICOM_NO_PIXEL_DATA',
      { category: 'dicomdir' },
    );
  }
  const modality = readModality(ds);
  if (modality !== 'CT' && !opts.allowNonCt) throw new NotCtError(file, modality ?? '');
  if (parsed.structuralError) throw parsed.structuralError;

  const pd = ds.elements[PIXEL_DATA_TAG];
  if (!pd) {
    const floatPixels = ds.elements.x7fe00008 || ds.elements.x7fe00009;
    throw new DicomError(
      file,
      floatPixels
        ? 'holds Float / Double Float Pixel Data, which cannot be CT numbers; no integer Pixel Data (7FE0,0010)'
        : `has no Pixel Data (7FE0,0010): a header-only ${modality ?? 'DICOM'} object with no image to load`,
      'DICOM_NO_PIXEL_DATA',
      { modality },
    );
  }

  const pixel = readPixelModule(file, ds, warnings);
  const meta = readMeta(file, ds, pixel, parsed.transferSyntaxUid, parsed.deflated);
  const ts = transferSyntaxInfo(parsed.transferSyntaxUid);
  if (ts.codec === null) throw new UnsupportedTransferSyntaxError(file, ts.uid, ts.name);

  const n = pixel.numberOfFrames;
  const pixels = pixel.rows * pixel.columns;
  const signed = pixel.pixelRepresentation === 1;
  const stored: StoredValues[] = [];
  if (ts.codec === 'native') {
    if (pd.encapsulatedPixelData || pd.hadUndefinedLength) {
      throw new DicomError(file, `Pixel Data is encapsulated, but ${ts.name} stores native pixels`);
    }
    const frameBytes = nativeFrameBytes(pixel.rows, pixel.columns, 1, pixel.bitsAllocated);
    const offset = checkNativeLength(file, ds, pd, n, frameBytes);
    const swap = !ts.littleEndian && pixel.bitsAllocated === 8 && pd.vr === 'OW';
    for (let f = 0; f < n; f++) {
      stored.push(
        readNativeSamples(
          ds.byteArray,
          offset + f * frameBytes,
          pixels,
          pixel.bitsAllocated as 8 | 16 | 32,
          signed,
          ts.littleEndian,
          swap,
        ),
      );
    }
  } else {
    if (!pd.encapsulatedPixelData) {
      throw new DicomError(
        file,
        `Pixel Data is native, but ${ts.name} requires encapsulated (compressed) frames`,
      );
    }
    const encoded = encapsulatedFrames(file, ds, pd, n, ts.codec !== 'rle');
    for (let f = 0; f < n; f++) stored.push(await decodeEncapsulatedFrame(file, ts, encoded[f], pixel, f));
  }

  const outside = stored.reduce((s, v) => s + countOutsideBitsStored(v, pixel.bitsStored, signed), 0);
  if (outside > 0) {
    warnings.push(
      `${outside} stored value(s) do not fit Bits Stored (${pixel.bitsStored}); used as stored, not masked`,
    );
  }
  if (ts.lossy) warnings.push(`lossy compression (${ts.name}): HU values are approximate`);

  const padding = paddingSpec(meta);
  const frames: DicomFrame[] = stored.map((values, index) => {
    const rescale = index === 0 ? meta.rescale : readFrameRescale(file, ds, index);
    const plane = index === 0 ? meta.plane : readFramePlane(file, ds, index);
    const { hu, paddingMask } = applyModalityLut(values, rescale, padding);
    const frame: DicomFrame = { index, hu, paddingMask, rescale, plane };
    if (opts.keepStoredValues) frame.stored = values;
    return frame;
  });

  if (modality === 'CT' && meta.sopClassUid?.startsWith('1.2.840.10008.5.1.4.1.1.7')) {
    warnings.push('Secondary Capture labelled CT: pixel values may not be calibrated HU');
  }
  if (modality === 'CT') {
    if (meta.rescale.source === 'absent') {
      warnings.push(
        'CT image without Rescale Slope/Intercept: stored values taken as HU (slope 1, intercept 0)',
      );
    } else if (meta.rescale.type !== null && meta.rescale.type !== 'HU') {
      warnings.push(`Rescale Type is '${meta.rescale.type}', not HU`);
    }
  }
  return { file, meta, frames, warnings };
}
