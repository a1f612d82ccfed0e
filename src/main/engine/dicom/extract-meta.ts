/**
 * DataSet -> DicomMeta (camelCase "modules" as in Cornerstone3D), including the per-frame attributes of
 * Enhanced CT, which live in the Shared (5200,9229) / Per-frame (5200,9230) Functional Groups (PS3.3
 * C.7.6.16). Patient and institution identifiers are never read (see src/shared/dicom-types.ts).
 * Validation of the Image Pixel module (PS3.3 C.7.6.3) happens here too: anything that cannot hold
 * CT numbers is a DicomError with the reason.
 */
import type { DataSet } from 'dicom-parser';
import { DicomError, NotHuError } from '@shared/errors';
import type { DicomMeta, DisplayWindow, FramePlane, Rescale, RescaleSource } from '@shared/dicom-types';
import {
  firstItem,
  itemAt,
  readDecimal,
  readDecimals,
  readIntString,
  readPixelValue,
  readString,
  readStrings,
  readUint16,
  ValueFormatError,
} from './dataset-values';
import { transferSyntaxInfo } from './transfer-syntaxes';

const SHARED_GROUPS = 'x52009229';
const PER_FRAME_GROUPS = 'x52009230';
const PIXEL_VALUE_TRANSFORMATION = 'x00289145';
const PLANE_POSITION = 'x00209113';
const PLANE_ORIENTATION = 'x00209116';
const PIXEL_MEASURES = 'x00289110';
const FRAME_VOI_LUT = 'x00289132';
const CT_ACQUISITION_DETAILS = 'x00189304';
const CT_RECONSTRUCTION = 'x00189314';

export const DICOMDIR_SOP_CLASS = '1.2.840.10008.1.3.10';

/** Optional, descriptive values: a malformed one is dropped (null) rather than rejecting the image. */
function lenient<T>(read: () => T | null): T | null {
  try {
    return read();
  } catch (e) {
    if (e instanceof ValueFormatError) return null;
    throw e;
  }
}

/** Wraps a ValueFormatError into a DicomError naming the file. */
export function withFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof ValueFormatError) throw new DicomError(file, e.message, 'DICOM', { tag: e.tag });
    throw e;
  }
}

export function readModality(ds: DataSet): string | null {
  return readString(ds, 'x00080060');
}

export function readSopClassUid(ds: DataSet): string | null {
  return readString(ds, 'x00080016') ?? readString(ds, 'x00020002');
}

/** Where a frame attribute is looked up: the frame's own functional groups, the shared ones, the top level. */
function frameSources(
  ds: DataSet,
  frameIndex: number,
  macro: string,
): { ds: DataSet; source: RescaleSource }[] {
  const out: { ds: DataSet; source: RescaleSource }[] = [];
  const perFrame = itemAt(ds, PER_FRAME_GROUPS, frameIndex);
  const perFrameMacro = perFrame ? firstItem(perFrame, macro) : null;
  if (perFrameMacro) out.push({ ds: perFrameMacro, source: 'per-frame-functional-groups' });
  const shared = firstItem(ds, SHARED_GROUPS);
  const sharedMacro = shared ? firstItem(shared, macro) : null;
  if (sharedMacro) out.push({ ds: sharedMacro, source: 'shared-functional-groups' });
  out.push({ ds, source: 'top-level' });
  return out;
}

const RESCALE_SLOPE = 'x00281053';
const RESCALE_INTERCEPT = 'x00281052';

/**
 * Rescale Slope/Intercept of a frame (PS3.3 C.11.1 Modality LUT; C.7.6.16.2.9 for Enhanced CT), looked up in
 * the frame's functional groups, the shared ones, then the top level.
 *
 * For CT (`ct`), where the CT Image module makes both Type 1 (PS3.3 C.8.2.1.1) and the output unit is HU:
 *  - an element present but empty (zero length or blanks) is an error: the writer meant a value and lost it,
 *    and no value is safe to assume (the intercept is -1024 in most files: taking 0 puts every HU 1024 too
 *    high, which is what dicom-parser's own floatString(...) ?? 0 would do);
 *  - a Rescale Slope without a Rescale Intercept is an error for the same reason;
 *  - a Rescale Intercept without a Rescale Slope: slope 1 is assumed and said so (`assumed`): the offset that
 *    carries the calibration is known, and CT slopes other than 1 come with an explicit slope;
 *  - neither: `source: 'absent'`; whether stored values can be HU then depends on the pixel module and is
 *    decided by hu-checks.ts (signed pixels: an assumption, reported; unsigned or 8-bit: an error).
 * Non-CT images (loaded with allowNonCt) take what is missing as identity: their values are not HU anyway.
 */
export function readFrameRescale(file: string, ds: DataSet, frameIndex: number, ct = true): Rescale {
  return withFile(file, () => {
    for (const { ds: src, source } of frameSources(ds, frameIndex, PIXEL_VALUE_TRANSFORMATION)) {
      const hasSlope = src.elements[RESCALE_SLOPE] !== undefined;
      const hasIntercept = src.elements[RESCALE_INTERCEPT] !== undefined;
      if (!hasSlope && !hasIntercept) continue;
      const slope = readDecimal(src, RESCALE_SLOPE);
      const intercept = readDecimal(src, RESCALE_INTERCEPT);
      const where = source === 'top-level' ? '' : ` (in the ${source.replace(/-/g, ' ')})`;
      const frame = frameIndex > 0 ? ` of frame ${frameIndex + 1}` : '';
      if (ct) {
        for (const [present, value, name, why] of [
          [
            hasSlope,
            slope,
            'Rescale Slope (0028,1053)',
            'CT slopes are not always 1: lossy re-encodings store slopes such as 2 or 32',
          ],
          [
            hasIntercept,
            intercept,
            'Rescale Intercept (0028,1052)',
            'reading it as 0 would put every HU 1024 too high for the usual intercept of -1024',
          ],
        ] as const) {
          if (present && value === null) {
            throw new NotHuError(
              file,
              `${name}${frame}${where} is present but empty: the conversion of stored values to HU is unknown ` +
                `(${why}); fix the header`,
              { rescale: 'empty' },
            );
          }
        }
        if (slope !== null && intercept === null) {
          throw new NotHuError(
            file,
            `Rescale Slope (0028,1053)${frame}${where} is given but Rescale Intercept (0028,1052) is missing: ` +
              'the HU offset is unknown (it is -1024 in most CT files, not 0); fix the header',
            { rescale: 'no-intercept' },
          );
        }
      }
      const s = slope ?? 1;
      if (!Number.isFinite(s) || s === 0) {
        throw new DicomError(
          file,
          `Rescale Slope (0028,1053) is ${s}: pixel values cannot be converted to HU`,
        );
      }
      const rescale: Rescale = {
        slope: s,
        intercept: intercept ?? 0,
        type: readString(src, 'x00281054'),
        source,
      };
      if (ct && slope === null) {
        rescale.assumed = `no Rescale Slope (0028,1053)${frame}${where}: slope 1 assumed with the file's Rescale Intercept ${rescale.intercept}`;
      } else if (!ct && (slope === null || intercept === null)) {
        rescale.assumed = `incomplete Rescale Slope/Intercept${frame}: ${slope === null ? 'slope 1' : 'intercept 0'} assumed`;
      }
      return rescale;
    }
    return { slope: 1, intercept: 0, type: null, source: 'absent' };
  });
}

function triple(v: number[]): [number, number, number] | null {
  return v.length >= 3 ? [v[0], v[1], v[2]] : null;
}

function sextuple(v: number[]): [number, number, number, number, number, number] | null {
  return v.length >= 6 ? [v[0], v[1], v[2], v[3], v[4], v[5]] : null;
}

function firstFound<T>(
  ds: DataSet,
  frameIndex: number,
  macro: string,
  read: (src: DataSet) => T | null,
): T | null {
  for (const { ds: src } of frameSources(ds, frameIndex, macro)) {
    const v = read(src);
    if (v !== null) return v;
  }
  return null;
}

export function readFramePlane(file: string, ds: DataSet, frameIndex: number): FramePlane {
  return withFile(file, () => {
    const spacing = firstFound(ds, frameIndex, PIXEL_MEASURES, (s) => {
      const v = readDecimals(s, 'x00280030');
      return v.length >= 2 ? ([v[0], v[1]] as [number, number]) : null;
    });
    return {
      imagePositionPatient: firstFound(ds, frameIndex, PLANE_POSITION, (s) =>
        triple(readDecimals(s, 'x00200032')),
      ),
      imageOrientationPatient: firstFound(ds, frameIndex, PLANE_ORIENTATION, (s) =>
        sextuple(readDecimals(s, 'x00200037')),
      ),
      pixelSpacing: spacing,
      sliceThickness: firstFound(ds, frameIndex, PIXEL_MEASURES, (s) => readDecimal(s, 'x00180050')),
    };
  });
}

function readWindows(ds: DataSet): DisplayWindow[] {
  const src = frameSources(ds, 0, FRAME_VOI_LUT).find((s) => readDecimals(s.ds, 'x00281050').length > 0);
  if (!src) return [];
  const centers = readDecimals(src.ds, 'x00281050');
  const widths = readDecimals(src.ds, 'x00281051');
  const explanations = readStrings(src.ds, 'x00281055');
  const out: DisplayWindow[] = [];
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    // PS3.3 C.11.2.1.2: Window Width shall be >= 1; anything else is ignored.
    if (!(widths[i] >= 1)) continue;
    out.push({ center: centers[i], width: widths[i], explanation: explanations[i] || null });
  }
  return out;
}

/** Image Pixel module facts, validated for CT use (single-sample greyscale, 8/16/32-bit integers). */
export interface PixelModule {
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: 0 | 1;
}

export function readPixelModule(file: string, ds: DataSet, warnings: string[]): PixelModule {
  return withFile(file, () => {
    const need = (tag: string, name: string): number => {
      const v = readUint16(ds, tag);
      if (v === null) throw new DicomError(file, `${name} is missing, so the pixel data cannot be laid out`);
      return v;
    };
    const rows = need('x00280010', 'Rows (0028,0010)');
    const columns = need('x00280011', 'Columns (0028,0011)');
    if (rows === 0 || columns === 0)
      throw new DicomError(file, `image size is ${rows} x ${columns}: empty image`);
    const samplesPerPixel = readUint16(ds, 'x00280002') ?? 1;
    const photometricInterpretation = readString(ds, 'x00280004') ?? 'MONOCHROME2';
    if (samplesPerPixel !== 1 || !/^MONOCHROME[12]$/.test(photometricInterpretation)) {
      throw new DicomError(
        file,
        `photometric interpretation ${photometricInterpretation} with ${samplesPerPixel} sample(s) per pixel: ` +
          'colour or palette images do not hold CT numbers (HU); only MONOCHROME1/2 with 1 sample can be used',
        'DICOM',
        { photometricInterpretation, samplesPerPixel },
      );
    }
    const bitsAllocated = need('x00280100', 'Bits Allocated (0028,0100)');
    if (bitsAllocated !== 8 && bitsAllocated !== 16 && bitsAllocated !== 32) {
      throw new DicomError(
        file,
        `Bits Allocated is ${bitsAllocated}: only 8, 16 or 32-bit integer pixels can hold CT numbers`,
        'DICOM',
        { bitsAllocated },
      );
    }
    const bitsStored = readUint16(ds, 'x00280101') ?? bitsAllocated;
    if (bitsStored < 1 || bitsStored > bitsAllocated) {
      throw new DicomError(
        file,
        `Bits Stored is ${bitsStored} with Bits Allocated ${bitsAllocated}: inconsistent`,
      );
    }
    const highBit = readUint16(ds, 'x00280102') ?? bitsStored - 1;
    if (highBit !== bitsStored - 1) {
      warnings.push(
        `High Bit is ${highBit}, not Bits Stored - 1 (${bitsStored - 1}); values read from bit 0`,
      );
    }
    const pr = readUint16(ds, 'x00280103') ?? 0;
    if (pr !== 0 && pr !== 1) throw new DicomError(file, `Pixel Representation is ${pr}, not 0 or 1`);
    let numberOfFrames = 1;
    try {
      numberOfFrames = readIntString(ds, 'x00280008') ?? 1;
    } catch (e) {
      if (e instanceof ValueFormatError) {
        throw new DicomError(
          file,
          `Number of Frames (0028,0008) is '${e.value}', not a positive integer`,
          'DICOM',
        );
      }
      throw e;
    }
    if (numberOfFrames < 1) {
      throw new DicomError(file, `Number of Frames (0028,0008) is ${numberOfFrames}, not a positive integer`);
    }
    return {
      rows,
      columns,
      numberOfFrames,
      samplesPerPixel,
      photometricInterpretation,
      bitsAllocated,
      bitsStored,
      highBit,
      pixelRepresentation: pr as 0 | 1,
    };
  });
}

/** The whole DicomMeta of a file whose Image Pixel module was validated. */
export function readMeta(
  file: string,
  ds: DataSet,
  pixel: PixelModule,
  transferSyntaxUid: string,
  deflated: boolean,
  strictHu = readModality(ds) === 'CT',
): DicomMeta {
  return withFile(file, () => {
    const signed = pixel.pixelRepresentation === 1;
    const kvp = lenient(() => firstFound(ds, 0, CT_ACQUISITION_DETAILS, (s) => readDecimal(s, 'x00180060')));
    const kernel = firstFound(ds, 0, CT_RECONSTRUCTION, (s) => readString(s, 'x00181210'));
    return {
      sopClassUid: readSopClassUid(ds),
      sopInstanceUid: readString(ds, 'x00080018'),
      studyInstanceUid: readString(ds, 'x0020000d'),
      seriesInstanceUid: readString(ds, 'x0020000e'),
      modality: readModality(ds),
      manufacturer: readString(ds, 'x00080070'),
      manufacturerModelName: readString(ds, 'x00081090'),
      seriesDescription: readString(ds, 'x0008103e'),
      seriesNumber: lenient(() => readIntString(ds, 'x00200011')),
      instanceNumber: lenient(() => readIntString(ds, 'x00200013')),
      imageType: readStrings(ds, 'x00080008').filter((s) => s !== ''),
      transferSyntaxUid,
      transferSyntaxName: transferSyntaxInfo(transferSyntaxUid).name,
      ...pixel,
      pixelPaddingValue: readPixelValue(ds, 'x00280120', signed),
      pixelPaddingRangeLimit: readPixelValue(ds, 'x00280121', signed),
      rescale: readFrameRescale(file, ds, 0, strictHu),
      plane: readFramePlane(file, ds, 0),
      kvp,
      convolutionKernel: kernel,
      gantryDetectorTilt: lenient(() => readDecimal(ds, 'x00181120')),
      windows: lenient(() => readWindows(ds)) ?? [],
      deflated,
    };
  });
}
