/**
 * Gradients the engine takes, through tfjs's op-level gradient code, on wasm against cpu: the layers of a
 * reconstruction network (conv2d, conv2dTranspose, max/avg pooling, resizeBilinear, depthwise/separable
 * conv) and what losses and attacks use (gather, clipByValue, norms). This exercises our kernels with the
 * attributes tfjs's gradients really pass, and wasm's own gradient kernels (Conv2DBackpropInput,
 * MaxPoolGrad, AvgPoolGrad, ResizeBilinearGrad), which nothing else checks. Tolerance as in
 * wasm-kernels.test.ts. Sizes are small: the cpu backend's convolution gradients are scalar JS loops.
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/main/engine/backend';
import { describeParams, randomHost, relErr, runHere, type HostTensor } from './compare-backends';

const TOL = 1e-4;

/**
 * The gradient of sum(f(inputs) * w), w a fixed random weight (so every output element matters with a
 * different weight), with respect to every input, on both backends; expects equal values and no leaks.
 */
async function expectSameGradients(
  params: Record<string, unknown>,
  inputs: HostTensor[],
  f: (...xs: tf.Tensor[]) => tf.Tensor,
): Promise<void> {
  const msg = describeParams(params);
  const run = (name: 'wasm' | 'cpu') =>
    runHere(name, () => {
      const xs = inputs.map((h) => tf.tensor(h.values, h.shape));
      const out = f(...xs);
      const w = tf.tensor(randomHost(`w-${msg}`, out.shape).values, out.shape);
      const loss = (...a: tf.Tensor[]) => tf.sum(tf.mul(f(...a), w));
      return [out, ...tf.grads(loss)(xs)];
    });
  const wasm = await run('wasm');
  const cpu = await run('cpu');
  expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  wasm.values.forEach((v, i) => {
    const what = i === 0 ? 'value' : `gradient ${i - 1}`;
    expect(relErr(v, cpu.values[i]), `${what}: ${msg}`).toBeLessThanOrEqual(TOL);
  });
}

describe('conv2d gradients (input and filter)', () => {
  it.each([
    { batch: 1, size: 16, inC: 1, outC: 16, k: 3, pad: 'same' as const },
    { batch: 4, size: 8, inC: 16, outC: 16, k: 3, pad: 'same' as const },
    { batch: 4, size: 9, inC: 16, outC: 1, k: 1, pad: 'same' as const },
    { batch: 1, size: 10, inC: 8, outC: 16, k: 3, pad: 'valid' as const },
    { batch: 1, size: 64, inC: 1, outC: 4, k: 3, pad: 'same' as const },
  ])('B$batch $size x $size, $inC->$outC, k$k, $pad', async (c) => {
    const x = randomHost('c2-x', [c.batch, c.size, c.size, c.inC]);
    const w = randomHost('c2-w', [c.k, c.k, c.inC, c.outC]);
    await expectSameGradients(c, [x, w], (a, b) => tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, c.pad));
  });
});

describe('conv2dTranspose gradients (the U-Net upsampling)', () => {
  it.each([
    { batch: 4, size: 4, inC: 16, outC: 8, k: 3, pad: 'same' as const },
    { batch: 1, size: 8, inC: 32, outC: 16, k: 3, pad: 'same' as const },
    { batch: 4, size: 4, inC: 16, outC: 16, k: 2, pad: 'valid' as const },
    { batch: 1, size: 16, inC: 1, outC: 1, k: 2, pad: 'same' as const },
  ])('B$batch $size x $size -> x2, $inC->$outC, k$k stride 2, $pad', async (c) => {
    const x = randomHost('ct-x', [c.batch, c.size, c.size, c.inC]);
    const w = randomHost('ct-w', [c.k, c.k, c.outC, c.inC]);
    const outShape: [number, number, number, number] = [c.batch, 2 * c.size, 2 * c.size, c.outC];
    await expectSameGradients(c, [x, w], (a, b) =>
      tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, outShape, 2, c.pad),
    );
  });
});

describe('pooling and resizing gradients (wasm kernels)', () => {
  it.each([
    { batch: 1, size: 8, channels: 1, pad: 'valid' as const },
    { batch: 4, size: 16, channels: 16, pad: 'valid' as const },
    { batch: 4, size: 9, channels: 16, pad: 'valid' as const },
    { batch: 1, size: 9, channels: 32, pad: 'same' as const },
    { batch: 4, size: 64, channels: 1, pad: 'same' as const },
  ])('maxPool and avgPool 2x2 stride 2: B$batch $size x $size x $channels, $pad', async (c) => {
    const x = randomHost('pool-x', [c.batch, c.size, c.size, c.channels]);
    await expectSameGradients({ ...c, op: 'maxPool' }, [x], (a) => tf.maxPool(a as tf.Tensor4D, 2, 2, c.pad));
    await expectSameGradients({ ...c, op: 'avgPool' }, [x], (a) => tf.avgPool(a as tf.Tensor4D, 2, 2, c.pad));
  });

  it.each([
    { batch: 2, size: 8, channels: 3, to: [16, 16], alignCorners: false },
    { batch: 1, size: 16, channels: 4, to: [8, 11], alignCorners: true },
    { batch: 4, size: 9, channels: 1, to: [18, 18], alignCorners: false, halfPixelCenters: true },
  ])('resizeBilinear $size -> $to, alignCorners $alignCorners', async (c) => {
    const x = randomHost('rb-x', [c.batch, c.size, c.size, c.channels]);
    await expectSameGradients(c, [x], (a) =>
      tf.image.resizeBilinear(a as tf.Tensor4D, c.to as [number, number], c.alignCorners, c.halfPixelCenters),
    );
  });
});

describe('depthwise and separable conv gradients', () => {
  it.each([
    { batch: 2, size: 8, channels: 4, multiplier: 2, stride: 1 as const, pad: 'same' as const },
    { batch: 1, size: 9, channels: 8, multiplier: 1, stride: 2 as const, pad: 'valid' as const },
  ])('B$batch $size, C$channels x$multiplier, s$stride, $pad', async (c) => {
    const x = randomHost('dwg-x', [c.batch, c.size, c.size, c.channels]);
    const f = randomHost('dwg-f', [3, 3, c.channels, c.multiplier]);
    const p = randomHost('dwg-p', [1, 1, c.channels * c.multiplier, 5]);
    await expectSameGradients({ ...c, op: 'depthwise' }, [x, f], (a, b) =>
      tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.stride, c.pad),
    );
    await expectSameGradients({ ...c, op: 'separable' }, [x, f, p], (a, b, d) =>
      tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, d as tf.Tensor4D, c.stride, c.pad),
    );
  });
});

describe('loss and attack ops', () => {
  const img = randomHost('img', [2, 16, 16, 1]);
  it('gather (rows and pixels) -> UnsortedSegmentSum', async () => {
    const idx = tf.tidy(() => Array.from(tf.randomUniform([50], 0, 256, 'int32', 7).dataSync()));
    await expectSameGradients({ op: 'gather', idx: 'random 50 of 256, repeats' }, [img], (a) =>
      tf.add(
        tf.gather(tf.reshape(a, [2, 256]), tf.tensor1d(idx, 'int32'), 1).sum(0),
        tf.gather(a, [1, 1, 0]).sum(),
      ),
    );
  });
  it('clipByValue, norms, sqrt, square, abs', async () => {
    await expectSameGradients({ op: 'clip/norm/sqrt/square' }, [img], (a) =>
      tf.stack([
        tf.sum(tf.clipByValue(a, -0.5, 0.5)),
        tf.norm(a),
        tf.norm(a, 1),
        tf.norm(a, Infinity),
        tf.sum(tf.sqrt(tf.add(tf.square(a), 1))),
        tf.mean(tf.abs(a)),
      ]),
    );
  });
});
