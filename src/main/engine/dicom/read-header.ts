/**
 * readDicomHeader: one DICOM file -> DicomHeader, reading only up to Pixel Data (header-only scanning).
 *
 * The first HEAD_BYTES of the file are parsed with dicom-parser's `untilTag` (x7fe00010), which stops at the
 * Pixel Data element's header, so a 512 x 512 slice is decided on its first few kilobytes. The header goes
 * through the same checks as a full read (check-header.ts), so a file refused here would be refused when
 * decoded, and the Pixel Data is checked without decoding it:
 *  - native: its declared length and rows x columns x frames against the file size;
 *  - encapsulated: its item headers are walked (8 bytes each, read at their offsets), so a file cut inside
 *    a fragment or missing its sequence delimiter is found (PS3.5 A.4).
 * Small files, files whose header is longer than HEAD_BYTES, deflated data sets (the header is compressed)
 * and anything the prefix cannot decide are read whole and parsed as readDicomFile does.
 *
 * File access is synchronous on purpose: one open, one read and one close per file is the cost a scan of
 * 10,000 files pays, and the thread-pool round trips of fs.promises would double it. The scan yields to the
 * event loop between files (scan.ts).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DicomError } from '@shared/errors';
import type { DicomHeader } from '@shared/dicom-types';
import type { DataSet } from 'dicom-parser';
import { checkHeader, type CheckOptions } from './check-header';
import {
  checkPart10Prefix,
  fragmentTruncation,
  missingPixelDelimiter,
  nativePixelDataTruncation,
  parseDicomBuffer,
  parseDicomHeaderPrefix,
} from './parse-part10';
import { PIXEL_DATA_TAG } from './pixel-frames';

/** Bytes read first: CT headers are 2-40 KiB (private vendor groups included). */
export const HEAD_BYTES = 64 * 1024;

export interface ReadHeaderOptions extends CheckOptions {
  /**
   * Called with the parsed data set before it is checked, so also for DICOM files that are then refused
   * (the audit reads their identifiers for redaction: a refused file's path is still written).
   */
  onDataSet?: (ds: DataSet) => void;
}

export function fsReason(e: unknown): string {
  const code = (e as { code?: string } | null)?.code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a folder, not a file (use scanDicom for folders)';
  return `cannot read the file (${code ?? String(e)})`;
}

function readAt(fd: number, position: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const n = readSync(fd, b, got, length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got === length ? b : b.subarray(0, got);
}

const ITEM = 0xe000fffe; // (FFFE,E000) read as a little-endian uint32 of group then element
const SEQUENCE_DELIMITER = 0xe0ddfffe;

/**
 * Walks the items of encapsulated Pixel Data starting at `offset` (the Basic Offset Table item first, then
 * one item per fragment, then the Sequence Delimitation Item); returns the first damage found, or null.
 */
function walkEncapsulated(file: string, fd: number, offset: number, size: number): DicomError | null {
  let pos = offset;
  let items = 0;
  for (;;) {
    const fragments = Math.max(0, items - 1); // the first item is the Basic Offset Table
    if (pos + 8 > size) return missingPixelDelimiter(file, fragments);
    const h = readAt(fd, pos, 8);
    const tag = h.readUInt32LE(0);
    const length = h.readUInt32LE(4);
    if (tag === SEQUENCE_DELIMITER) return null;
    if (tag !== ITEM) {
      return new DicomError(
        file,
        `encapsulated Pixel Data is malformed: no item tag (FFFE,E000) at byte ${pos} after ${fragments} fragment(s)`,
        'DICOM',
      );
    }
    items++;
    if (pos + 8 + length > size) {
      if (items === 1) {
        return new DicomError(
          file,
          'encapsulated Pixel Data is truncated: the file ends inside its Basic Offset Table',
          'DICOM_TRUNCATED',
        );
      }
      return fragmentTruncation(file, items - 1, items - 1);
    }
    pos += 8 + length;
  }
}

function headerFromBytes(file: string, bytes: Buffer, opts: ReadHeaderOptions): DicomHeader {
  const parsed = parseDicomBuffer(file, bytes);
  opts.onDataSet?.(parsed.dataSet);
  const all = parsed.dataSet.byteArray.length; // a deflated file's inflated bytes
  const pdOffset = parsed.dataSet.elements[PIXEL_DATA_TAG]?.dataOffset ?? all;
  return checkHeader(file, parsed, opts, all - pdOffset).header;
}

/** Reads and checks the header of one DICOM file without decoding its pixels (see the file comment). */
export function readDicomHeaderSync(path: string, opts: ReadHeaderOptions = {}): DicomHeader {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new DicomError(path, fsReason(e), 'DICOM');
  }
  try {
    let size: number;
    let head: Buffer;
    try {
      const st = fstatSync(fd);
      if (st.isDirectory()) throw Object.assign(new Error('folder'), { code: 'EISDIR' });
      size = st.size;
      head = readAt(fd, 0, Math.min(size, HEAD_BYTES));
    } catch (e) {
      throw new DicomError(path, fsReason(e), 'DICOM');
    }
    checkPart10Prefix(path, head);
    const parsed = parseDicomHeaderPrefix(path, head, size);
    if (!parsed) {
      const all = head.length === size ? head : readAt(fd, 0, size);
      return headerFromBytes(path, all, opts);
    }
    opts.onDataSet?.(parsed.dataSet);
    const pd = parsed.dataSet.elements[PIXEL_DATA_TAG];
    parsed.structuralError = pd.hadUndefinedLength
      ? walkEncapsulated(path, fd, pd.dataOffset, size)
      : nativePixelDataTruncation(path, pd, size);
    return checkHeader(path, parsed, opts, size - pd.dataOffset).header;
  } finally {
    closeSync(fd);
  }
}

/** readDicomHeaderSync as a promise (the work is synchronous; see the file comment). */
export async function readDicomHeader(path: string, opts: ReadHeaderOptions = {}): Promise<DicomHeader> {
  return readDicomHeaderSync(path, opts);
}
