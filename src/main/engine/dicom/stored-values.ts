/**
 * Raw pixel bytes / codec output -> stored values (the integers before the modality LUT), one typed
 * array per frame: Int32Array, or Uint32Array for unsigned 32-bit pixels.
 *
 * Native data is read as stored, like pydicom and Cornerstone: no masking of bits above Bits Stored
 * (PS3.5 8.1.1 allows writers to leave them; the reference data never needs it). Values that do not fit
 * Bits Stored are counted so the caller can warn. Codec output is different: codecs return the raw bit
 * pattern of `precision` bits, so signed pixels (Pixel Representation 1) are sign-extended from Bits
 * Stored when the codec reports unsigned samples (e.g. the JPEG 2000 "pixel representation mismatch"
 * files of pydicom issue #1149, and JPEG-LS / JPEG lossless of signed data, which carry no sign).
 */

export type StoredValues = Int32Array | Uint32Array;

/**
 * Reads `count` samples of `bitsAllocated` bits starting at `offset`.
 * `swapBytePairs`: 8-bit samples in an OW element of a big-endian file are byte-swapped in 16-bit words.
 */
export function readNativeSamples(
  bytes: Uint8Array,
  offset: number,
  count: number,
  bitsAllocated: 8 | 16 | 32,
  signed: boolean,
  littleEndian: boolean,
  swapBytePairs = false,
): StoredValues {
  const view = new DataView(bytes.buffer, bytes.byteOffset + offset, (count * bitsAllocated) / 8);
  if (bitsAllocated === 32) {
    if (!signed) {
      const out = new Uint32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, littleEndian);
      return out;
    }
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, littleEndian);
    return out;
  }
  const out = new Int32Array(count);
  if (bitsAllocated === 16) {
    if (signed) for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, littleEndian);
    else for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, littleEndian);
    return out;
  }
  const b = bytes.subarray(offset, offset + count + (swapBytePairs ? 1 : 0));
  for (let i = 0; i < count; i++) {
    const v = b[swapBytePairs ? i ^ 1 : i];
    out[i] = signed && v >= 0x80 ? v - 0x100 : v;
  }
  return out;
}

/** Decoded codec samples (one per pixel) and what the codec said about their sign. */
export interface CodecSamples {
  samples: Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array;
  /** true/false when the codec stream declares the sign (JPEG 2000); null when it cannot (JPEG, JPEG-LS). */
  signed: boolean | null;
}

export function codecSamplesToStored(
  { samples, signed }: CodecSamples,
  pixelRepresentation: 0 | 1,
  bitsStored: number,
): StoredValues {
  const n = samples.length;
  const out = new Int32Array(n);
  const codecIsSigned = signed === true || samples instanceof Int8Array || samples instanceof Int16Array;
  if (pixelRepresentation === 1 && !codecIsSigned) {
    const shift = 32 - bitsStored;
    for (let i = 0; i < n; i++) out[i] = (samples[i] << shift) >> shift;
    return out;
  }
  for (let i = 0; i < n; i++) out[i] = samples[i];
  return out;
}

/** Number of values outside the range Bits Stored can represent with the given signedness. */
export function countOutsideBitsStored(stored: StoredValues, bitsStored: number, signed: boolean): number {
  if (bitsStored >= 32) return 0;
  const lo = signed ? -(2 ** (bitsStored - 1)) : 0;
  const hi = signed ? 2 ** (bitsStored - 1) - 1 : 2 ** bitsStored - 1;
  let n = 0;
  for (let i = 0; i < stored.length; i++) if (stored[i] < lo || stored[i] > hi) n++;
  return n;
}
