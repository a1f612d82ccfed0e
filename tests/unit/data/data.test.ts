/**
 * The data module: sources (ellipses, npy, DICOM), the split by series, augmentation, deterministic
 * batches and simulated measurements. Expectations come from independent computations: the DICOM reader
 * directly, hand-written rotations, plain loops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError } from '@shared/errors';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { RadonOperator, makePhantom } from '../../../src/main/engine/physics';
import { frameToCanonical, readDicomFile } from '../../../src/main/engine/dicom';
import { writeNpy } from '../../../src/main/engine/io/npy';
import { createRng } from '../../../src/main/engine/random';
import {
  applyDihedral,
  loadSlices,
  openDataSource,
  simulateMeasurements,
  SliceStream,
  splitByGroup,
  validationRefs,
  type SliceRef,
} from '../../../src/main/engine/data';
import { dicomPath } from '../../helpers/dicom-data';

const seriesDir = dicomPath('ct-series');
const twoSeries = ['pydicom-ct2-16x16', 'pydicom-ct5n-16x16'].map((d) => path.join(seriesDir, d));

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-data-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('ellipses source', () => {
  it('is seeded, unlimited, and keeps train and validation phantoms apart', async () => {
    const a = await openDataSource('ellipses', { seed: 3 });
    const b = await openDataSource('ellipses', { seed: 3 });
    expect(a.refs).toBeUndefined();
    const r = a.generated!('train', 5);
    const x1 = await a.load(r, 16);
    const x2 = await b.load(b.generated!('train', 5), 16);
    expect(x1).toEqual(x2);
    // Independent: the phantom module with the documented seed.
    expect(x1).toEqual(makePhantom('ellipses', 16, { seed: '3/train/5' }).image);
    const v = await a.load(a.generated!('validation', 5), 16);
    expect(v).not.toEqual(x1);
    expect(Math.min(...x1)).toBeGreaterThanOrEqual(0);
  });
});

describe('npy source', () => {
  it('reads [K,N,N] stacks and [N,N] images, resamples other sizes, groups by file', async () => {
    const dir = path.join(tmp, 'npy');
    await fs.mkdir(dir);
    const stack = Float32Array.from({ length: 3 * 8 * 8 }, (_, i) => (i % 17) / 10);
    await writeNpy(path.join(dir, 'a.npy'), stack, [3, 8, 8]);
    const big = Float32Array.from({ length: 16 * 16 }, (_, i) => (i % 5) / 4);
    await writeNpy(path.join(dir, 'b.npy'), big, [16, 16]);
    await fs.writeFile(path.join(dir, 'README.md'), 'side file');
    const src = await openDataSource(dir);
    expect(src.kind).toBe('npy');
    expect(src.refs!.map((r) => r.id)).toEqual(['a.npy#0', 'a.npy#1', 'a.npy#2', 'b.npy#0']);
    expect(new Set(src.refs!.map((r) => r.group))).toEqual(new Set(['a.npy', 'b.npy']));
    expect(await src.load(src.refs![1], 8)).toEqual(stack.subarray(64, 128));
    // 16 -> 8: each output pixel is the mean of a 2x2 block.
    const down = await src.load(src.refs![3], 8);
    for (const [i, j] of [
      [0, 0],
      [3, 5],
      [7, 7],
    ]) {
      const m =
        (big[2 * i * 16 + 2 * j] +
          big[2 * i * 16 + 2 * j + 1] +
          big[(2 * i + 1) * 16 + 2 * j] +
          big[(2 * i + 1) * 16 + 2 * j + 1]) /
        4;
      expect(down[i * 8 + j]).toBeCloseTo(m, 6);
    }
  });

  it('names the file, slice and pixel of a NaN, and rejects non-square shapes', async () => {
    const data = new Float32Array(2 * 4 * 4).fill(1);
    data[16 + 4 * 2 + 3] = NaN;
    const file = path.join(tmp, 'nan.npy');
    await writeNpy(file, data, [2, 4, 4]);
    const src = await openDataSource(file);
    await expect(src.load(src.refs![0], 4)).resolves.toHaveLength(16);
    await expect(src.load(src.refs![1], 4)).rejects.toThrow(
      /nan\.npy slice 1: pixel \(row 2, column 3\) is NaN/,
    );
    const bad = path.join(tmp, 'bad.npy');
    await writeNpy(bad, new Float32Array(12), [3, 4]);
    await expect(openDataSource(bad)).rejects.toThrow(/bad\.npy: expected square images/);
  });

  it('rejects a missing path with a message naming it', async () => {
    const p = path.join(tmp, 'nope');
    const err = await openDataSource(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(p);
  });
});

describe('DICOM source', () => {
  it('indexes every slice of every series and decodes a slice as the reader does', async () => {
    const src = await openDataSource(seriesDir.replace(/ct-series$/, 'ct-series'), {});
    // The whole ct-series folder: one group per series folder (3 in the shared set, 2 vendored).
    const groups = new Set(src.refs!.map((r) => r.group));
    expect(groups.size).toBe((await fs.readdir(seriesDir)).length);
    const ref = src.refs!.find((r) => r.id.includes('17106.dcm'))!;
    const x = await src.load(ref, 16);
    const img = await readDicomFile(path.join(twoSeries[0], '17106.dcm'));
    const expected = frameToCanonical(img.frames[0], img.meta.rows, img.meta.columns, 16).x;
    expect(x).toEqual(expected);
    // Ids carry hashed series and file names only, no UIDs.
    expect(ref.id).toMatch(/^series-[0-9a-f]{12}\/17106\.dcm#0$/);
  });

  it('splits by series: no series on both sides', async () => {
    const src = await openDataSource(seriesDir);
    const split = splitByGroup(src.refs!, { validationFraction: 0.3, seed: 1 });
    expect(split.mode).toBe('by-group');
    expect(split.validation.length).toBeGreaterThan(0);
    expect(split.train.length).toBeGreaterThan(0);
    const tg = new Set(split.train.map((r) => r.group));
    const vg = new Set(split.validation.map((r) => r.group));
    for (const g of vg) expect(tg.has(g), g).toBe(false);
    expect(split.train.length + split.validation.length).toBe(src.refs!.length);
  });
});

describe('split', () => {
  const refs = (groups: Record<string, number>): SliceRef[] =>
    Object.entries(groups).flatMap(([g, n]) =>
      Array.from({ length: n }, (_, i) => ({ id: `${g}#${i}`, group: g })),
    );

  it('keeps groups whole, is seeded, and never empties the training side', () => {
    const r = refs({ a: 5, b: 5, c: 5, d: 5 });
    const s1 = splitByGroup(r, { validationFraction: 0.2, seed: 7 });
    const s2 = splitByGroup(r, { validationFraction: 0.2, seed: 7 });
    expect(s1).toEqual(s2);
    expect(s1.validationGroups).toHaveLength(1);
    expect(s1.validation).toHaveLength(5);
    const all = splitByGroup(refs({ a: 2, b: 2 }), { validationFraction: 0.9, seed: 0 });
    expect(all.trainGroups).toHaveLength(1);
  });

  it('holds out the tail of a single series and says so', () => {
    const s = splitByGroup(refs({ only: 10 }), { validationFraction: 0.2 });
    expect(s.mode).toBe('single-group-tail');
    expect(s.validation.map((r) => r.id)).toEqual(['only#8', 'only#9']);
    expect(s.warnings[0]).toMatch(/not independent/);
  });
});

describe('augmentation', () => {
  const N = 3;
  const x = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  it('rotates counter-clockwise and flips left-right', () => {
    // [[1,2,3],[4,5,6],[7,8,9]] rotated CCW is [[3,6,9],[2,5,8],[1,4,7]].
    expect(Array.from(applyDihedral(x, N, { rot90: 1, flip: false }))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(Array.from(applyDihedral(x, N, { rot90: 0, flip: true }))).toEqual([3, 2, 1, 6, 5, 4, 9, 8, 7]);
    expect(Array.from(applyDihedral(x, N, { rot90: 2, flip: false }))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });
  it('gives the 8 distinct symmetries', () => {
    const seen = new Set<string>();
    for (let k = 0; k < 8; k++) seen.add(applyDihedral(x, N, { rot90: k & 3, flip: k >= 4 }).join(','));
    expect(seen.size).toBe(8);
  });
});

describe('SliceStream', () => {
  it('is a pure function of (seed, step) and visits each training slice once per epoch', async () => {
    const file = path.join(tmp, 'stack.npy');
    const K = 10;
    await writeNpy(
      file,
      Float32Array.from({ length: K * 16 }, (_, i) => Math.floor(i / 16)),
      [K, 4, 4],
    );
    const src = await openDataSource(file);
    const make = () => new SliceStream(src, src.refs, { N: 4, batchSize: 3, seed: 5, augment: true });
    const a = make();
    const b = make();
    expect(a.stepsPerEpoch).toBe(3);
    // Out of order on b: the batch of step 4 does not depend on what was read before.
    const b4 = await b.imagesAt(4);
    const a4 = (await Promise.all([0, 1, 2, 3, 4].map((t) => a.imagesAt(t))))[4];
    expect(b4).toEqual(a4);
    const epoch1 = [3, 4, 5].flatMap((t) => a.refsAt(t).map((r) => r.id));
    expect(new Set(epoch1).size).toBe(9);
    expect(a.refsAt(0).map((r) => r.id)).not.toEqual(a.refsAt(3).map((r) => r.id));
  });

  it('draws generated slices for unlimited sources and a fixed validation stream', async () => {
    const src = await openDataSource('ellipses', { seed: 1 });
    const s = new SliceStream(src, undefined, { N: 8, batchSize: 2, seed: 1, stepsPerEpoch: 7 });
    expect(s.stepsPerEpoch).toBe(7);
    expect(s.refsAt(3).map((r) => r.id)).toEqual(['ellipses:1/train/6', 'ellipses:1/train/7']);
    expect(validationRefs(src, undefined, 2).map((r) => r.id)).toEqual([
      'ellipses:1/validation/0',
      'ellipses:1/validation/1',
    ]);
  });
});

describe('loadSlices', () => {
  it('yields generated phantoms and every slice of a stack', async () => {
    const got: string[] = [];
    for await (const s of loadSlices('ellipses', 8, { count: 3, seed: 2 })) {
      got.push(s.id);
      expect(s.x).toHaveLength(64);
      expect(s.source).toMatch(/random-ellipse/);
    }
    expect(got).toEqual(['ellipses:2/test/0', 'ellipses:2/test/1', 'ellipses:2/test/2']);
    const file = path.join(tmp, 'three.npy');
    await writeNpy(file, new Float32Array(3 * 4 * 4).fill(0.5), [3, 4, 4]);
    const ids: string[] = [];
    for await (const s of loadSlices(file, 4)) ids.push(s.id);
    expect(ids).toEqual(['three.npy#0', 'three.npy#1', 'three.npy#2']);
  });
});

describe('simulateMeasurements', () => {
  const g = makeGeometry({ size: 8, views: 6 });
  it('is A x without noise and seeded per item with noise; leaks nothing', () => {
    const op = new RadonOperator(g);
    const x = tf.tensor4d(makePhantom('ellipses', 8, { seed: 1 }).image, [1, 8, 8, 1]);
    const before = tf.memory().numTensors;
    const clean = simulateMeasurements(op, x);
    const ref = op.forward(x);
    expect(clean.dataSync()).toEqual(ref.dataSync());
    const n1 = simulateMeasurements(op, x, {
      noise: { kind: 'gaussian', sigma: 0.1 },
      rngs: [createRng('n')],
    });
    const n2 = simulateMeasurements(op, x, {
      noise: { kind: 'gaussian', sigma: 0.1 },
      rngs: [createRng('n')],
    });
    expect(n1.dataSync()).toEqual(n2.dataSync());
    const sd = tf.tidy(() => Math.sqrt(tf.sub(n1, ref).square().mean().dataSync()[0]));
    expect(sd).toBeGreaterThan(0.05);
    expect(sd).toBeLessThan(0.2);
    tf.dispose([clean, ref, n1, n2]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });
});
