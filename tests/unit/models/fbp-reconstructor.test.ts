import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { FbpReconstructor } from '../../../src/main/engine/models';
import { makeGeometry } from '@shared/geometry';
import { fbpArray, radonForwardArray, makePhantom } from '../../../src/main/engine/physics';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('FbpReconstructor', () => {
  it('equals fbpArray, is differentiable in y, and leaks no tensors', () => {
    const g = makeGeometry({ size: 32, views: 20 });
    const x = makePhantom('shepp-logan', 32).image;
    const y = radonForwardArray(x, 1, g);
    const f = new FbpReconstructor(g, { filter: 'hann' });
    const before = tf.memory().numTensors;
    const yt = tf.tensor4d(y, [1, g.views, g.detectors, 1]);
    const r = f.reconstruct(yt);
    const ref = fbpArray(y, 1, g, { filter: 'hann' });
    const got = r.dataSync();
    let maxDiff = 0;
    for (let i = 0; i < ref.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
    expect(maxDiff).toBeLessThan(1e-5);
    const gr = tf.grad((v: tf.Tensor) =>
      f
        .reconstruct(v as tf.Tensor4D)
        .square()
        .sum(),
    )(yt);
    expect(gr.shape).toEqual(yt.shape);
    tf.dispose([yt, r, gr]);
    expect(tf.memory().numTensors).toBe(before);
    expect(f.describe()).toBe('FBP (hann, cutoff 1)');
  });
});
