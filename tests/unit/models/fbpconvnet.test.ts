/**
 * FBPConvNet: presets and their parameter counts (counted independently from the architecture), the
 * untrained model equals FBP (zero head), seeded initialization, fixed layer names, batch-norm statistics
 * in training mode with and without updates, shape errors, no tensor leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '@shared/errors';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { FbpConvNet, FBPCONVNET_PRESETS, fbpConvNetConfig } from '../../../src/main/engine/models';
import { makePhantom } from '../../../src/main/engine/physics';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Parameters of the U-Net counted from the description in unet.ts (not from tfjs). */
function expectedParams(c: number, depth: number, convs: number): number {
  let p = 0;
  const conv = (cin: number, cout: number) => 9 * cin * cout; // no bias (BN follows)
  const bn = (ch: number) => 4 * ch; // gamma, beta, moving mean, moving variance
  let cin = 1;
  for (let i = 0; i <= depth; i++) {
    const ch = c * 2 ** i;
    for (let k = 0; k < convs; k++) {
      p += conv(cin, ch) + bn(ch);
      cin = ch;
    }
  }
  for (let i = depth - 1; i >= 0; i--) {
    const ch = c * 2 ** i;
    p += 9 * cin * ch + bn(ch); // transposed conv, no bias
    cin = 2 * ch; // concatenation with the skip
    for (let k = 0; k < convs; k++) {
      p += conv(cin, ch) + bn(ch);
      cin = ch;
    }
  }
  return p + cin + 1; // 1x1 head with bias
}

function batchOf(N: number, seeds: number[]): tf.Tensor4D {
  const data = new Float32Array(seeds.length * N * N);
  seeds.forEach((s, k) => data.set(makePhantom('ellipses', N, { seed: s }).image, k * N * N));
  return tf.tensor4d(data, [seeds.length, N, N, 1]);
}

describe('FBPConvNet', () => {
  const g = makeGeometry({ size: 16, views: 8 });

  it('presets: paper 64 channels / 4 poolings, small 16 / 3, tiny; parameter counts match the architecture', () => {
    expect(FBPCONVNET_PRESETS.paper).toMatchObject({ baseChannels: 64, depth: 4 });
    expect(FBPCONVNET_PRESETS.small).toMatchObject({ baseChannels: 16, depth: 3 });
    for (const preset of ['tiny', 'small'] as const) {
      const m = FbpConvNet.create(makeGeometry({ size: 16, views: 8 }), { preset, seed: 1 });
      const p = FBPCONVNET_PRESETS[preset];
      expect(m.parameterCount(), preset).toBe(expectedParams(p.baseChannels, p.depth, p.convsPerBlock));
      m.dispose();
    }
    // The paper preset's configuration at its own geometry (not built: 31M parameters).
    const paper = fbpConvNetConfig(makeGeometry({ size: 512, views: 143 }), { preset: 'paper' });
    expect(paper.unet).toMatchObject({ baseChannels: 64, depth: 4, size: 512 });
    expect(expectedParams(64, 4, 2)).toBeGreaterThan(3e7);
  });

  it('untrained, it is exactly FBP (zero head, residual input); no tensors leak', () => {
    const m = FbpConvNet.create(g, { preset: 'tiny', seed: 3 });
    const x = batchOf(16, [1, 2]);
    const before = tf.memory().numTensors;
    const y = m.op.forward(x);
    const out = m.reconstruct(y);
    const fbp = m.op.initialReconstruction(y, { filter: 'ram-lak', cutoff: 1, backprojector: 'pixel' });
    expect(out.shape).toEqual([2, 16, 16, 1]);
    expect(Array.from(out.dataSync())).toEqual(Array.from(fbp.dataSync()));
    tf.dispose([y, out, fbp]);
    expect(tf.memory().numTensors).toBe(before);
    m.dispose();
    x.dispose();
  });

  it('initialization is seeded; layer and weight names are fixed', () => {
    const a = FbpConvNet.create(g, { preset: 'tiny', seed: 7 });
    const b = FbpConvNet.create(g, { preset: 'tiny', seed: 7 });
    const c = FbpConvNet.create(g, { preset: 'tiny', seed: 8 });
    const values = (m: FbpConvNet) => m.stateVariables().map((v) => Array.from(v.dataSync()));
    expect(values(a)).toEqual(values(b));
    expect(values(a)).not.toEqual(values(c));
    const names = a.unet.weights.map((w) => w.originalName);
    expect(names).toEqual(b.unet.weights.map((w) => w.originalName));
    expect(names[0]).toBe('enc0_0_conv/kernel');
    expect(names).toContain('head/kernel');
    expect(a.kernelVariables().every((v) => v.rank === 4)).toBe(true);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('training mode updates the moving statistics unless updateStats is false', () => {
    const m = FbpConvNet.create(g, { preset: 'tiny', seed: 1 });
    const x = batchOf(16, [4, 5, 6]);
    const y = m.op.forward(x);
    const moving = () =>
      m.unet.weights
        .filter((w) => w.originalName.includes('moving_mean'))
        .map((w) => Array.from(w.read().dataSync()));
    const m0 = moving();
    tf.dispose(m.apply(y, true, { updateStats: false }));
    expect(moving()).toEqual(m0);
    tf.dispose(m.apply(y, true));
    expect(moving()).not.toEqual(m0);
    // Momentum restored: the layer's config is unchanged.
    expect(m.unet.getLayer('enc0_0_bn').getConfig().momentum).toBe(0.9);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('refuses sizes that are not a multiple of 2^depth', () => {
    expect(() => FbpConvNet.create(makeGeometry({ size: 18, views: 8 }), { preset: 'tiny' })).toThrow(
      ShapeError,
    );
    expect(() => FbpConvNet.create(makeGeometry({ size: 20, views: 8 }), { preset: 'small' })).toThrow(
      /multiple of 2\^depth = 8/,
    );
  });
});
