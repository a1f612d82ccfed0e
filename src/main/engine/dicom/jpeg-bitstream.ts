/**
 * JPEG bitstream pieces shared by the DCT and lossless decoders (ITU-T T.81): marker segments, Huffman
 * decoding tables (C.2, F.2.2.3), the entropy-coded-data bit reader with byte stuffing (F.1.2.3) and
 * restart markers, EXTEND (F.2.2.1).
 */

export class JpegError extends Error {}

/** Start-of-frame facts, read without decoding (B.2.2). */
export interface JpegFrameInfo {
  sof: number;
  precision: number;
  width: number;
  height: number;
  components: number;
}

export const SOF_NAMES: Record<number, string> = {
  0xc2: 'progressive DCT (SOF2)',
  0xc3: 'lossless (SOF3)',
  0xc5: 'differential sequential (SOF5)',
  0xc6: 'differential progressive (SOF6)',
  0xc7: 'differential lossless (SOF7)',
  0xc9: 'arithmetic-coded sequential (SOF9)',
  0xca: 'arithmetic-coded progressive (SOF10)',
  0xcb: 'arithmetic-coded lossless (SOF11)',
  0xcd: 'arithmetic-coded differential (SOF13)',
  0xce: 'arithmetic-coded differential progressive (SOF14)',
  0xcf: 'arithmetic-coded differential lossless (SOF15)',
};

export function isSof(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

export function u16(d: Uint8Array, p: number): number {
  if (p + 1 >= d.length) throw new JpegError('JPEG data ends inside a marker segment');
  return (d[p] << 8) | d[p + 1];
}

/** Finds the SOF marker and reads its header; throws JpegError when there is none. */
export function readJpegFrameInfo(d: Uint8Array): JpegFrameInfo {
  if (d.length < 4 || d[0] !== 0xff || d[1] !== 0xd8)
    throw new JpegError('not a JPEG stream (no SOI marker)');
  let p = 2;
  while (p + 4 <= d.length) {
    if (d[p] !== 0xff) throw new JpegError(`expected a marker at byte ${p}`);
    const m = d[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    const len = u16(d, p + 2);
    if (isSof(m)) {
      if (p + 10 > d.length) throw new JpegError('JPEG data ends inside the frame header');
      return {
        sof: m,
        precision: d[p + 4],
        height: u16(d, p + 5),
        width: u16(d, p + 7),
        components: d[p + 9],
      };
    }
    if (m === 0xda || m === 0xd9) break;
    p += 2 + len;
  }
  throw new JpegError('no start-of-frame marker before the scan');
}

export interface Huffman {
  maxcode: Int32Array;
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

/** Decoding tables of F.2.2.3 from BITS and HUFFVAL (C.2: code sizes and codes). */
export function buildHuffman(counts: Uint8Array, values: Uint8Array): Huffman {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    const n = counts[l - 1];
    if (n > 0) {
      valptr[l] = k;
      mincode[l] = code;
      code += n;
      k += n;
      maxcode[l] = code - 1;
    }
    code <<= 1;
  }
  maxcode[17] = 0x7fffffff;
  return { maxcode, valptr, mincode, values };
}

export class BitReader {
  private buf = 0;
  private bits = 0;
  /** Set when a marker was met inside entropy-coded data; later reads return zero bits. */
  marker = -1;
  /** Zero bytes fed after a marker or the end of the data (not part of the stream). */
  private fakeBytes = 0;
  constructor(
    private readonly d: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      if (this.marker >= 0 || this.pos >= this.d.length) this.fakeBytes++;
      if (this.marker < 0 && this.pos < this.d.length) {
        byte = this.d[this.pos];
        if (byte === 0xff) {
          const next = this.pos + 1 < this.d.length ? this.d[this.pos + 1] : 0xd9;
          if (next === 0x00) this.pos += 2;
          else {
            this.marker = next;
            this.fakeBytes++;
            byte = 0;
          }
        } else this.pos++;
      }
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  bit(): number {
    if (this.bits === 0) this.fill();
    this.bits--;
    return (this.buf >>> this.bits) & 1;
  }

  receive(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.buf >>> this.bits) & ((1 << n) - 1);
  }

  decode(h: Huffman): number {
    let code = this.bit();
    let l = 1;
    while (code > h.maxcode[l]) {
      code = (code << 1) | this.bit();
      if (++l > 16) throw new JpegError('invalid Huffman code in the scan');
    }
    return h.values[h.valptr[l] + code - h.mincode[l]];
  }

  /**
   * Throws when the decoder used more than a byte of the zero bits fed past a marker or the end of the
   * data: the entropy-coded segment was shorter than the image needs (truncated or corrupt), and going on
   * would silently produce a wrong image.
   */
  checkComplete(): void {
    if (this.fakeBytes * 8 - this.bits > 7) {
      throw new JpegError('the entropy-coded data ends before the image is complete (truncated or corrupt)');
    }
  }

  /** Byte-aligns and consumes an expected RSTn marker (F.1.2.3 / E.1.4). */
  restart(): void {
    this.checkComplete();
    this.fakeBytes = 0;
    this.bits = 0;
    this.buf = 0;
    if (this.marker < 0) {
      while (this.pos + 1 < this.d.length && !(this.d[this.pos] === 0xff && this.d[this.pos + 1] >= 0xd0))
        this.pos++;
      this.marker = this.pos + 1 < this.d.length ? this.d[this.pos + 1] : -1;
    }
    if (this.marker >= 0xd0 && this.marker <= 0xd7) {
      this.pos += 2;
      this.marker = -1;
    }
  }
}

/** EXTEND (F.2.2.1): the signed value of a V of T bits. */
export function extend(v: number, t: number): number {
  return v < 1 << (t - 1) ? v - (1 << t) + 1 : v;
}

export interface JpegTables {
  /** Quantization tables, entries in zigzag order (B.2.4.1). */
  qt: Int32Array[];
  dc: Huffman[];
  ac: Huffman[];
  restartInterval: number;
}

export interface JpegScanHeader {
  /** Scan components (B.2.3): component selector, DC and AC table selectors. */
  components: { id: number; td: number; ta: number }[];
  /** Ss (predictor selection value for lossless), Se, Ah, Al (point transform for lossless). */
  ss: number;
  se: number;
  ah: number;
  al: number;
}

export interface JpegFrameHeader extends JpegFrameInfo {
  /** Frame components (B.2.2): id, sampling factors, quantization table selector. */
  frameComponents: { id: number; h: number; v: number; tq: number }[];
}

/**
 * Walks the marker segments of a JPEG stream (B.2), collecting tables, and calls `onScan` for every
 * scan with a BitReader positioned at its entropy-coded data. Returns the frame header.
 */
export function walkJpeg(
  d: Uint8Array,
  onScan: (frame: JpegFrameHeader, tables: JpegTables, scan: JpegScanHeader, reader: BitReader) => void,
): JpegFrameHeader {
  if (d.length < 4 || d[0] !== 0xff || d[1] !== 0xd8)
    throw new JpegError('not a JPEG stream (no SOI marker)');
  const tables: JpegTables = { qt: [], dc: [], ac: [], restartInterval: 0 };
  let frame: JpegFrameHeader | null = null;
  let p = 2;
  while (p + 4 <= d.length) {
    if (d[p] !== 0xff) throw new JpegError(`expected a marker at byte ${p}`);
    const m = d[p + 1];
    if (m === 0xff) {
      p++;
      continue;
    }
    if (m === 0xd9) break;
    if ((m >= 0xd0 && m <= 0xd8) || m === 0x01) {
      p += 2; // standalone markers (RSTn, SOI, TEM) have no length
      continue;
    }
    const seg = p + 4;
    const segEnd = p + 2 + u16(d, p + 2);
    if (segEnd > d.length) throw new JpegError('JPEG data ends inside a marker segment');
    if (m === 0xdb) {
      for (let q = seg; q < segEnd;) {
        const pq = d[q] >> 4;
        const t = new Int32Array(64);
        const tq = d[q++] & 15;
        for (let k = 0; k < 64; k++) {
          t[k] = pq ? u16(d, q) : d[q];
          q += pq ? 2 : 1;
        }
        tables.qt[tq] = t;
      }
    } else if (m === 0xc4) {
      for (let q = seg; q < segEnd;) {
        const tc = d[q] >> 4;
        const th = d[q] & 15;
        const counts = d.subarray(q + 1, q + 17);
        const n = counts.reduce((s, c) => s + c, 0);
        if (q + 17 + n > segEnd) throw new JpegError('Huffman table runs past its segment');
        (tc === 0 ? tables.dc : tables.ac)[th] = buildHuffman(counts, d.subarray(q + 17, q + 17 + n));
        q += 17 + n;
      }
    } else if (m === 0xdd) {
      tables.restartInterval = u16(d, seg);
    } else if (isSof(m)) {
      const nf = d[seg + 5];
      if (seg + 6 + 3 * nf > segEnd) throw new JpegError('frame header runs past its segment');
      const frameComponents = [];
      for (let i = 0; i < nf; i++) {
        const c = seg + 6 + 3 * i;
        frameComponents.push({ id: d[c], h: d[c + 1] >> 4, v: d[c + 1] & 15, tq: d[c + 2] });
      }
      frame = {
        sof: m,
        precision: d[seg],
        height: u16(d, seg + 1),
        width: u16(d, seg + 3),
        components: nf,
        frameComponents,
      };
    } else if (m === 0xda) {
      if (!frame) throw new JpegError('scan before the frame header');
      const ns = d[seg];
      const components = [];
      for (let i = 0; i < ns; i++) {
        components.push({ id: d[seg + 1 + 2 * i], td: d[seg + 2 + 2 * i] >> 4, ta: d[seg + 2 + 2 * i] & 15 });
      }
      const a = seg + 1 + 2 * ns;
      const scan = { components, ss: d[a], se: d[a + 1], ah: d[a + 2] >> 4, al: d[a + 2] & 15 };
      const reader = new BitReader(d, segEnd);
      onScan(frame, tables, scan, reader);
      // Continue at the next marker that is not a restart marker.
      p = reader.pos;
      while (
        p + 1 < d.length &&
        !(d[p] === 0xff && d[p + 1] !== 0 && d[p + 1] !== 0xff && (d[p + 1] < 0xd0 || d[p + 1] > 0xd7))
      ) {
        p++;
      }
      continue;
    }
    p = segEnd;
  }
  if (!frame) throw new JpegError('no start-of-frame marker');
  return frame;
}
