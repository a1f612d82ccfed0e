/**
 * Stored values for every Bits Allocated / Pixel Representation / byte order, codec sign handling, and
 * the modality LUT with Pixel Padding Value and Range Limit (synthetic bytes, values written by DataView).
 */
import { describe, expect, it } from 'vitest';
import { applyModalityLut, paddingSpec } from '../../../src/main/engine/dicom/modality-lut';
import {
  codecSamplesToStored,
  countOutsideBitsStored,
  readNativeSamples,
} from '../../../src/main/engine/dicom/stored-values';

function bytesOf(values: number[], bits: 8 | 16 | 32, signed: boolean, le: boolean): Uint8Array {
  const b = new Uint8Array(values.length * (bits / 8) + 3);
  const v = new DataView(b.buffer, 3); // an unaligned offset, as inside a real file
  values.forEach((x, i) => {
    if (bits === 8) v.setUint8(i, x & 0xff);
    else if (bits === 16) (signed ? v.setInt16 : v.setUint16).call(v, i * 2, x, le);
    else (signed ? v.setInt32 : v.setUint32).call(v, i * 4, x, le);
  });
  return b;
}

describe('readNativeSamples', () => {
  const cases: { bits: 8 | 16 | 32; signed: boolean; values: number[] }[] = [
    { bits: 8, signed: false, values: [0, 1, 127, 128, 255] },
    { bits: 8, signed: true, values: [0, 1, 127, -128, -1] },
    { bits: 16, signed: false, values: [0, 1, 32767, 32768, 65535] },
    { bits: 16, signed: true, values: [0, -2000, 32767, -32768, -1] },
    { bits: 32, signed: false, values: [0, 1, 2 ** 31, 2 ** 32 - 1, 1254000] },
    { bits: 32, signed: true, values: [0, -1, 2 ** 31 - 1, -(2 ** 31), -3024] },
  ];
  for (const le of [true, false]) {
    it.each(cases)(`$bits-bit signed=$signed ${le ? 'little' : 'big'} endian`, ({ bits, signed, values }) => {
      const got = readNativeSamples(bytesOf(values, bits, signed, le), 3, values.length, bits, signed, le);
      expect([...got]).toEqual(values);
      expect(got).toBeInstanceOf(bits === 32 && !signed ? Uint32Array : Int32Array);
    });
  }

  it('8-bit samples in an OW element of a big-endian file are swapped in pairs', () => {
    const b = Uint8Array.from([2, 1, 4, 3]);
    expect([...readNativeSamples(b, 0, 4, 8, false, false, true)]).toEqual([1, 2, 3, 4]);
  });
});

describe('codecSamplesToStored', () => {
  it('sign-extends unsigned codec output from Bits Stored when Pixel Representation is 1', () => {
    // 13-bit two's complement of -2000 is 6192 (the J2K pixel representation mismatch case)
    const got = codecSamplesToStored({ samples: Uint16Array.from([6192, 27, 0x1fff]), signed: false }, 1, 13);
    expect([...got]).toEqual([-2000, 27, -1]);
    const jls = codecSamplesToStored({ samples: Uint16Array.from([0xf830, 5]), signed: null }, 1, 16);
    expect([...jls]).toEqual([-2000, 5]);
  });

  it('keeps signed codec output and unsigned pixels as they are', () => {
    expect([...codecSamplesToStored({ samples: Int16Array.from([-5, 7]), signed: true }, 1, 16)]).toEqual([
      -5, 7,
    ]);
    expect([...codecSamplesToStored({ samples: Uint16Array.from([4095]), signed: null }, 0, 12)]).toEqual([
      4095,
    ]);
  });

  it('counts values outside Bits Stored', () => {
    expect(countOutsideBitsStored(Int32Array.from([-2048, 2047, 2048, -2049]), 12, true)).toBe(2);
    expect(countOutsideBitsStored(Int32Array.from([0, 4095, 4096]), 12, false)).toBe(1);
  });
});

describe('applyModalityLut', () => {
  const rescale = { slope: 2, intercept: -1024, type: 'HU', source: 'top-level' as const };
  it('HU = stored x slope + intercept, padding flagged on stored values', () => {
    const r = applyModalityLut(
      Int32Array.from([-2000, 0, 512]),
      rescale,
      paddingSpec({ pixelPaddingValue: -2000, pixelPaddingRangeLimit: null }),
    );
    expect([...r.hu]).toEqual([-5024, -1024, 0]);
    expect([...(r.paddingMask as Uint8Array)]).toEqual([1, 0, 0]);
  });

  it('Pixel Padding Range Limit marks the closed range, in either order', () => {
    const stored = Int32Array.from([-3000, -2500, -2000, -1999, 0]);
    for (const [v, l] of [
      [-3000, -2000],
      [-2000, -3000],
    ]) {
      const r = applyModalityLut(
        stored,
        rescale,
        paddingSpec({ pixelPaddingValue: v, pixelPaddingRangeLimit: l }),
      );
      expect([...(r.paddingMask as Uint8Array)]).toEqual([1, 1, 1, 0, 0]);
    }
    expect(applyModalityLut(stored, rescale, null).paddingMask).toBeNull();
  });
});
