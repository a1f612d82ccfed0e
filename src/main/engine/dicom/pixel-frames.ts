/**
 * Locating each frame's bytes in Pixel Data (7FE0,0010).
 * Native: frames are consecutive, rows x columns x samples x BitsAllocated/8 bytes each (PS3.5 8.1.1).
 * Encapsulated (PS3.5 A.4): an item with the Basic Offset Table, then fragments. A frame may span several
 * fragments; without an offset table, frame boundaries are found from the codestream start markers.
 */
import type { DataSet, Element } from 'dicom-parser';
import { DicomError } from '@shared/errors';
import { dicomParser } from './parse-part10';

export const PIXEL_DATA_TAG = 'x7fe00010';

/** Bytes the native pixel data of one frame needs. */
export function nativeFrameBytes(
  rows: number,
  columns: number,
  samples: number,
  bitsAllocated: number,
): number {
  return (rows * columns * samples * bitsAllocated) / 8;
}

/**
 * Checks that native Pixel Data holds `frames` frames, given the bytes of its value present in the file
 * (an odd-length element has one pad byte; extra bytes are ignored).
 */
export function checkNativeLength(file: string, available: number, frames: number, frameBytes: number): void {
  const needed = frames * frameBytes;
  if (available < needed) {
    throw new DicomError(
      file,
      `Pixel Data is truncated: it holds ${available} bytes but rows x columns x frames x bytes per pixel ` +
        `needs ${needed} (${frames} frame(s) of ${frameBytes} bytes)`,
      'DICOM_TRUNCATED',
      { available, needed },
    );
  }
}

/** True when a fragment starts with a codestream start: JPEG SOI, J2K SOC, or a JP2 signature box. */
function startsCodestream(b: Uint8Array): boolean {
  if (b.length >= 2 && b[0] === 0xff && (b[1] === 0xd8 || b[1] === 0x4f)) return true;
  return (
    b.length >= 8 && b[0] === 0 && b[1] === 0 && b[2] === 0 && b[3] === 0x0c && b[4] === 0x6a && b[5] === 0x50
  );
}

function fragmentBytes(ds: DataSet, f: { position: number; length: number }): Uint8Array {
  return ds.byteArray.subarray(f.position, f.position + f.length);
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const total = parts.reduce((s, p) => s + p.length, 0);
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function validOffsetTable(bot: number[], fragments: { offset: number }[], frames: number): boolean {
  if (bot.length !== frames) return false;
  const starts = new Set(fragments.map((f) => f.offset));
  for (let i = 0; i < bot.length; i++) {
    if (!starts.has(bot[i])) return false;
    if (i > 0 && bot[i] <= bot[i - 1]) return false;
  }
  return true;
}

/**
 * The encoded bytes of every frame of encapsulated Pixel Data.
 * `hasStartMarkers`: the codestream begins with a marker (JPEG, JPEG-LS, JPEG 2000; not RLE), so frames can
 * be found without an offset table.
 */
export function encapsulatedFrames(
  file: string,
  ds: DataSet,
  pd: Element,
  frames: number,
  hasStartMarkers: boolean,
): Uint8Array[] {
  const fragments = pd.fragments ?? [];
  if (fragments.length === 0) {
    throw new DicomError(file, 'encapsulated Pixel Data has no fragments: no image data', 'DICOM_TRUNCATED');
  }
  const bot = pd.basicOffsetTable ?? [];
  let out: Uint8Array[];
  if (frames === 1) {
    out = [concat(fragments.map((f) => fragmentBytes(ds, f)))];
  } else if (validOffsetTable(bot, fragments, frames)) {
    out = [];
    for (let i = 0; i < frames; i++) {
      out.push(new Uint8Array(dicomParser.readEncapsulatedImageFrame(ds, pd, i, bot)));
    }
  } else if (fragments.length === frames) {
    out = fragments.map((f) => fragmentBytes(ds, f));
  } else if (!hasStartMarkers) {
    throw new DicomError(
      file,
      `encapsulated Pixel Data has ${fragments.length} fragments for ${frames} frames and no usable ` +
        'Basic Offset Table; this encoding (RLE) needs one fragment per frame (PS3.5 A.4)',
    );
  } else {
    // No usable Basic Offset Table: a frame starts at each fragment that begins a codestream.
    const groups: Uint8Array[][] = [];
    for (const f of fragments) {
      const b = fragmentBytes(ds, f);
      if (startsCodestream(b) || groups.length === 0) groups.push([b]);
      else groups[groups.length - 1].push(b);
    }
    if (groups.length !== frames) {
      throw new DicomError(
        file,
        `cannot split ${fragments.length} Pixel Data fragments into ${frames} frames ` +
          `(found ${groups.length} codestream starts and no usable Basic Offset Table)`,
      );
    }
    out = groups.map(concat);
  }
  out.forEach((b, i) => {
    if (b.length === 0) throw new DicomError(file, `frame ${i + 1} has no encoded bytes`, 'DICOM_TRUNCATED');
  });
  return out;
}
