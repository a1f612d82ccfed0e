/**
 * readDicomFile: one DICOM file -> DicomImage (every frame decoded to HU, metadata apart from pixels).
 *
 * The header is checked first, as the header-only reader does (check-header.ts: Part 10 structure, DICOMDIR,
 * modality, damage, Pixel Data, Image Pixel module, rescale, transfer syntax, HU plausibility, native length),
 * then every frame is decoded (DICOM_TRUNCATED / DICOM on failure) and the decoded values are checked for
 * being HU (hu-checks.ts). Every failure is a typed DicomError naming the file and the reason.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { DicomError } from '@shared/errors';
import type { DicomFrame, DicomImage } from '@shared/dicom-types';
import { checkHeader, type CheckOptions } from './check-header';
import { decodeEncapsulatedFrame } from './decode-frame';
import { checkHuValues } from './hu-checks';
import { applyModalityLut, paddingSpec } from './modality-lut';
import { checkPart10Prefix, parseDicomBuffer } from './parse-part10';
import { encapsulatedFrames, nativeFrameBytes } from './pixel-frames';
import { countOutsideBitsStored, readNativeSamples, type StoredValues } from './stored-values';

export interface ReadDicomOptions extends CheckOptions {
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
  const {
    header,
    dataSet: ds,
    pixel,
    ts,
    pixelData: pd,
  } = checkHeader(
    file,
    parsed,
    opts,
    // The data set's own bytes: a deflated file's are the inflated ones.
    parsed.dataSet.byteArray.length - (parsed.dataSet.elements.x7fe00010?.dataOffset ?? 0),
  );
  const warnings = header.warnings;
  const n = pixel.numberOfFrames;
  const pixels = pixel.rows * pixel.columns;
  const signed = pixel.pixelRepresentation === 1;
  const stored: StoredValues[] = [];
  if (ts.codec === 'native') {
    const frameBytes = nativeFrameBytes(pixel.rows, pixel.columns, 1, pixel.bitsAllocated);
    const swap = !ts.littleEndian && pixel.bitsAllocated === 8 && pd.vr === 'OW';
    for (let f = 0; f < n; f++) {
      stored.push(
        readNativeSamples(
          ds.byteArray,
          pd.dataOffset + f * frameBytes,
          pixels,
          pixel.bitsAllocated as 8 | 16 | 32,
          signed,
          ts.littleEndian,
          swap,
        ),
      );
    }
  } else {
    const encoded = encapsulatedFrames(file, ds, pd, n, ts.codec !== 'rle');
    for (let f = 0; f < n; f++) stored.push(await decodeEncapsulatedFrame(file, ts, encoded[f], pixel, f));
  }

  const outside = stored.reduce((s, v) => s + countOutsideBitsStored(v, pixel.bitsStored, signed), 0);
  if (outside > 0) {
    warnings.push(
      `${outside} stored value(s) do not fit Bits Stored (${pixel.bitsStored}); used as stored, not masked`,
    );
  }

  const padding = paddingSpec(header.meta);
  const frames: DicomFrame[] = stored.map((values, index) => {
    const { rescale, plane } = header.frames[index];
    const { hu, paddingMask } = applyModalityLut(values, rescale, padding);
    const frame: DicomFrame = { index, hu, paddingMask, rescale, plane };
    if (opts.keepStoredValues) frame.stored = values;
    return frame;
  });
  const image: DicomImage = { file, meta: header.meta, frames, warnings };
  warnings.push(...checkHuValues(image, opts.allowNonCt));
  return image;
}
