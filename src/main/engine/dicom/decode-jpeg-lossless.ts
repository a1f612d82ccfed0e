/**
 * JPEG lossless decoder, non-hierarchical, Huffman coded (ITU-T T.81 Annex H, process 14; DICOM
 * 1.2.840.10008.1.2.4.57 and .70 = selection value 1), greyscale only.
 *
 * Written here because jpeg-lossless-decoder-js 2.1.2 drops the last sample of some streams (it stops when
 * its look-ahead meets the EOI marker: on ctimage_jpeg-lossless-p14-sv1.dcm the last pixel comes out 0
 * instead of -2000, while GDCM agrees with the uncompressed file). The tests compare this decoder with
 * that library on the streams it decodes correctly.
 */
import { extend, JpegError, SOF_NAMES, walkJpeg } from './jpeg-bitstream';

export interface JpegLosslessImage {
  width: number;
  height: number;
  precision: number;
  samples: Uint16Array;
}

export function decodeJpegLossless(d: Uint8Array): JpegLosslessImage {
  let out: Uint16Array | null = null;
  const frame = walkJpeg(d, (frame, tables, scan, r) => {
    if (frame.sof !== 0xc3) {
      throw new JpegError(`JPEG ${SOF_NAMES[frame.sof] ?? 'sequential DCT'} is not process 14 lossless`);
    }
    if (frame.components !== 1 || scan.components.length !== 1) {
      throw new JpegError(`lossless JPEG with ${frame.components} components; only greyscale is read`);
    }
    if (out) throw new JpegError('more than one scan in a greyscale lossless JPEG');
    const { width, height, precision } = frame;
    const predictor = scan.ss;
    const pt = scan.al;
    if (predictor < 1 || predictor > 7) throw new JpegError(`lossless predictor ${predictor} (must be 1..7)`);
    if (width === 0 || height === 0) throw new JpegError('JPEG frame has no size (DNL is not supported)');
    const table = tables.dc[scan.components[0].td];
    if (!table) throw new JpegError('scan uses a missing Huffman table');
    const rec = new Uint16Array(width * height);
    const initial = 1 << (precision - pt - 1);
    const ri = tables.restartInterval;
    // H.1.2.1: the first line of the scan and of each restart interval predicts from the left (Ra),
    // with 2^(P-Pt-1) for its first sample; other lines start from above (Rb).
    let firstLineRow = 0;
    let atIntervalStart = true;
    for (let i = 0, n = width * height; i < n; i++) {
      if (ri > 0 && i > 0 && i % ri === 0) {
        r.restart();
        atIntervalStart = true;
      }
      const row = (i / width) | 0;
      const col = i - row * width;
      if (atIntervalStart) firstLineRow = row;
      let px: number;
      if (atIntervalStart) px = initial;
      else if (row === firstLineRow) px = rec[i - 1];
      else if (col === 0) px = rec[i - width];
      else {
        const ra = rec[i - 1];
        const rb = rec[i - width];
        const rc = rec[i - width - 1];
        switch (predictor) {
          case 1:
            px = ra;
            break;
          case 2:
            px = rb;
            break;
          case 3:
            px = rc;
            break;
          case 4:
            px = ra + rb - rc;
            break;
          case 5:
            px = ra + ((rb - rc) >> 1);
            break;
          case 6:
            px = rb + ((ra - rc) >> 1);
            break;
          default:
            px = (ra + rb) >> 1;
        }
      }
      atIntervalStart = false;
      // H.1.2.2: SSSS 16 means a difference of 32768 with no additional bits.
      const t = r.decode(table);
      const diff = t === 0 ? 0 : t === 16 ? 32768 : extend(r.receive(t), t);
      rec[i] = (px + diff) & 0xffff; // modulo 2^16 (H.1.2.1)
    }
    r.checkComplete();
    if (pt > 0) for (let i = 0; i < rec.length; i++) rec[i] = (rec[i] << pt) & 0xffff;
    out = rec;
  });
  if (!out) throw new JpegError('JPEG stream has no scan');
  return { width: frame.width, height: frame.height, precision: frame.precision, samples: out };
}
