/**
 * Lossy files against the uncompressed member of their image family, and this module's own decoders
 * against independent decoders (libjpeg-turbo for DCT JPEG, jpeg-lossless-decoder-js for lossless JPEG)
 * plus hand-built RLE streams.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readDicomFile } from '../../../src/main/engine/dicom';
import { decodeJpeg8 } from '../../../src/main/engine/dicom/codecs';
import { decodeJpegDct } from '../../../src/main/engine/dicom/decode-jpeg-dct';
import { decodeJpegLossless } from '../../../src/main/engine/dicom/decode-jpeg-lossless';
import { decodePackBits, decodeRleFrame, RleError } from '../../../src/main/engine/dicom/decode-rle';
import { encapsulatedFrames } from '../../../src/main/engine/dicom/pixel-frames';
import { dicomParser } from '../../../src/main/engine/dicom/parse-part10';
import { dataPath, EXPECTED } from './reference-data';

function diffStats(a: Float32Array, b: Float32Array) {
  let max = 0;
  let se = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    se += d * d;
    sum += d;
    max = Math.max(max, Math.abs(d));
  }
  return { max, rmse: Math.sqrt(se / a.length), bias: sum / a.length };
}

/**
 * Tolerances in HU, per syntax, and why:
 * - JPEG-LS near-lossless: the stream's NEAR parameter is 1, and JPEG-LS guarantees |error| <= NEAR per
 *   sample (ISO 14495-1), with slope 1: max 1 HU, exactly.
 * - JPEG 2000 irreversible: no per-pixel bound exists; the encoder's rate gives RMSE ~0.9 HU and max 5 HU
 *   here; limits at about twice that catch a wrong decoder (which is off by hundreds) without flakiness.
 * - JPEG 12-bit (extended): the encoder rescaled HU to 12 bits (slope 2.0002, 2 HU per step); DCT loss
 *   gives RMSE ~5 HU, max ~36 HU.
 * - JPEG 8-bit (baseline): slope 32.12, so one stored step is 32 HU; the encoder truncated (bias about
 *   -19 HU, half a step), RMSE ~23 HU, max ~64 HU (two steps).
 */
const LOSSY: { rel: string; max: number; rmse: number; bias: number }[] = [
  { rel: 'ct-single/ctimage_jpeg-ls-near-lossless.dcm', max: 1, rmse: 1, bias: 0.5 },
  { rel: 'ct-single/ctimage_j2k-lossy.dcm', max: 10, rmse: 2, bias: 0.5 },
  { rel: 'ct-single/ctimage_jpeg-extended-12bit-lossy.dcm', max: 60, rmse: 8, bias: 2.5 },
  { rel: 'ct-single/ctimage_jpeg-baseline-8bit-lossy.dcm', max: 3 * 32.13, rmse: 32.13, bias: 32.13 },
];

describe('lossy files against their family reference', () => {
  it.each(LOSSY)('$rel within max $max, RMSE $rmse, |bias| $bias HU', async ({ rel, max, rmse, bias }) => {
    const refRel = EXPECTED[rel].family_reference as string;
    expect(refRel).toBe('ct-single/ctimage_explicit-vr-le.dcm');
    const [lossy, ref] = await Promise.all([readDicomFile(dataPath(rel)), readDicomFile(dataPath(refRel))]);
    const d = diffStats(lossy.frames[0].hu, ref.frames[0].hu);
    expect(d.max, `${rel}: ${JSON.stringify(d)}`).toBeLessThanOrEqual(max);
    expect(d.rmse, `${rel}: ${JSON.stringify(d)}`).toBeLessThanOrEqual(rmse);
    expect(Math.abs(d.bias), `${rel}: ${JSON.stringify(d)}`).toBeLessThanOrEqual(bias);
    expect(lossy.warnings.join(' ')).toMatch(/lossy compression/);
  });
});

function firstFrame(rel: string): Uint8Array {
  const bytes = readFileSync(dataPath(rel));
  const ds = dicomParser.parseDicom(bytes);
  return encapsulatedFrames(rel, ds, ds.elements.x7fe00010, 1, true)[0];
}

describe('own JPEG decoders against independent ones', () => {
  it('DCT decoder matches libjpeg-turbo on the 8-bit baseline file within 1 grey level', async () => {
    const enc = firstFrame('ct-single/ctimage_jpeg-baseline-8bit-lossy.dcm');
    const ours = decodeJpegDct(enc);
    const turbo = await decodeJpeg8(enc);
    expect([ours.width, ours.height, ours.precision]).toEqual([turbo.width, turbo.height, 8]);
    let max = 0;
    let differing = 0;
    for (let i = 0; i < ours.samples.length; i++) {
      const d = Math.abs(ours.samples[i] - turbo.samples[i]);
      max = Math.max(max, d);
      if (d > 0) differing++;
    }
    // libjpeg's default integer IDCT rounds differently from the float IDCT here.
    expect(max).toBeLessThanOrEqual(1);
    expect(differing / ours.samples.length).toBeLessThan(0.05);
  });

  it('lossless decoder matches jpeg-lossless-decoder-js on the process 14 file', () => {
    const enc = firstFrame('ct-single/ctimage_jpeg-lossless-p14.dcm');
    const ours = decodeJpegLossless(enc);
    const require = createRequire(import.meta.url);
    const lib = require('jpeg-lossless-decoder-js') as {
      Decoder: new () => { decode(b: ArrayBuffer, o: number, l: number, n: number): Uint16Array };
    };
    const theirs = new lib.Decoder().decode(enc.buffer as ArrayBuffer, enc.byteOffset, enc.length, 2);
    expect(ours.samples).toEqual(theirs);
  });

  it('lossless decoder reproduces the last pixel that jpeg-lossless-decoder-js drops (SV1 file)', async () => {
    const sv1 = await readDicomFile(dataPath('ct-single/ctimage_jpeg-lossless-p14-sv1.dcm'));
    const ref = await readDicomFile(dataPath('ct-single/ctimage_explicit-vr-le.dcm'));
    expect(sv1.frames[0].hu).toEqual(ref.frames[0].hu);
  });
});

describe('RLE (PS3.5 Annex G)', () => {
  it('PackBits: literal, replicate and no-op runs', () => {
    // 2 -> copy 3 bytes; -3 (253) -> repeat next byte 4 times; -128 -> no-op; 0 -> copy 1 byte
    const src = Uint8Array.from([2, 10, 11, 12, 253, 7, 128, 0, 9]);
    const out = new Uint8Array(8);
    expect(decodePackBits(src, 0, src.length, out)).toBe(8);
    expect([...out]).toEqual([10, 11, 12, 7, 7, 7, 7, 9]);
  });

  it('16-bit frame: high-byte segment then low-byte segment, output little-endian', () => {
    const values = [0x1234, 0xf830, 0x0001];
    const hi = [2, ...values.map((v) => v >> 8)];
    const lo = [2, ...values.map((v) => v & 0xff)];
    const header = new Uint8Array(64);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, 2, true);
    dv.setUint32(4, 64, true);
    dv.setUint32(8, 64 + hi.length, true);
    const frame = Uint8Array.from([...header, ...hi, ...lo]);
    const out = decodeRleFrame(frame, 3, 2);
    expect([...new Uint16Array(out.buffer)]).toEqual(values);
  });

  it('rejects short segments and wrong segment counts with an RleError', () => {
    const header = new Uint8Array(64);
    new DataView(header.buffer).setUint32(0, 1, true);
    new DataView(header.buffer).setUint32(4, 64, true);
    expect(() => decodeRleFrame(Uint8Array.from([...header, 0, 5]), 4, 1)).toThrow(/decodes to 1 of 4 bytes/);
    expect(() => decodeRleFrame(Uint8Array.from([...header, 0, 5]), 1, 2)).toThrow(RleError);
    expect(() => decodeRleFrame(new Uint8Array(10), 1, 1)).toThrow(/shorter than its 64-byte header/);
  });
});
