/**
 * Sequential DCT JPEG decoder with Huffman coding (ITU-T T.81 processes 1, 2 and 4: baseline 8-bit and
 * extended 12-bit), greyscale only. Written here because the 8-bit libjpeg-turbo codec cannot decode
 * the 12-bit samples of DICOM "JPEG Extended (Process 2 & 4)" (1.2.840.10008.1.2.4.51), and no maintained
 * npm package does (jpeg-js is 8-bit). Section numbers refer to T.81.
 * The inverse DCT is the separable floating-point form of A.3.3; results can differ from libjpeg's
 * integer IDCT by about one grey level, which is within the loss of these lossy syntaxes.
 */

import {
  BitReader,
  extend,
  type Huffman,
  JpegError,
  readJpegFrameInfo,
  SOF_NAMES,
  walkJpeg,
} from './jpeg-bitstream';

export { JpegError, readJpegFrameInfo };

const ZIGZAG = new Int32Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
]);

/** IDCT basis T[x * 8 + u] = C(u) / 2 * cos((2x + 1) u pi / 16), C(0) = 1 / sqrt(2) (A.3.3). */
const BASIS = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) {
    for (let u = 0; u < 8; u++) {
      t[x * 8 + u] = ((u === 0 ? Math.SQRT1_2 : 1) / 2) * Math.cos(((2 * x + 1) * u * Math.PI) / 16);
    }
  }
  return t;
})();

export interface JpegDctImage {
  width: number;
  height: number;
  precision: number;
  samples: Uint16Array;
}

/** Decodes a greyscale baseline/extended sequential Huffman JPEG (8 or 12-bit samples). */
export function decodeJpegDct(d: Uint8Array): JpegDctImage {
  const info = readJpegFrameInfo(d);
  if (info.sof !== 0xc0 && info.sof !== 0xc1) {
    throw new JpegError(
      `JPEG ${SOF_NAMES[info.sof] ?? `SOF 0x${info.sof.toString(16)}`} is not sequential DCT`,
    );
  }
  if (info.components !== 1)
    throw new JpegError(`JPEG has ${info.components} components; only greyscale is read`);
  if (info.precision !== 8 && info.precision !== 12) throw new JpegError(`JPEG precision ${info.precision}`);
  if (info.width === 0 || info.height === 0)
    throw new JpegError('JPEG frame has no size (DNL is not supported)');
  const { width, height, precision } = info;
  const out = new Uint16Array(width * height);
  let scans = 0;
  walkJpeg(d, (frame, tables, scan, reader) => {
    if (scans++ > 0) throw new JpegError('more than one scan in a sequential greyscale JPEG');
    const q = tables.qt[frame.frameComponents[0].tq];
    const { td, ta } = scan.components[0];
    if (!q || !tables.dc[td] || !tables.ac[ta]) {
      throw new JpegError('scan uses a missing quantization or Huffman table');
    }
    decodeScan(
      reader,
      tables.dc[td],
      tables.ac[ta],
      q,
      tables.restartInterval,
      width,
      height,
      precision,
      out,
    );
    reader.checkComplete();
  });
  if (scans === 0) throw new JpegError('JPEG stream has no scan');
  return { width, height, precision, samples: out };
}

function decodeScan(
  r: BitReader,
  dcTable: Huffman,
  acTable: Huffman,
  q: Int32Array,
  restartInterval: number,
  width: number,
  height: number,
  precision: number,
  out: Uint16Array,
): void {
  const bw = Math.ceil(width / 8);
  const bh = Math.ceil(height / 8);
  const coef = new Float64Array(64);
  const tmp = new Float64Array(64);
  const shift = 1 << (precision - 1);
  const maxVal = (1 << precision) - 1;
  let pred = 0;
  const total = bw * bh;
  for (let n = 0; n < total; n++) {
    if (restartInterval > 0 && n > 0 && n % restartInterval === 0) {
      r.restart();
      pred = 0;
    }
    // F.2.2.1 DC difference, F.2.2.2 AC coefficients, dequantized into natural order.
    coef.fill(0);
    const t = r.decode(dcTable);
    pred += t === 0 ? 0 : extend(r.receive(t), t);
    coef[0] = pred * q[0];
    for (let k = 1; k < 64;) {
      const rs = r.decode(acTable);
      const s = rs & 15;
      const run = rs >> 4;
      if (s === 0) {
        if (run !== 15) break;
        k += 16;
        continue;
      }
      k += run;
      if (k > 63) throw new JpegError('AC coefficient index past 63');
      coef[ZIGZAG[k]] = extend(r.receive(s), s) * q[k];
      k++;
    }
    // Separable inverse DCT (A.3.3): rows then columns.
    for (let v = 0; v < 8; v++) {
      for (let x = 0; x < 8; x++) {
        let s = 0;
        for (let u = 0; u < 8; u++) s += BASIS[x * 8 + u] * coef[v * 8 + u];
        tmp[v * 8 + x] = s;
      }
    }
    const by = Math.floor(n / bw) * 8;
    const bx = (n % bw) * 8;
    for (let y = 0; y < 8 && by + y < height; y++) {
      for (let x = 0; x < 8 && bx + x < width; x++) {
        let s = 0;
        for (let v = 0; v < 8; v++) s += BASIS[y * 8 + v] * tmp[v * 8 + x];
        const val = Math.round(s + shift);
        out[(by + y) * width + bx + x] = val < 0 ? 0 : val > maxVal ? maxVal : val;
      }
    }
  }
}
