import { describe, expect, it } from 'vitest';
import { decodeFrame, encodeFrame, transferables, WireError } from '@shared/wire';

describe('wire frames', () => {
  it('round-trips typed arrays of every kind in nested messages, without number lists', () => {
    const msg = {
      type: 'response',
      id: 'r1',
      result: {
        ok: true,
        value: {
          f32: new Float32Array([1.5, -2, 3e-8]),
          list: [new Int16Array([-3, 4]), { u8: new Uint8Array([0, 255]) }],
          f64: new Float64Array([Math.PI]),
          i32: new Int32Array([-(2 ** 31)]),
          u32: new Uint32Array([2 ** 32 - 1]),
          u16: new Uint16Array([65535]),
          i8: new Int8Array([-128]),
          text: 'é ü',
          n: null,
        },
      },
    };
    const frame = encodeFrame(msg);
    // The header (JSON) must not contain the pixel values as a list.
    const headerLength = new DataView(frame.buffer).getUint32(4, true);
    const header = new TextDecoder().decode(frame.subarray(8, 8 + headerLength));
    expect(header).not.toContain('1.5');
    const back = decodeFrame(frame) as typeof msg;
    const v = back.result.value;
    expect(v.f32).toBeInstanceOf(Float32Array);
    expect(Array.from(v.f32)).toEqual(Array.from(msg.result.value.f32));
    expect(v.list[0]).toBeInstanceOf(Int16Array);
    expect(Array.from(v.list[0] as Int16Array)).toEqual([-3, 4]);
    expect(Array.from((v.list[1] as { u8: Uint8Array }).u8)).toEqual([0, 255]);
    expect(v.f64[0]).toBe(Math.PI);
    expect(v.i32[0]).toBe(-(2 ** 31));
    expect(v.u32[0]).toBe(2 ** 32 - 1);
    expect(v.u16[0]).toBe(65535);
    expect(v.i8[0]).toBe(-128);
    expect(v.text).toBe('é ü');
    expect(v.n).toBeNull();
  });

  it('carries Node Buffers and subarray views as their bytes, and decodes unaligned frames', () => {
    const big = new Float32Array([9, 8, 7, 6]);
    const msg = { buf: Buffer.from([1, 2, 3]), view: big.subarray(1, 3) };
    const frame = encodeFrame(msg);
    const unaligned = new Uint8Array(frame.length + 3);
    unaligned.set(frame, 3);
    const back = decodeFrame(unaligned.subarray(3)) as { buf: Uint8Array; view: Float32Array };
    expect(Array.from(back.buf)).toEqual([1, 2, 3]);
    expect(Array.from(back.view)).toEqual([8, 7]);
  });

  it('rejects frames that are not ours or are cut short', () => {
    expect(() => decodeFrame(new Uint8Array(4))).toThrow(WireError);
    expect(() => decodeFrame(new TextEncoder().encode('{"type":"request"}'))).toThrow(/bad magic/);
    const frame = encodeFrame({ a: new Float32Array(16) });
    expect(() => decodeFrame(frame.subarray(0, frame.length - 8))).toThrow(/past the end/);
  });

  it('lists only buffers wholly owned by one array as transferable', () => {
    const own = new Float32Array(4);
    const shared = new Float32Array(8);
    const msg = { own, a: shared.subarray(0, 4), pooled: Buffer.from('abc'), again: own };
    const t = transferables(msg);
    expect(t).toEqual([own.buffer]);
  });
});
