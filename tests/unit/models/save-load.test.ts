/**
 * Save/load: the folder holds a standard tfjs layers model (model.json + weights.bin, built-in layers only)
 * and card.json; a trained model reloads and reconstructs identically in this process and in a fresh
 * process (max abs difference <= 1e-6, the bound; in practice 0), and on another backend (cpu) to
 * float32 kernel rounding; loading refuses another geometry naming the field, and tampered weights.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InputError, UsageError } from '@shared/errors';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { decodeNpy, writeNpy } from '../../../src/main/engine/io/npy';
import {
  FbpConvNet,
  FbpReconstructor,
  loadModel,
  loadReconstructor,
  readCard,
  saveReconstructor,
} from '../../../src/main/engine/models';
import { makePhantom } from '../../../src/main/engine/physics';
import { train } from '../../../src/main/engine/training';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const g = makeGeometry({ size: 16, views: 8 });
let tmp: string;
let dir: string;
let trained: FbpConvNet;
let y: tf.Tensor4D;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-save-'));
  dir = path.join(tmp, 'model');
  // A few steps of training so that the weights and the batch-norm statistics are not at their initial values.
  const r = await train({
    data: 'ellipses',
    geometry: g,
    method: 'ord',
    preset: 'tiny',
    steps: 4,
    batchSize: 2,
    seed: 11,
    stepsPerEpoch: 2,
    validationSlices: 2,
    learningRate: 1e-2,
    outDir: dir,
  });
  trained = r.model as FbpConvNet;
  const xs = new Float32Array(3 * 256);
  [21, 22, 23].forEach((s, k) => xs.set(makePhantom('ellipses', 16, { seed: s }).image, k * 256));
  const x = tf.tensor4d(xs, [3, 16, 16, 1]);
  y = trained.op.forward(x);
  x.dispose();
});

afterAll(async () => {
  trained?.dispose();
  y?.dispose();
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('save / load', () => {
  it('writes the standard layers format and a complete card', async () => {
    const files = (await fs.readdir(dir)).sort();
    expect(files).toEqual(['card.json', 'checkpoint.ckpt', 'model.json', 'weights.bin']);
    const json = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual(['./weights.bin']);
    const classes = new Set<string>(
      json.modelTopology.config.layers.map((l: { class_name: string }) => l.class_name),
    );
    for (const c of classes) {
      expect([
        'InputLayer',
        'Conv2D',
        'BatchNormalization',
        'ReLU',
        'MaxPooling2D',
        'Conv2DTranspose',
        'Concatenate',
        'Add',
      ]).toContain(c);
    }
    const card = await readCard(dir);
    expect(card.kind).toBe('fbpconvnet');
    expect(card.geometry).toEqual(g);
    expect(card.fbp).toEqual({ filter: 'ram-lak', cutoff: 1, backprojector: 'pixel' });
    expect(card.training?.method).toBe('ord');
    expect(card.training?.seed).toBe('11');
    expect(card.training?.completedSteps).toBe(4);
    expect(card.metrics.validation).toHaveLength(2);
    expect(card.software.backend).toBe('wasm');
    const bytes = (await fs.stat(path.join(dir, 'weights.bin'))).size;
    expect(card.weights.bytes).toBe(bytes);
    expect(bytes).toBe(4 * trained.parameterCount());
  });

  it('reloads in this process and reconstructs identically', async () => {
    const f = await loadReconstructor(dir, g);
    const a = trained.reconstruct(y);
    const b = f.reconstruct(y);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    tf.dispose([a, b]);
    f.dispose();
  });

  it('reloads in a fresh process and reconstructs identically (max abs difference <= 1e-6)', async () => {
    const yFile = path.join(tmp, 'y.npy');
    const outFile = path.join(tmp, 'out.npy');
    await writeNpy(yFile, y.dataSync() as Float32Array, y.shape);
    const script = path.join(tmp, 'child.mjs');
    const url = (p: string) => pathToFileURL(path.join(root, p)).href;
    await fs.writeFile(
      script,
      [
        `import { register } from '${url('node_modules/tsx/dist/esm/api/index.mjs')}';`,
        `register({ tsconfig: ${JSON.stringify(path.join(root, 'tsconfig.node.json'))} });`,
        `const { initBackend, tf } = await import('${url('src/main/engine/backend/index.ts')}');`,
        `const { loadReconstructor } = await import('${url('src/main/engine/models/save-load.ts')}');`,
        `const { readNpy, writeNpy } = await import('${url('src/main/engine/io/npy.ts')}');`,
        `const [backend, dir, yFile, outFile] = process.argv.slice(2);`,
        `await initBackend({ backend });`,
        `const y = await readNpy(yFile);`,
        `const f = await loadReconstructor(dir);`,
        `const out = f.reconstruct(tf.tensor4d(y.data, y.shape));`,
        `await writeNpy(outFile, out.dataSync(), out.shape);`,
      ].join('\n'),
    );
    const expected = trained.reconstruct(y);
    const want = expected.dataSync() as Float32Array;
    expected.dispose();
    await run(process.execPath, [script, 'wasm', dir, yFile, outFile], { cwd: root });
    const got = decodeNpy(await fs.readFile(outFile));
    expect(got.shape).toEqual([3, 16, 16, 1]);
    expect(maxAbsDiff(got.data, want)).toBeLessThanOrEqual(1e-6);
    // Another backend loads the same folder (float32 kernels differ in rounding only).
    await run(process.execPath, [script, 'cpu', dir, yFile, outFile], { cwd: root });
    const cpu = decodeNpy(await fs.readFile(outFile));
    expect(maxAbsDiff(cpu.data, want)).toBeLessThan(1e-4);
  });

  it('refuses another geometry, naming the field; fbp needs a geometry', async () => {
    const err = await loadReconstructor(dir, makeGeometry({ size: 16, views: 9 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/views = 8, but 9 was requested/);
    await expect(loadReconstructor(dir, makeGeometry({ size: 32, views: 8 }))).rejects.toThrow(/size = 16/);
    const f = await loadReconstructor('fbp', g, { fbp: { filter: 'hann', cutoff: 0.8 } });
    expect(f).toBeInstanceOf(FbpReconstructor);
    expect(f.describe()).toBe('FBP (hann, cutoff 0.8)');
    await expect(loadReconstructor('fbp')).rejects.toThrow(UsageError);
  });

  it('refuses tampered weights and folders without a card', async () => {
    const copy = path.join(tmp, 'tampered');
    await fs.cp(dir, copy, { recursive: true });
    const w = await fs.readFile(path.join(copy, 'weights.bin'));
    w[10] ^= 0xff;
    await fs.writeFile(path.join(copy, 'weights.bin'), w);
    await expect(loadModel(copy)).rejects.toThrow(/do not match the SHA-256/);
    await expect(loadReconstructor(path.join(tmp, 'nothing'))).rejects.toThrow(/no card\.json/);
  });

  it('round-trips an untrained model of another preset with custom FBP settings', async () => {
    const m = FbpConvNet.create(g, { preset: 'small', seed: 2, fbp: { filter: 'shepp-logan', cutoff: 0.9 } });
    const d = path.join(tmp, 'small');
    const card = await saveReconstructor(m, d);
    expect(card.training).toBeNull();
    const { model } = await loadModel(d, g);
    expect((model as FbpConvNet).config).toEqual(m.config);
    const a = m.reconstruct(y);
    const b = model.reconstruct(y);
    expect(maxAbsDiff(a.dataSync(), b.dataSync())).toBe(0);
    tf.dispose([a, b]);
    m.dispose();
    model.dispose();
  });
});
