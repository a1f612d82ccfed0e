/**
 * Bytes -> dicom-parser DataSet, with a diagnosis of what is wrong when the file is not sound.
 *
 * dicom-parser throws on some damage and silently accepts other damage (an implicit-VR element running
 * past the end of the file, an encapsulated Pixel Data without its sequence delimiter), so every element
 * and fragment is bounds-checked here. A structural problem does not throw at once: it is returned as
 * `structuralError` so that the caller can first name the modality of a non-CT file (a truncated MR is
 * still "not CT" to the user), then throw it.
 */
import { inflateRawSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type * as DicomParser from 'dicom-parser';
import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from '@shared/errors';
import { NotDicomFileError } from '@shared/dicom-types';
import { tagLabel } from './dataset-values';
import { DEFLATED_EXPLICIT_LE } from './transfer-syntaxes';

const require = createRequire(import.meta.url);
/** dicom-parser is a UMD bundle: loaded through require so Node, vitest and electron-vite agree. */
export const dicomParser = require('dicom-parser') as typeof DicomParser;

/** Inflated data sets larger than this are refused (a deflate bomb would otherwise exhaust memory). */
const MAX_INFLATED_BYTES = 1 << 30;

const PIXEL_DATA = 'x7fe00010';

export interface ParsedDicom {
  dataSet: DataSet;
  transferSyntaxUid: string;
  deflated: boolean;
  /** Non-fatal findings worth telling the caller. */
  warnings: string[];
  /** Set when the file is truncated or malformed; the caller throws it after the modality check. */
  structuralError: DicomError | null;
}

/** True when the bytes start like a bare data set (group 0002 or 0008 tag, little endian). */
function looksLikeBareDataSet(bytes: Uint8Array): boolean {
  if (bytes.length < 8) return false;
  const group = bytes[0] | (bytes[1] << 8);
  if (group !== 0x0002 && group !== 0x0008) return false;
  const vr = String.fromCharCode(bytes[4], bytes[5]);
  return /^[A-Z]{2}$/.test(vr) || (bytes[6] | (bytes[7] << 8)) < 256;
}

/**
 * Throws NotDicomFileError (or a DicomError for a bare data set) unless the bytes start with a Part 10
 * preamble + 'DICM'. Needs only the first 132 bytes, so a folder scan can reject large non-DICOM files
 * without reading them.
 */
export function checkPart10Prefix(file: string, bytes: Uint8Array): void {
  const hasPrefix =
    bytes.length >= 132 &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d;
  if (hasPrefix) return;
  if (looksLikeBareDataSet(bytes)) {
    throw new DicomError(
      file,
      "no DICOM Part 10 header (128-byte preamble, 'DICM' and file meta information are missing): the file " +
        'looks like a bare data set, perhaps cut at the start; its transfer syntax is not recorded, so it is ' +
        'not read. Re-export it as a DICOM Part 10 file.',
      'DICOM',
      { category: 'no-part10-header' },
    );
  }
  throw new NotDicomFileError(file);
}

/** Reads the file meta group and returns the transfer syntax UID, or throws a diagnosis. */
function readMetaTransferSyntax(file: string, bytes: Buffer): string {
  if (bytes.length <= 132) {
    throw new DicomError(
      file,
      "the file ends right after the 'DICM' marker: no file meta information and no data set (truncated)",
      'DICOM_TRUNCATED',
    );
  }
  let meta: DataSet;
  try {
    meta = dicomParser.readPart10Header(bytes);
  } catch (e) {
    throw new DicomError(file, `unreadable file meta information (${describe(e)})`, 'DICOM');
  }
  const groupLength = meta.elements.x00020000;
  if (groupLength && groupLength.length === 4) {
    const end = groupLength.dataOffset + 4 + (meta.uint32('x00020000') ?? 0);
    if (end > bytes.length) {
      throw new DicomError(
        file,
        `the file ends inside the file meta information (byte ${bytes.length} of ${end}): truncated`,
        'DICOM_TRUNCATED',
      );
    }
  }
  const tsEl = meta.elements.x00020010;
  if (!tsEl || tsEl.length === 0) {
    throw new DicomError(
      file,
      'the file meta information has no Transfer Syntax UID (0002,0010), so the data set cannot be decoded',
      'DICOM',
    );
  }
  if (tsEl.dataOffset + tsEl.length > bytes.length) {
    throw new DicomError(
      file,
      'the file ends inside the Transfer Syntax UID (0002,0010): truncated',
      'DICOM_TRUNCATED',
    );
  }
  // eslint-disable-next-line no-control-regex
  return (meta.string('x00020010') ?? '').replace(/\u0000/g, '').trim();
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'string') return e;
  if (e && typeof e === 'object' && 'exception' in e)
    return describe((e as { exception: unknown }).exception);
  return String(e);
}

function makeInflater(file: string) {
  return (byteArray: Uint8Array, position: number): Uint8Array => {
    let inflated: Buffer;
    try {
      inflated = inflateRawSync(byteArray.subarray(position), { maxOutputLength: MAX_INFLATED_BYTES });
    } catch (e) {
      const msg = describe(e);
      const truncated = /unexpected end of file/i.test(msg);
      throw new DicomError(
        file,
        truncated
          ? `the deflated data set is cut short (zlib: ${msg}): truncated file`
          : `the deflated data set cannot be inflated (zlib: ${msg})`,
        truncated ? 'DICOM_TRUNCATED' : 'DICOM',
      );
    }
    const full = Buffer.allocUnsafe(position + inflated.length);
    full.set(byteArray.subarray(0, position), 0);
    full.set(inflated, position);
    return full;
  };
}

/**
 * Parses a DICOM Part 10 file. Throws NotDicomFileError / DicomError when not even the header can be
 * read; otherwise returns the data set with `structuralError` set when the rest is damaged.
 */
export function parseDicomBuffer(file: string, bytes: Buffer): ParsedDicom {
  checkPart10Prefix(file, bytes);
  const transferSyntaxUid = readMetaTransferSyntax(file, bytes);
  const deflated = transferSyntaxUid === DEFLATED_EXPLICIT_LE;
  let dataSet: DataSet | undefined;
  let parseException: unknown = null;
  try {
    dataSet = dicomParser.parseDicom(bytes, {
      inflater: makeInflater(file) as unknown as (arr: Uint8Array, position: number) => void,
    });
  } catch (e) {
    if (e instanceof DicomError) throw e;
    parseException = e;
    dataSet = (e as { dataSet?: DataSet } | null)?.dataSet;
    if (!dataSet) throw new DicomError(file, `malformed DICOM data set (${describe(e)})`, 'DICOM');
  }
  const warnings: string[] = [];
  const structuralError = diagnose(file, dataSet, parseException, warnings);
  return { dataSet, transferSyntaxUid, deflated, warnings, structuralError };
}

/** Bounds checks on every top-level element and every Pixel Data fragment. */
function diagnose(file: string, ds: DataSet, parseException: unknown, warnings: string[]): DicomError | null {
  const size = ds.byteArray.length;
  const overruns: Element[] = [];
  for (const el of Object.values(ds.elements)) {
    if (el.tag === PIXEL_DATA && el.hadUndefinedLength) continue;
    if (el.dataOffset + el.length > size) overruns.push(el);
  }
  overruns.sort((a, b) => (a.tag < b.tag ? -1 : 1));
  const pd = ds.elements[PIXEL_DATA];

  const pixelError = pd ? checkPixelDataBounds(file, ds, pd, size) : null;
  if (pixelError) return pixelError;

  if (overruns.length > 0) {
    const first = overruns[0];
    if (pd && first.tag > PIXEL_DATA) {
      // Only elements after Pixel Data (e.g. Data Set Trailing Padding (FFFC,FFFC)) are cut: the image is
      // complete, so it is read, with a warning (see tests: truncated-nema-ct1-minus-1-byte).
      warnings.push(
        `the file ends inside ${tagLabel(first.tag)} after the Pixel Data (${first.dataOffset + first.length - size} ` +
          'bytes missing); the pixel data is complete and was read',
      );
      return null;
    }
    return new DicomError(
      file,
      `the file ends inside the data set at byte ${size} (in element ${tagLabel(first.tag)}, which needs ` +
        `${first.dataOffset + first.length} bytes)${pd ? '' : ', before the Pixel Data'}: truncated`,
      'DICOM_TRUNCATED',
      { bytes: size },
    );
  }
  if (parseException !== null) {
    return new DicomError(file, `malformed or truncated data set (${describe(parseException)})`, 'DICOM');
  }
  for (const w of ds.warnings ?? []) warnings.push(`dicom-parser: ${w}`);
  return null;
}

/** Native (defined-length) Pixel Data that runs past the end of a file of `size` bytes. */
export function nativePixelDataTruncation(file: string, pd: Element, size: number): DicomError | null {
  if (pd.dataOffset + pd.length <= size) return null;
  const present = Math.max(0, size - pd.dataOffset);
  return new DicomError(
    file,
    `Pixel Data is truncated: the file holds ${present} of its ${pd.length} bytes`,
    'DICOM_TRUNCATED',
    { present, declared: pd.length },
  );
}

/** Encapsulated Pixel Data cut inside fragment `index` (1-based) of the `found` fragments seen. */
export function fragmentTruncation(file: string, index: number, found: number): DicomError {
  return new DicomError(
    file,
    `encapsulated Pixel Data is truncated: the file ends inside fragment ${index} of ${found}`,
    'DICOM_TRUNCATED',
  );
}

/** Encapsulated Pixel Data whose Sequence Delimitation Item is missing after `fragments` fragments. */
export function missingPixelDelimiter(file: string, fragments: number): DicomError {
  return new DicomError(
    file,
    'encapsulated Pixel Data has no sequence delimiter: the file ends after fragment ' +
      `${fragments}, so frames may be missing or cut (truncated)`,
    'DICOM_TRUNCATED',
  );
}

function checkPixelDataBounds(file: string, ds: DataSet, pd: Element, size: number): DicomError | null {
  if (!pd.hadUndefinedLength) return nativePixelDataTruncation(file, pd, size);
  const fragments = pd.fragments ?? [];
  for (let i = 0; i < fragments.length; i++) {
    const f = fragments[i];
    if (f.position + f.length > size) return fragmentTruncation(file, i + 1, fragments.length);
  }
  const missingDelimiter = (ds.warnings ?? []).some((w) => /missing sequence delimiter/.test(w));
  if (missingDelimiter || pd.dataOffset + pd.length > size)
    return missingPixelDelimiter(file, fragments.length);
  return null;
}

/**
 * Parses the data set of a file from its first bytes up to the header of Pixel Data (dicom-parser's
 * `untilTag`), for header-only scanning. `bytes` is a prefix of a file of `fileSize` bytes. Returns null when
 * the prefix is not enough to decide anything (it ends before the Pixel Data element, an element runs past
 * it, the data set is deflated): the caller then reads the whole file and uses parseDicomBuffer, whose
 * diagnosis of damaged files is complete. The Pixel Data value itself is not checked here.
 */
export function parseDicomHeaderPrefix(file: string, bytes: Buffer, fileSize: number): ParsedDicom | null {
  if (bytes.length >= fileSize) return null;
  checkPart10Prefix(file, bytes);
  let transferSyntaxUid: string;
  try {
    transferSyntaxUid = readMetaTransferSyntax(file, bytes);
  } catch {
    return null; // decided on the whole file
  }
  if (transferSyntaxUid === DEFLATED_EXPLICIT_LE) return null;
  let dataSet: DataSet;
  try {
    dataSet = dicomParser.parseDicom(bytes, { untilTag: PIXEL_DATA });
  } catch {
    return null;
  }
  const pd = dataSet.elements[PIXEL_DATA];
  if (!pd || pd.dataOffset > bytes.length) return null;
  for (const el of Object.values(dataSet.elements)) {
    if (el !== pd && el.dataOffset + el.length > bytes.length) return null;
  }
  const warnings = (dataSet.warnings ?? []).map((w) => `dicom-parser: ${w}`);
  return { dataSet, transferSyntaxUid, deflated: false, warnings, structuralError: null };
}
