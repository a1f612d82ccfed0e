/**
 * PerturbationGenerator: shapes, the scale rule G(c y) = c G(y) and ||G(y)|| ~ gain ||y|| at init, seeded
 * determinism, save/load round trip in the layers format (bit-identical outputs), shape errors, no leaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  PerturbationGenerator,
  loadGenerator,
  saveGenerator,
} from '../../../src/main/engine/models/generator';
import { ShapeError, UsageError, InputError } from '@shared/errors';
import { createRng } from '../../../src/main/engine/random';

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-gen-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

function randomY(shape: number[], seed: string, scale = 50): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = createRng(seed).fillNormal(new Float32Array(n), 0, scale);
  return tf.tensor(v, shape);
}

function norms(t: tf.Tensor): number[] {
  const v = Array.from(t.dataSync() as Float32Array);
  const per = v.length / t.shape[0];
  return Array.from({ length: t.shape[0] }, (_, b) =>
    Math.sqrt(v.slice(b * per, (b + 1) * per).reduce((s, x) => s + x * x, 0)),
  );
}

describe('PerturbationGenerator', () => {
  for (const arch of ['conv', 'dense'] as const) {
    it(`${arch}: same shape as y, scale-equivariant, norm near gain ||y|| at init, deterministic, no leaks`, () => {
      const make = () =>
        arch === 'conv'
          ? PerturbationGenerator.conv(12, 23, { channels: 8, layers: 3, gain: 0.05, seed: 3 })
          : PerturbationGenerator.dense([12, 23, 1], { hidden: [32, 32], gain: 0.05, seed: 3 });
      const g = make();
      const g2 = make();
      const y = randomY([3, 12, 23, 1], 'y');
      const before = tf.memory().numTensors;
      const d = g.apply(y);
      expect(d.shape).toEqual([3, 12, 23, 1]);
      const y2 = tf.mul(y, 7);
      const d2 = g.apply(y2);
      const a = d.dataSync();
      const b = d2.dataSync();
      for (let i = 0; i < a.length; i += 37) expect(b[i]).toBeCloseTo(7 * a[i], 2);
      // ||G(y)|| / (gain ||y||) = RMS of the raw network output: O(1) at init.
      const ratio = norms(d).map((n, i) => n / (0.05 * norms(y)[i]));
      for (const r of ratio) {
        expect(r).toBeGreaterThan(0.05);
        expect(r).toBeLessThan(5);
      }
      const d3 = g2.apply(y);
      expect(Array.from(d3.dataSync())).toEqual(Array.from(a));
      tf.dispose([d, d2, y2, d3]);
      expect(tf.memory().numTensors).toBe(before);
      // Gradient with respect to the weights exists for every trainable variable.
      const { grads, value } = tf.variableGrads(
        () => tf.sum(tf.square(g.apply(y))) as tf.Scalar,
        g.trainableVariables(),
      );
      expect(Object.keys(grads).length).toBe(g.trainableVariables().length);
      tf.dispose([value, ...Object.values(grads), y]);
      g.dispose();
      g2.dispose();
    });
  }

  it('dense generator for vectors [B, m] (the paper fully-connected G)', () => {
    const g = PerturbationGenerator.dense([10], { seed: 1 });
    const y = randomY([4, 10], 'v', 1);
    const d = g.apply(y);
    expect(d.shape).toEqual([4, 10]);
    expect(g.describe()).toMatch(/dense generator \(hidden 128-128-128-128/);
    tf.dispose([y, d]);
    g.dispose();
  });

  it('all-zero measurement gives a zero perturbation (no NaN)', () => {
    const g = PerturbationGenerator.conv(4, 7, { seed: 0 });
    const d = g.apply(tf.zeros([1, 4, 7, 1]));
    expect(Array.from(d.dataSync()).every((v) => v === 0)).toBe(true);
    d.dispose();
    g.dispose();
  });

  it('save/load round trip in the layers format reproduces outputs exactly; tampered weights are refused', async () => {
    const g = PerturbationGenerator.conv(12, 23, { channels: 4, layers: 3, seed: 9, gain: 0.02 });
    const dir = path.join(tmp, 'g');
    await saveGenerator(g, dir);
    const files = (await fs.readdir(dir)).sort();
    expect(files).toEqual(['generator.json', 'model.json', 'weights.bin']);
    const modelJson = JSON.parse(await fs.readFile(path.join(dir, 'model.json'), 'utf8'));
    expect(modelJson.format).toBe('layers-model');
    const h = await loadGenerator(dir);
    expect(h.config).toEqual(g.config);
    const y = randomY([2, 12, 23, 1], 'rt');
    const a = g.apply(y);
    const b = h.apply(y);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([y, a, b]);
    // setWeights(getWeights()) of another generator gives the same function.
    const k = PerturbationGenerator.conv(12, 23, { channels: 4, layers: 3, seed: 10, gain: 0.02 });
    const w = g.getWeights();
    k.setWeights(w);
    tf.dispose(Object.values(w));
    const y2 = randomY([1, 12, 23, 1], 'rt2');
    const c1 = g.apply(y2);
    const c2 = k.apply(y2);
    expect(Array.from(c2.dataSync())).toEqual(Array.from(c1.dataSync()));
    tf.dispose([y2, c1, c2]);
    const wb = path.join(dir, 'weights.bin');
    const bytes = await fs.readFile(wb);
    bytes[0] ^= 1;
    await fs.writeFile(wb, bytes);
    await expect(loadGenerator(dir)).rejects.toThrow(InputError);
    await expect(loadGenerator(path.join(tmp, 'missing'))).rejects.toThrow(/missing/);
    g.dispose();
    h.dispose();
    k.dispose();
  });

  it('errors name the expected shape and bad settings', () => {
    const g = PerturbationGenerator.conv(4, 7, { seed: 0 });
    const y = tf.zeros([1, 4, 8, 1]);
    expect(() => g.apply(y)).toThrow(ShapeError);
    expect(() => g.apply(y)).toThrow(/expected \[B,4,7,1\], got \[1,4,8,1\]/);
    y.dispose();
    g.dispose();
    expect(() => PerturbationGenerator.conv(4, 7, { layers: 0 })).toThrow(UsageError);
    expect(() => PerturbationGenerator.dense([3], { gain: 0 })).toThrow(UsageError);
  });
});
