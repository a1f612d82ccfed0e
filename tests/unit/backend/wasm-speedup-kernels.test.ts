/**
 * The wasm kernels replaced for speed (Sum and Mean over leading axes, Tile, SplitV, Concat, 2x2
 * MaxPoolGrad; Identity and Cast, which share data instead of copying it) against
 * tfjs's cpu backend, on the shapes a U-Net training step gives them (bias gradients, skip concatenations
 * and their gradients, 2x2 pooling) and on the cases they hand back to wasm's own kernels (other axes,
 * dtypes, pool shapes), which must still come out right. Sums: relative 1e-4 (as wasm-kernels.test.ts);
 * copies must be exact.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/main/engine/backend';
import {
  describeParams,
  randomHost,
  relErr,
  runKernelOnBoth,
  useBackend,
  type HostTensor,
} from './compare-backends';

const TOL = 1e-4;

beforeAll(async () => {
  process.env.CT_AUDIT_WASM_FAST_KERNELS = '1';
  await useBackend('wasm');
});

function asDtype(h: HostTensor, dtype: 'float32' | 'int32' | 'bool'): HostTensor {
  if (dtype === 'float32') return h;
  const values = Int32Array.from(h.values, (v) => (dtype === 'bool' ? (v > 0 ? 1 : 0) : Math.round(10 * v)));
  return { values, shape: h.shape, dtype: dtype as 'int32' };
}

describe('Sum and Mean (leading axes: ours; others: wasm)', () => {
  it.each([
    { shape: [8, 16, 16, 16], axis: [0, 1, 2], keepDims: false, why: 'bias gradient' },
    { shape: [4, 32, 32, 64], axis: [0, 1, 2], keepDims: true, why: 'bias gradient, keepDims' },
    { shape: [4, 8, 8, 1], axis: [0, 1, 2], keepDims: false, why: '1 channel' },
    { shape: [7, 5], axis: [0], keepDims: false, why: 'columns' },
    { shape: [3, 100, 7], axis: [0, 1], keepDims: false, why: 'R = 300: one pooled block' },
    { shape: [2062, 3], axis: [0], keepDims: false, why: 'R = 2 x 1031: no block size, loop' },
    { shape: [8, 64, 64, 32], axis: [0, 1, 2], keepDims: false, why: '32 blocks of 1024 rows' },
    { shape: [3, 4, 5], axis: [-3, -2], keepDims: false, why: 'negative axes' },
    { shape: [3, 4, 5], axis: [1, 0], keepDims: false, why: 'unsorted axes' },
    { shape: [0, 5], axis: [0], keepDims: false, why: 'empty' },
    { shape: [4, 5], axis: [1], keepDims: false, why: 'innermost (wasm)' },
    { shape: [3, 4, 5], axis: [0, 2], keepDims: true, why: 'mixed (wasm)' },
    { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false, why: 'all (wasm)' },
  ])('$why: $shape over $axis', async (c) => {
    const x = randomHost(`sum-${c.why}`, c.shape);
    for (const [kernel, dtype] of [
      ['Sum', 'float32'],
      ['Sum', 'int32'],
      ['Mean', 'float32'],
      ['Mean', 'int32'],
    ] as const) {
      const { wasm, cpu } = await runKernelOnBoth(kernel, { x: asDtype(x, dtype) }, c);
      const msg = describeParams({ ...c, kernel, dtype });
      expect(wasm.outputs[0].shape, msg).toEqual(cpu.outputs[0].shape);
      expect(wasm.outputs[0].dtype, msg).toBe(cpu.outputs[0].dtype);
      expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
      expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
    }
  });
});

describe('Tile', () => {
  it.each([
    { shape: [1, 1, 1, 16], reps: [4, 32, 32, 1], why: 'batch-norm gradient' },
    { shape: [2, 3], reps: [2, 2], why: '2-D' },
    { shape: [3, 1, 2], reps: [1, 4, 3], why: 'inner size 1 and 2' },
    { shape: [5], reps: [3], why: '1-D' },
    { shape: [2, 3], reps: [0, 2], why: 'zero reps' },
    { shape: [2, 2, 2, 2, 2], reps: [2, 1, 3, 1, 2], why: 'rank 5' },
  ])('$why: $shape x $reps', async (c) => {
    const x = randomHost(`tile-${c.why}`, c.shape);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const { wasm, cpu } = await runKernelOnBoth('Tile', { x: asDtype(x, dtype) }, { reps: c.reps });
      const msg = describeParams({ ...c, dtype });
      expect(wasm.outputs[0].shape, msg).toEqual(cpu.outputs[0].shape);
      expect(Array.from(wasm.outputs[0].values), msg).toEqual(Array.from(cpu.outputs[0].values));
      expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
    }
  });
});

describe('SplitV and Concat', () => {
  it.each([
    { shape: [4, 16, 16, 32], splits: [16, 16], axis: 3, why: 'concat gradient, channels' },
    { shape: [2, 8, 8, 48], splits: [16, 32], axis: -1, why: 'unequal parts' },
    { shape: [2, 10, 100], splits: [3, -1], axis: 1, why: 'long blocks (memcpy), -1 size' },
    { shape: [6, 4, 5], splits: 3, axis: 0, why: 'equal split, axis 0' },
    { shape: [3, 4, 6], splits: [2, 0, 4], axis: 2, why: 'an empty part' },
  ])('SplitV $why: $shape', async (c) => {
    const x = randomHost(`split-${c.why}`, c.shape);
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const attrs = { numOrSizeSplits: c.splits, axis: c.axis };
      const { wasm, cpu } = await runKernelOnBoth('SplitV', { x: asDtype(x, dtype) }, attrs);
      const msg = describeParams({ ...c, dtype });
      expect(
        wasm.outputs.map((o) => o.shape),
        msg,
      ).toEqual(cpu.outputs.map((o) => o.shape));
      wasm.outputs.forEach((o, i) => {
        expect(o.dtype, msg).toBe(cpu.outputs[i].dtype);
        expect(Array.from(o.values), `part ${i}: ${msg}`).toEqual(Array.from(cpu.outputs[i].values));
      });
      expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
    }
  });

  it.each([
    {
      shapes: [
        [4, 16, 16, 16],
        [4, 16, 16, 16],
      ],
      axis: 3,
      why: 'skip concat',
    },
    {
      shapes: [
        [2, 8, 8, 32],
        [2, 8, 8, 16],
        [2, 8, 8, 1],
      ],
      axis: -1,
      why: 'three parts',
    },
    {
      shapes: [
        [2, 3, 50],
        [2, 7, 50],
      ],
      axis: 1,
      why: 'long blocks',
    },
    {
      shapes: [
        [1, 4],
        [3, 4],
      ],
      axis: 0,
      why: 'axis 0',
    },
    {
      shapes: [
        [2, 0, 3],
        [2, 4, 3],
      ],
      axis: 1,
      why: 'an empty input (wasm)',
    },
  ])('Concat $why', async (c) => {
    for (const dtype of ['float32', 'int32', 'bool'] as const) {
      const parts = c.shapes.map((s, i) => asDtype(randomHost(`concat-${c.why}-${i}`, s), dtype));
      const { wasm, cpu } = await runKernelOnBoth('Concat', parts, { axis: c.axis });
      const msg = describeParams({ ...c, dtype });
      expect(wasm.outputs[0].shape, msg).toEqual(cpu.outputs[0].shape);
      expect(Array.from(wasm.outputs[0].values), msg).toEqual(Array.from(cpu.outputs[0].values));
      expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
    }
  });

  it('tf.concat and its gradient on wasm match cpu (through the engine)', async () => {
    const a = randomHost('cg-a', [2, 6, 6, 8]);
    const b = randomHost('cg-b', [2, 6, 6, 4]);
    const w = randomHost('cg-w', [2, 6, 6, 12]);
    const run = async (name: 'wasm' | 'cpu') => {
      await useBackend(name);
      return tf.tidy(() => {
        const [ta, tb, tw] = [a, b, w].map((h) => tf.tensor(h.values, h.shape));
        const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(tf.concat([x, y], 3), tw));
        return tf
          .grads(f)([ta, tb])
          .map((g) => g.dataSync() as Float32Array);
      });
    };
    const gw = await run('wasm');
    const gc = await run('cpu');
    gw.forEach((g, i) => expect(Array.from(g), `gradient ${i}`).toEqual(Array.from(gc[i])));
  });
});

describe('MaxPoolGrad, 2x2 stride 2 fast path (others: the general replacement)', () => {
  it.each([
    { batch: 8, size: 32, channels: 16, pad: 'valid' as const, ties: false },
    { batch: 4, size: 16, channels: 32, pad: 'same' as const, ties: false },
    { batch: 2, size: 9, channels: 8, pad: 'valid' as const, ties: false }, // last row/column unpooled
    { batch: 2, size: 16, channels: 1, pad: 'valid' as const, ties: true },
    { batch: 2, size: 9, channels: 4, pad: 'same' as const, ties: false }, // padded: general path
  ])('B$batch $size x $size x $channels, $pad, ties $ties', async (c) => {
    const xShape: [number, number, number, number] = [c.batch, c.size, c.size, c.channels];
    const input = randomHost(`mpf-x-${c.size}-${c.channels}`, xShape);
    if (c.ties) input.values = input.values.map((v) => Math.round(2 * v) / 2);
    input.values[0] = -Infinity;
    const info = tf.backend_util.computePool2DInfo(xShape, 2, 2, 1, c.pad);
    const output = {
      values: new Float32Array(tf.util.sizeFromShape(info.outShape)),
      shape: info.outShape,
      dtype: 'float32' as const,
    };
    const dy = randomHost(`mpf-dy-${c.size}-${c.channels}`, info.outShape);
    const attrs = { filterSize: 2, strides: 2, pad: c.pad };
    const { wasm, cpu } = await runKernelOnBoth('MaxPoolGrad', { dy, input, output }, attrs);
    const msg = describeParams(c);
    expect(wasm.outputs[0].shape, msg).toEqual(xShape);
    expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });
});

describe('Identity and same-dtype Cast share the input data (others: wasm)', () => {
  it.each([
    { kernel: 'Identity', from: 'float32', to: 'float32' },
    { kernel: 'Identity', from: 'int32', to: 'int32' },
    { kernel: 'Cast', from: 'float32', to: 'float32' },
    { kernel: 'Cast', from: 'float32', to: 'int32' },
    { kernel: 'Cast', from: 'int32', to: 'float32' },
    { kernel: 'Cast', from: 'float32', to: 'bool' },
    { kernel: 'Cast', from: 'int32', to: 'bool' },
  ] as const)('$kernel $from -> $to: the values of cpu', async (c) => {
    const x = asDtype(randomHost(`share-${c.kernel}`, [3, 5, 7]), c.from);
    const attrs = c.kernel === 'Cast' ? { dtype: c.to } : {};
    const { wasm, cpu } = await runKernelOnBoth(c.kernel, { x }, attrs);
    const msg = describeParams(c);
    expect(wasm.outputs[0].dtype, msg).toBe(cpu.outputs[0].dtype);
    expect(Array.from(wasm.outputs[0].values), msg).toEqual(Array.from(cpu.outputs[0].values));
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });

  it('a clone and a float32 cast allocate nothing and outlive their source; gradients pass through', async () => {
    await useBackend('wasm');
    const backend = tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array }; numDataIds(): number };
    const x = tf.tensor1d([1, 2, 3, 4]);
    const ids0 = backend.numDataIds();
    const c = tf.clone(x);
    const f = tf.cast(x, 'float32');
    expect(backend.numDataIds(), 'no new data').toBe(ids0);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(f.dataSync())).toEqual([1, 2, 3, 4]);
    const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.cast(tf.clone(v), 'float32'), v)))(c);
    expect(Array.from(g.dataSync())).toEqual([2, 4, 6, 8]);
    tf.dispose([c, f, g]);
    expect(backend.numDataIds()).toBe(ids0 - 1);
  });
});
