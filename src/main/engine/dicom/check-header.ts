/**
 * What a file's header decides before any pixel is decoded, shared by the full reader (read-file.ts) and
 * the header-only reader (read-header.ts), so a scan and a decode refuse the same files for the same
 * reasons. Checks, in this order (each failure is a typed DicomError naming the file and the reason):
 *  1. DICOMDIR (an index, not an image) and modality: NotCtError unless `allowNonCt` -- decided before any
 *     structural damage is reported, because a non-CT file is unusable either way,
 *  2. structural damage found while parsing (truncation, malformed elements, Pixel Data cut short),
 *  3. presence of Pixel Data (DICOM_NO_PIXEL_DATA),
 *  4. the Image Pixel module (greyscale, 8/16/32 bits, sane frame count) and the rescale of every frame
 *     (extract-meta.ts),
 *  5. transfer syntax support (UnsupportedTransferSyntaxError with UID and name),
 *  6. whether the values can be HU (hu-checks.ts: NotHuError),
 *  7. the length of native Pixel Data against rows x columns x frames (DICOM_TRUNCATED).
 */
import type { DataSet, Element } from 'dicom-parser';
import { DicomError, NotCtError, UnsupportedTransferSyntaxError } from '@shared/errors';
import type { DicomFrameHeader, DicomHeader } from '@shared/dicom-types';
import {
  DICOMDIR_SOP_CLASS,
  readFramePlane,
  readFrameRescale,
  readMeta,
  readModality,
  readPixelModule,
  readSopClassUid,
  type PixelModule,
} from './extract-meta';
import { checkHuHeader } from './hu-checks';
import type { ParsedDicom } from './parse-part10';
import { checkNativeLength, nativeFrameBytes, PIXEL_DATA_TAG } from './pixel-frames';
import { transferSyntaxInfo, type TransferSyntaxInfo } from './transfer-syntaxes';

export interface CheckOptions {
  /** Load images whose Modality is not CT, and CT whose values are not HU (they are then just rescaled values). */
  allowNonCt?: boolean;
}

export interface CheckedHeader {
  header: DicomHeader;
  dataSet: DataSet;
  pixel: PixelModule;
  ts: TransferSyntaxInfo;
  /** The Pixel Data element (its value may not be in `dataSet.byteArray` after a header-only read). */
  pixelData: Element;
}

/**
 * Runs the checks of the file comment on a parsed data set. `pixelBytesAvailable`: bytes of the file from
 * the start of the Pixel Data value to its end (the native length check needs it when only the header was read).
 */
export function checkHeader(
  file: string,
  parsed: ParsedDicom,
  opts: CheckOptions,
  pixelBytesAvailable: number,
): CheckedHeader {
  const ds = parsed.dataSet;
  const warnings = [...parsed.warnings];
  if (readSopClassUid(ds) === DICOMDIR_SOP_CLASS) {
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

  const strictHu = modality === 'CT' && !opts.allowNonCt;
  const pixel = readPixelModule(file, ds, warnings);
  const meta = readMeta(file, ds, pixel, parsed.transferSyntaxUid, parsed.deflated, strictHu);
  const frames: DicomFrameHeader[] = [];
  for (let index = 0; index < pixel.numberOfFrames; index++) {
    frames.push({
      index,
      rescale: index === 0 ? meta.rescale : readFrameRescale(file, ds, index, strictHu),
      plane: index === 0 ? meta.plane : readFramePlane(file, ds, index),
    });
  }
  const ts = transferSyntaxInfo(parsed.transferSyntaxUid);
  if (ts.codec === null) throw new UnsupportedTransferSyntaxError(file, ts.uid, ts.name);
  const header: DicomHeader = { file, meta, frames, warnings };
  warnings.push(...checkHuHeader(header, opts.allowNonCt));

  if (ts.codec === 'native') {
    if (pd.encapsulatedPixelData || pd.hadUndefinedLength) {
      throw new DicomError(file, `Pixel Data is encapsulated, but ${ts.name} stores native pixels`);
    }
    const frameBytes = nativeFrameBytes(pixel.rows, pixel.columns, 1, pixel.bitsAllocated);
    checkNativeLength(file, Math.min(pd.length, pixelBytesAvailable), pixel.numberOfFrames, frameBytes);
  } else if (!pd.hadUndefinedLength) {
    throw new DicomError(
      file,
      `Pixel Data is native, but ${ts.name} requires encapsulated (compressed) frames`,
    );
  }
  if (ts.lossy) warnings.push(`lossy compression (${ts.name}): HU values are approximate`);
  return { header, dataSet: ds, pixel, ts, pixelData: pd };
}
