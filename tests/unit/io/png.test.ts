import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import { encodeGrayPng } from '../../../src/main/engine/io/png';

describe('png', () => {
  it('encodes 8-bit greyscale that decodes back to the same pixels', () => {
    const w = 5;
    const h = 3;
    const gray = Uint8Array.from({ length: w * h }, (_, i) => (i * 17) % 256);
    const decoded = PNG.sync.read(encodeGrayPng(gray, w, h));
    expect([decoded.width, decoded.height]).toEqual([w, h]);
    // pngjs decodes to RGBA: every channel of a grey pixel equals the grey value.
    for (let i = 0; i < w * h; i++) expect(decoded.data[4 * i]).toBe(gray[i]);
  });
  it('rejects a buffer of the wrong size', () => {
    expect(() => encodeGrayPng(new Uint8Array(3), 2, 2)).toThrow(/2x2 needs 4 values, got 3/);
  });
});
