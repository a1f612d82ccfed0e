/**
 * Smoothing in worker threads (certify/smoothing-pool.ts): the errors, hence every median and certificate, are
 * identical bit for bit with 1 and 2 threads (seeded noise per sample, ranges aligned to the batch size), for
 * plain FBP and a saved FBPConvNet rebuilt in the threads from its folder; cancellation stops between ranges
 * and leaks no tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeGeometry } from '@shared/geometry';
import { JobCancelledError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { createJobContext } from '../../../src/main/engine/job-context';
import { FbpReconstructor, loadModel } from '../../../src/main/engine/models';
import { makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import { certify, sampleErrors } from '../../../src/main/engine/certify';
import { closeSmoothingPools } from '../../../src/main/engine/certify/smoothing-pool';
import { tinyModel } from '../audit/helpers';

const N = 16;
const g = makeGeometry({ size: N, views: 8 });
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-threads-'));
});
afterAll(async () => {
  await closeSmoothingPools();
  await fs.rm(dir, { recursive: true, force: true });
});

function slice(seed: number) {
  const xv = makePhantom('ellipses', N, { seed }).image;
  return {
    x: tf.tensor4d(xv, [1, N, N, 1]),
    y: tf.tensor4d(radonForwardArray(xv, 1, g), [1, g.views, g.detectors, 1]),
  };
}

describe('smoothing threads', () => {
  it('give the same errors with 1 and 2 threads, for FBP and a saved model', async () => {
    const saved = (await loadModel(await tinyModel(path.join(dir, 'm'), 'ord', g))).model;
    for (const model of [new FbpReconstructor(g), saved]) {
      expect(model.origin, model.describe()).toBeDefined();
      const { x, y } = slice(3);
      const run = (threads: number) =>
        sampleErrors(model, y, x, { sigma: 0.3, samples: 37, space: 'y', seed: 's', batchSize: 4, threads });
      const before = tf.memory().numTensors;
      const one = await run(1);
      const two = await run(2);
      expect(tf.memory().numTensors).toBe(before);
      expect(Array.from(two.values[0])).toEqual(Array.from(one.values[0]));
      // The certificate built on them is the same too.
      const opts = {
        reference: x,
        sigma: 0.3,
        samples: 37,
        confidence: 0.9,
        radii: [0.1],
        space: 'y' as const,
        seed: 's',
        batchSize: 4,
      };
      const [[c1]] = await certify(model, y, { ...opts, threads: 1 });
      const [[c2]] = await certify(model, y, { ...opts, threads: 2 });
      expect([c2.median, c2.certified, c2.k]).toEqual([c1.median, c1.certified, c1.k]);
      expect(Array.from(c2.medianRecon)).toEqual(Array.from(c1.medianRecon));
      tf.dispose([x, y]);
    }
    saved.dispose();
  });

  it('cancels between ranges', async () => {
    const model = new FbpReconstructor(g);
    const { x, y } = slice(4);
    const ac = new AbortController();
    const job = createJobContext({ signal: ac.signal, onProgress: (p) => p.step >= 2 && ac.abort() });
    const before = tf.memory().numTensors;
    await expect(
      sampleErrors(
        model,
        y,
        x,
        { sigma: 0.3, samples: 400, space: 'y', seed: 'c', batchSize: 2, threads: 2 },
        job,
      ),
    ).rejects.toBeInstanceOf(JobCancelledError);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
