import { describe, expect, it } from 'vitest';
import { decodeNpy, encodeNpy } from '../../../src/main/engine/io/npy';

/** Build a .npy by hand (independent of encodeNpy) with a given dtype and raw payload. */
function handMade(descr: string, shape: string, payload: Uint8Array, fortran = false, major = 1): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const pre = major === 1 ? 10 : 12;
  header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  if (major === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[pre + i] = header.charCodeAt(i);
  out.set(payload, pre + header.length);
  return out;
}

describe('npy', () => {
  it('round-trips float32 in C order with a 64-byte aligned header', () => {
    const data = Float32Array.from({ length: 24 }, (_, i) => i * 0.5 - 3);
    const bytes = encodeNpy(data, [2, 3, 4]);
    const headerLen = new DataView(bytes.buffer).getUint16(8, true);
    expect((10 + headerLen) % 64).toBe(0);
    const back = decodeNpy(bytes);
    expect(back.shape).toEqual([2, 3, 4]);
    expect(Array.from(back.data)).toEqual(Array.from(data));
  });

  it('reads big-endian int16 and float64', () => {
    const p = new Uint8Array(6);
    const dv = new DataView(p.buffer);
    [-1000, 0, 3071].forEach((v, i) => dv.setInt16(i * 2, v, false));
    expect(Array.from(decodeNpy(handMade('>i2', '(3,)', p)).data)).toEqual([-1000, 0, 3071]);
    const q = new Uint8Array(16);
    new DataView(q.buffer).setFloat64(0, Math.PI, true);
    new DataView(q.buffer).setFloat64(8, -2.5, true);
    const r = decodeNpy(handMade('<f8', '(1, 2)', q, false, 2));
    expect(r.shape).toEqual([1, 2]);
    expect(r.data[0]).toBeCloseTo(Math.PI, 6);
    expect(r.data[1]).toBe(-2.5);
  });

  it('reorders Fortran-order arrays into C order', () => {
    // A = [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6
    const p = new Uint8Array(24);
    [1, 4, 2, 5, 3, 6].forEach((v, i) => new DataView(p.buffer).setFloat32(i * 4, v, true));
    const r = decodeNpy(handMade('<f4', '(2, 3)', p, true));
    expect(Array.from(r.data)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('rejects non-npy, truncated data and complex dtypes with the file name', () => {
    expect(() => decodeNpy(new Uint8Array([1, 2, 3]), 'x.npy')).toThrow(/x\.npy: not a \.npy file/);
    const p = new Uint8Array(8);
    expect(() => decodeNpy(handMade('<f4', '(3,)', p), 'y.npy')).toThrow(
      /y\.npy: truncated .npy data.*needs 12 bytes, file has 8/,
    );
    expect(() => decodeNpy(handMade('<c8', '(1,)', new Uint8Array(8)), 'z.npy')).toThrow(
      /unsupported .npy dtype '<c8'/,
    );
    expect(() => encodeNpy(new Float32Array(3), [2, 2])).toThrow(/holds 4 values, data has 3/);
  });
});
