/**
 * IDX images (idx-source.ts): decoding against files written here byte by byte, fitting to N x N (padding,
 * replication, area averaging) against plain loops, errors naming the file; and Debian's Fashion-MNIST
 * (installed by .ci/run) against reference values computed independently with Python's gzip and struct
 * (counts, pixel sums, the centre pixel) for the first and last images.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '@shared/errors';
import {
  decodeIdxImages,
  fitIdxImage,
  idxSource,
  loadSlices,
  openDataSource,
  FASHION_MNIST_DIR,
} from '../../../src/main/engine/data';

/** An IDX image file: header 0x00000803, count, rows, cols (big-endian), then the pixels. */
function idxBytes(count: number, M: number, pixel: (k: number, i: number) => number): Uint8Array {
  const out = new Uint8Array(16 + count * M * M);
  const v = new DataView(out.buffer);
  v.setUint32(0, 0x803);
  v.setUint32(4, count);
  v.setUint32(8, M);
  v.setUint32(12, M);
  for (let k = 0; k < count; k++) for (let i = 0; i < M * M; i++) out[16 + k * M * M + i] = pixel(k, i);
  return out;
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-idx-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('IDX decoding and fitting', () => {
  it('decodes header and pixels; rejects a wrong magic, a short file and non-square images by name', () => {
    const b = idxBytes(3, 4, (k, i) => k * 16 + i);
    const d = decodeIdxImages(b, 'a.idx');
    expect([d.count, d.rows, d.cols]).toEqual([3, 4, 4]);
    expect(d.pixels[2 * 16 + 5]).toBe(37);
    const wrong = Uint8Array.from(b);
    wrong[3] = 0x01;
    expect(() => decodeIdxImages(wrong, 'w.idx')).toThrow(/w\.idx: not an IDX image file \(magic 0x00000801/);
    expect(() => decodeIdxImages(b.subarray(0, 40), 's.idx')).toThrow(/the header says 64/);
    const rect = Uint8Array.from(b);
    rect[15] = 5;
    expect(() => decodeIdxImages(rect, 'r.idx')).toThrow(InputError);
  });

  it('N >= M: replicate floor(N/M) times and zero-pad centred; N < M: area average', () => {
    const M = 4;
    const src = Uint8Array.from({ length: 16 }, (_, i) => i * 17); // 0..255
    // N 7: k 1, offsets 1 (top/left) and 2 (bottom/right).
    const a = fitIdxImage(src, M, 7);
    for (let i = 0; i < 7; i++)
      for (let j = 0; j < 7; j++) {
        const inside = i >= 1 && i < 5 && j >= 1 && j < 5;
        expect(a[i * 7 + j]).toBeCloseTo(inside ? src[(i - 1) * 4 + (j - 1)] / 255 : 0, 7);
      }
    // N 9: k 2, offset 0 and 1 row/column of zeros at the bottom/right.
    const b = fitIdxImage(src, M, 9);
    expect(b[3 * 9 + 5]).toBeCloseTo(src[1 * 4 + 2] / 255, 7);
    expect(b[8 * 9 + 3]).toBe(0);
    // N 2: each output pixel the mean of a 2 x 2 block.
    const c = fitIdxImage(src, M, 2);
    expect(c[1]).toBeCloseTo(((2 + 3 + 6 + 7) * 17) / 4 / 255, 6);
  });

  it('a folder of IDX files opens as a source: one split per file, ids by split, gz or plain', async () => {
    const dir = path.join(tmp, 'toy');
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idxBytes(5, 4, (k) => 50 * k)));
    await fs.writeFile(
      path.join(dir, 't10k-images-idx3-ubyte'),
      idxBytes(2, 4, () => 255),
    );
    await fs.writeFile(path.join(dir, 'README.md'), 'toy');
    const src = await openDataSource(dir);
    expect(src.kind).toBe('idx');
    expect(src.refs?.map((r) => r.id)).toEqual([
      'toy:test#0',
      'toy:test#1',
      'toy:train#0',
      'toy:train#1',
      'toy:train#2',
      'toy:train#3',
      'toy:train#4',
    ]);
    const x = await src.load(src.refs![5], 4);
    expect(Array.from(x)).toEqual(new Array(16).fill(150 / 255).map((v) => Math.fround(v)));
    expect(src.description).toMatch(/2 test \+ 5 train images of 4x4, intensities in \[0, 1\]/);
  });

  it('missing files: an InputError naming the file and what to do; papers/002 datasets are unavailable', async () => {
    await expect(
      idxSource('fashion-mnist', path.join(tmp, 'nowhere'), {
        splits: ['train'],
        installHint: 'install the package',
      }),
    ).rejects.toThrow(/nowhere\/train-images-idx3-ubyte\.gz not found; install the package/);
    for (const name of ['BSD68', 'set11', 'div2k']) {
      await expect(openDataSource(name)).rejects.toThrow(/not available here: no package ships them/);
    }
  });
});

describe("Debian's Fashion-MNIST (dataset-fashion-mnist, installed by .ci/run)", () => {
  it(`is at ${FASHION_MNIST_DIR}: 60,000 + 10,000 images matching Python's reading of the same files`, async () => {
    const train = await openDataSource('fashion-mnist:train');
    const test = await openDataSource('fashion-mnist:test');
    expect(train.refs).toHaveLength(60_000);
    expect(test.refs).toHaveLength(10_000);
    expect(train.description).toMatch(/MIT licence/);
    // python3: gzip.open(...).read(); sum(img), img[14*28+14] for images 0 and 59999 (train), 0 (test).
    const want: [typeof train, number, number, number][] = [
      [train, 0, 76247, 217],
      [train, 59_999, 16684, 0],
      [test, 0, 33456, 110],
    ];
    for (const [src, i, sum, centre] of want) {
      const x28 = await src.load(src.refs![i], 28);
      expect(x28.reduce((a, v) => a + v, 0) * 255).toBeCloseTo(sum, 1);
      expect(x28[14 * 28 + 14] * 255).toBeCloseTo(centre, 3);
      // 32 x 32: zero padding of 2, the same pixels.
      const x32 = await src.load(src.refs![i], 32);
      expect(x32[16 * 32 + 16] * 255).toBeCloseTo(centre, 3);
      expect(x32.reduce((a, v) => a + v, 0) * 255).toBeCloseTo(sum, 1);
    }
    const both = await openDataSource('fashion-mnist');
    expect(both.refs).toHaveLength(70_000);
    const first = [];
    for await (const s of loadSlices(test, 32, { count: 2 })) first.push(s.id);
    expect(first).toEqual(['fashion-mnist:test#0', 'fashion-mnist:test#1']);
  });
});
