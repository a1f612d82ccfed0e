/**
 * DICOM RLE Lossless decoder (PS3.5 Annex G).
 *
 * A frame is a 64-byte header (G.5: number of segments, then 15 little-endian uint32 segment offsets)
 * followed by segments. Each segment is one byte plane compressed with a PackBits-style scheme (G.3.1):
 * header byte n in [0, 127] -> copy the next n + 1 bytes; n in [-127, -1] -> repeat the next byte
 * -n + 1 times; n = -128 -> no operation. Segments are ordered by sample, then from the most to the least
 * significant byte of the sample (G.2), so 16-bit greyscale has 2 segments: high bytes, then low bytes.
 * Output: the frame in native little-endian layout (what readNativeSamples reads).
 */

export class RleError extends Error {}

/** Decodes one RLE segment into `out` (exactly out.length bytes); returns the number of bytes produced. */
export function decodePackBits(src: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let i = start;
  let o = 0;
  const n = out.length;
  while (i < end && o < n) {
    const h = src[i++];
    if (h < 128) {
      const count = h + 1;
      if (i + count > end) throw new RleError('literal run extends past the end of the segment');
      const take = Math.min(count, n - o);
      out.set(src.subarray(i, i + take), o);
      o += take;
      i += count;
    } else if (h > 128) {
      if (i >= end) throw new RleError('replicate run has no byte to repeat');
      const count = 257 - h;
      const v = src[i++];
      const take = Math.min(count, n - o);
      out.fill(v, o, o + take);
      o += take;
    }
    // h === 128 (-128): no operation (G.3.1)
  }
  return o;
}

/**
 * Decodes an RLE frame of rows x columns pixels with `bytesPerSample` bytes (1, 2 or 4) and 1 sample.
 * Throws RleError when the frame is malformed or decodes to fewer bytes than the image needs.
 */
export function decodeRleFrame(frame: Uint8Array, pixels: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64)
    throw new RleError(`RLE frame is ${frame.length} bytes, shorter than its 64-byte header`);
  const view = new DataView(frame.buffer, frame.byteOffset, 64);
  const segments = view.getUint32(0, true);
  if (segments !== bytesPerSample) {
    throw new RleError(
      `RLE header declares ${segments} segments, but ${bytesPerSample}-byte pixels need ${bytesPerSample}`,
    );
  }
  const offsets: number[] = [];
  for (let s = 0; s < segments; s++) offsets.push(view.getUint32(4 + 4 * s, true));
  offsets.push(frame.length);
  const out = new Uint8Array(pixels * bytesPerSample);
  const plane = new Uint8Array(pixels);
  for (let s = 0; s < segments; s++) {
    const start = offsets[s];
    const end = offsets[s + 1];
    if (start < 64 || end > frame.length || end < start) {
      throw new RleError(
        `RLE segment ${s + 1} has invalid bounds ${start}..${end} (frame is ${frame.length} bytes)`,
      );
    }
    plane.fill(0);
    const got = decodePackBits(frame, start, end, plane);
    if (got < pixels)
      throw new RleError(`RLE segment ${s + 1} decodes to ${got} of ${pixels} bytes (truncated)`);
    // Segment s holds byte (bytesPerSample - 1 - s) of each little-endian sample (most significant first).
    const byteIndex = bytesPerSample - 1 - s;
    for (let p = 0, q = byteIndex; p < pixels; p++, q += bytesPerSample) out[q] = plane[p];
  }
  return out;
}
