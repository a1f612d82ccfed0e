/**
 * Each kernel that src/main/engine/backend/wasm-kernels registers, on wasm against tfjs's cpu backend,
 * on seeded inputs of the shapes the engine uses. Tolerance: ||wasm - cpu|| / ||cpu|| <= 1e-4; both sides
 * sum in float32 in different orders (XNNPACK blocks its sums), which costs ~1e-6 here, so 1e-4 is loose
 * enough to be stable and tight enough to catch any indexing or padding mistake (those give O(1) errors).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/main/engine/backend';
import {
  WASM_EXTRA_KERNELS,
  WASM_REPLACED_KERNELS,
  WASM_SPEEDUP_KERNELS,
  registerWasmKernels,
  wasmSpeedupsEnabled,
} from '../../../src/main/engine/backend/wasm-kernels';
import { nativeMaxPoolGradIsWrong } from '../../../src/main/engine/backend/wasm-kernels/max-pool-grad';
import type { BackendWasm } from '../../../src/main/engine/backend/wasm-kernels/wasm-backend';
import {
  describeParams,
  randomHost,
  relErr,
  runKernelHere,
  runKernelOnBoth,
  useBackend,
} from './compare-backends';

const TOL = 1e-4;

beforeAll(async () => {
  await useBackend('wasm');
});

describe('registration', () => {
  it('registers every extra kernel for wasm, and replaces the wrong ones, idempotently', () => {
    const names = registerWasmKernels();
    // tfjs-backend-wasm 4.22's MaxPoolGrad fails the known-answer check, so it is replaced too.
    const speedups = wasmSpeedupsEnabled() ? WASM_SPEEDUP_KERNELS : [];
    const expected = new Set([...WASM_EXTRA_KERNELS, ...WASM_REPLACED_KERNELS, ...speedups]);
    expect(names.sort()).toEqual([...expected].sort());
    expect(registerWasmKernels().sort()).toEqual(names);
    for (const n of names) expect(tf.getKernel(n, 'wasm'), n).toBeDefined();
  });
});

interface ConvCase {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid' | number[][];
  dataFormat?: 'NHWC' | 'NCHW';
  why: string;
}

// Sizes are small where channels are many: the cpu reference is a scalar JS loop.
const convCases: ConvCase[] = [
  { batch: 1, inH: 64, inW: 64, inC: 1, outC: 16, k: 3, stride: 1, pad: 'same', why: 'first conv, 64x64' },
  { batch: 4, inH: 8, inW: 8, inC: 16, outC: 32, k: 3, stride: 1, pad: 'same', why: '3x3 same, batch 4' },
  { batch: 1, inH: 8, inW: 8, inC: 64, outC: 64, k: 3, stride: 1, pad: 'same', why: 'bottleneck 64 ch' },
  { batch: 1, inH: 16, inW: 16, inC: 32, outC: 32, k: 3, stride: 1, pad: 'same', why: '32 ch' },
  { batch: 4, inH: 13, inW: 11, inC: 16, outC: 16, k: 3, stride: 1, pad: 'same', why: 'odd, non-square' },
  { batch: 4, inH: 32, inW: 32, inC: 16, outC: 1, k: 1, stride: 1, pad: 'same', why: '1x1 head' },
  { batch: 1, inH: 64, inW: 64, inC: 32, outC: 1, k: 1, stride: 1, pad: 'valid', why: '1x1 head, 64x64' },
  { batch: 4, inH: 16, inW: 16, inC: 64, outC: 32, k: 1, stride: 1, pad: 'same', why: '1x1 channel mix' },
  { batch: 1, inH: 16, inW: 16, inC: 16, outC: 16, k: 3, stride: 1, pad: 'valid', why: '3x3 valid' },
  { batch: 4, inH: 9, inW: 9, inC: 32, outC: 16, k: 3, stride: 1, pad: 'valid', why: '3x3 valid, odd' },
  // conv2dTranspose(x [B,h,w,Cin] -> [B,2h,2w,Cout], filter [k,k,Cout,Cin]) differentiates its filter
  // with Conv2DBackpropFilter(x = dy_up [B,2h,2w,Cout], dy = x, stride 2): these cases.
  { batch: 4, inH: 16, inW: 16, inC: 16, outC: 32, k: 3, stride: 2, pad: 'same', why: 'convT 3x3 s2 same' },
  { batch: 1, inH: 64, inW: 64, inC: 1, outC: 16, k: 3, stride: 2, pad: 'same', why: '3x3 s2, 64x64' },
  { batch: 4, inH: 15, inW: 15, inC: 16, outC: 16, k: 3, stride: 2, pad: 'same', why: '3x3 s2 same, odd' },
  { batch: 4, inH: 16, inW: 16, inC: 32, outC: 16, k: 2, stride: 2, pad: 'valid', why: 'convT 2x2 s2' },
  { batch: 1, inH: 32, inW: 32, inC: 64, outC: 32, k: 2, stride: 2, pad: 'same', why: 'convT 2x2 s2 same' },
  { batch: 4, inH: 8, inW: 8, inC: 16, outC: 16, k: 3, stride: 2, pad: 'valid', why: 's2 valid: x cropped' },
  {
    batch: 4,
    inH: 10,
    inW: 9,
    inC: 16,
    outC: 8,
    k: 3,
    stride: 1,
    pad: [
      [0, 0],
      [1, 2],
      [0, 1],
      [0, 0],
    ],
    why: 'explicit pad',
  },
  {
    batch: 4,
    inH: 12,
    inW: 12,
    inC: 16,
    outC: 8,
    k: 3,
    stride: 2,
    pad: 'same',
    dataFormat: 'NCHW',
    why: 'NCHW',
  },
];

describe('Conv2DBackpropFilter', () => {
  it.each(convCases)('$why: B$batch $inH x $inW, $inC->$outC, k$k, s$stride, $pad', async (c) => {
    const format = c.dataFormat ?? 'NHWC';
    const xShape = format === 'NHWC' ? [c.batch, c.inH, c.inW, c.inC] : [c.batch, c.inC, c.inH, c.inW];
    const filterShape: [number, number, number, number] = [c.k, c.k, c.inC, c.outC];
    const info = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      filterShape,
      c.stride,
      1,
      c.pad as 'same',
      undefined,
      false,
      format === 'NHWC' ? 'channelsLast' : 'channelsFirst',
    );
    const x = randomHost(`cbf-x-${c.why}`, xShape);
    const dy = randomHost(`cbf-dy-${c.why}`, info.outShape);
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: format, filterShape };
    const { wasm, cpu } = await runKernelOnBoth('Conv2DBackpropFilter', { x, dy }, attrs);
    const msg = describeParams({ ...c, xShape, dyShape: info.outShape });
    expect(wasm.outputs[0].shape, msg).toEqual(filterShape);
    expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });
});

describe('Conv2DBackpropFilter errors', () => {
  it('names the shapes when dy does not fit x and the filter, and the dtype when it is not float32', async () => {
    await useBackend('wasm');
    const n0 = tf.memory().numTensors;
    const x = tf.zeros([1, 8, 8, 2]);
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] };
    tf.tidy(() => {
      expect(() =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: tf.zeros([1, 7, 8, 4]) }, attrs),
      ).toThrow(/dy has shape \[1,7,8,4\].*x \[1,8,8,2\].*gives \[1,8,8,4\]/);
      expect(() =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: tf.zeros([1, 8, 8, 2], 'int32'), dy: tf.zeros([1, 8, 8, 4]) },
            attrs,
          ),
      ).toThrow(/input 'x' must be float32, got int32/);
    });
    x.dispose();
    expect(tf.memory().numTensors).toBe(n0);
  });
});

interface DepthwiseCase {
  batch: number;
  size: number;
  channels: number;
  multiplier: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

const depthwiseCases: DepthwiseCase[] = [
  { batch: 1, size: 16, channels: 16, multiplier: 1, k: 3, stride: 1, pad: 'same' },
  { batch: 4, size: 13, channels: 8, multiplier: 2, k: 3, stride: 2, pad: 'same' },
  { batch: 4, size: 16, channels: 32, multiplier: 1, k: 3, stride: 1, pad: 'valid' },
  { batch: 1, size: 9, channels: 1, multiplier: 4, k: 3, stride: 2, pad: 'valid' },
  { batch: 4, size: 8, channels: 64, multiplier: 1, k: 1, stride: 1, pad: 'same' },
  { batch: 1, size: 64, channels: 1, multiplier: 1, k: 3, stride: 1, pad: 'same' },
];

describe('DepthwiseConv2dNativeBackpropInput / Filter', () => {
  it.each(depthwiseCases)(
    'B$batch $size x $size, C$channels x$multiplier, k$k, s$stride, $pad',
    async (c) => {
      const xShape: [number, number, number, number] = [c.batch, c.size, c.size, c.channels];
      const filterShape: [number, number, number, number] = [c.k, c.k, c.channels, c.multiplier];
      const info = tf.backend_util.computeConv2DInfo(
        xShape,
        filterShape,
        c.stride,
        1,
        c.pad,
        undefined,
        true,
      );
      const x = randomHost(`dw-x-${c.size}-${c.channels}`, xShape);
      const filter = randomHost(`dw-f-${c.size}-${c.channels}`, filterShape);
      const dy = randomHost(`dw-dy-${c.size}-${c.channels}`, info.outShape);
      const common = { strides: c.stride, dilations: 1, pad: c.pad };
      const msg = describeParams({ ...c, dyShape: info.outShape });

      const bi = await runKernelOnBoth(
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter },
        { ...common, inputShape: xShape },
      );
      expect(bi.wasm.outputs[0].shape, msg).toEqual(xShape);
      expect(
        relErr(bi.wasm.outputs[0].values, bi.cpu.outputs[0].values),
        `input grad: ${msg}`,
      ).toBeLessThanOrEqual(TOL);
      expect([bi.wasm.leakedTensors, bi.wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);

      const bf = await runKernelOnBoth(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        { ...common, filterShape },
      );
      expect(bf.wasm.outputs[0].shape, msg).toEqual(filterShape);
      expect(
        relErr(bf.wasm.outputs[0].values, bf.cpu.outputs[0].values),
        `filter grad: ${msg}`,
      ).toBeLessThanOrEqual(TOL);
      expect([bf.wasm.leakedTensors, bf.wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
    },
  );

  // The cpu kernels ignore dilations in their loops, so dilated cases are checked by the adjoint identity
  // against wasm's own forward DepthwiseConv2dNative, which supports them: with A = depthwise conv,
  // <A(x, f), dy> = <x, A_x^T dy> = <f, A_f^T dy>. Sums of ~1e4 float32 products: rel. error ~1e-6.
  it.each([
    { batch: 2, size: 12, channels: 4, multiplier: 2, k: 3, stride: 1, dilation: 2, pad: 'same' as const },
    { batch: 1, size: 11, channels: 3, multiplier: 1, k: 3, stride: 1, dilation: 3, pad: 'valid' as const },
  ])('adjoint identity with dilation $dilation, $pad', async (c) => {
    await useBackend('wasm');
    const msg = describeParams(c);
    const n0 = tf.memory().numTensors;
    const [lhs, rhsX, rhsF, scale] = tf.tidy(() => {
      const x = tf.randomNormal([c.batch, c.size, c.size, c.channels], 0, 1, 'float32', 1) as tf.Tensor4D;
      const f = tf.randomNormal([c.k, c.k, c.channels, c.multiplier], 0, 1, 'float32', 2) as tf.Tensor4D;
      const y = tf.depthwiseConv2d(x, f, c.stride, c.pad, 'NHWC', c.dilation);
      const dy = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
      const attrs = { strides: c.stride, dilations: c.dilation, pad: c.pad };
      const dx = tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropInput',
        { dy, filter: f },
        {
          ...attrs,
          inputShape: x.shape,
        },
      ) as tf.Tensor;
      const df = tf.engine().runKernel(
        'DepthwiseConv2dNativeBackpropFilter',
        { x, dy },
        {
          ...attrs,
          filterShape: f.shape,
        },
      ) as tf.Tensor;
      return [
        tf.sum(tf.mul(y, dy)).dataSync()[0],
        tf.sum(tf.mul(x, dx)).dataSync()[0],
        tf.sum(tf.mul(f, df)).dataSync()[0],
        tf.norm(y).dataSync()[0] * tf.norm(dy).dataSync()[0],
      ];
    });
    expect(Math.abs(lhs - rhsX) / scale, `input: ${msg}`).toBeLessThanOrEqual(1e-5);
    expect(Math.abs(lhs - rhsF) / scale, `filter: ${msg}`).toBeLessThanOrEqual(1e-5);
    expect(tf.memory().numTensors).toBe(n0);
  });
});

describe('UnsortedSegmentSum', () => {
  const ints = (a: number[]) => Int32Array.from(a);
  it.each([
    {
      what: 'float rows, ids with repeats and out-of-range (-1, 4) ids',
      xShape: [10, 7],
      ids: [0, 3, 3, -1, 1, 4, 0, 2, 3, 1],
      numSegments: 4,
    },
    {
      what: 'gather-gradient shape: [N, 64*64] rows',
      xShape: [6, 4096],
      ids: [5, 0, 5, 2, 2, 5],
      numSegments: 8,
    },
    {
      what: 'rank-2 ids over a rank-3 x',
      xShape: [3, 4, 5],
      ids: [0, 1, 2, 0, 1, 1, 1, 3, 2, 2, 0, 0],
      numSegments: 4,
    },
    { what: 'scalar rows', xShape: [9], ids: [0, 0, 1, 1, 2, 2, 3, 3, 3], numSegments: 5 },
    { what: 'empty x', xShape: [0, 5], ids: [], numSegments: 3 },
  ])('$what', async (c) => {
    // Rank-2 ids: the cpu kernel mis-broadcasts them (tfjs 4.22), so cpu gets the same sum flattened to
    // rank-1 ids over x reshaped to [12, 5]; the output is the same [numSegments, 5] either way.
    const rank2 = c.what.startsWith('rank-2');
    const idShape = rank2 ? [3, 4] : [c.ids.length];
    const msg = describeParams(c);
    for (const dtype of ['float32', 'int32'] as const) {
      const x = randomHost(`uss-${c.what}`, c.xShape);
      const xIn =
        dtype === 'float32'
          ? x
          : { ...x, values: Int32Array.from(x.values, (v) => Math.round(10 * v)), dtype };
      const segmentIds = { values: ints(c.ids), shape: idShape, dtype: 'int32' as const };
      await useBackend('cpu');
      const cpu = runKernelHere(
        'UnsortedSegmentSum',
        rank2
          ? { x: { ...xIn, shape: [12, 5] }, segmentIds: { ...segmentIds, shape: [12] } }
          : { x: xIn, segmentIds },
        { numSegments: c.numSegments },
      );
      await useBackend('wasm');
      const wasm = runKernelHere(
        'UnsortedSegmentSum',
        { x: xIn, segmentIds },
        { numSegments: c.numSegments },
      );
      expect(wasm.outputs[0].shape, msg).toEqual(cpu.outputs[0].shape);
      expect(wasm.outputs[0].dtype, msg).toBe(dtype);
      expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), `${dtype}: ${msg}`).toBeLessThanOrEqual(
        TOL,
      );
      expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
    }
  });
});

describe('Einsum', () => {
  it.each([
    {
      equation: 'ij,jk->ik',
      shapes: [
        [5, 7],
        [7, 3],
      ],
    },
    {
      equation: 'bij,bjk->bik',
      shapes: [
        [4, 6, 5],
        [4, 5, 2],
      ],
    },
    { equation: 'ij->ji', shapes: [[3, 8]] },
    { equation: 'ij->ij', shapes: [[3, 8]] },
    {
      equation: 'ij,ij->i',
      shapes: [
        [6, 9],
        [6, 9],
      ],
    },
    { equation: 'i,j->ij', shapes: [[4], [5]] },
    { equation: 'ij->', shapes: [[7, 5]] },
  ])('$equation', async (c) => {
    const operands = c.shapes.map((s, i) => randomHost(`einsum-${c.equation}-${i}`, s));
    const { wasm, cpu } = await runKernelOnBoth('Einsum', operands, { equation: c.equation });
    const msg = describeParams(c);
    expect(wasm.outputs[0].shape, msg).toEqual(cpu.outputs[0].shape);
    expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });
});

describe('MaxPoolGrad (replaces wasm 4.22, wrong for windows with max <= 0)', () => {
  // Inputs are N(0, 1), so about 1 window in 16 of a 2x2 pool is all negative; `ties` rounds them to
  // multiples of 0.5 so that windows also have repeated maxima (the first one in the window wins).
  it.each([
    { batch: 1, size: 8, channels: 1, pad: 'valid' as const, ties: false },
    { batch: 4, size: 16, channels: 16, pad: 'valid' as const, ties: false },
    { batch: 4, size: 9, channels: 32, pad: 'valid' as const, ties: false },
    { batch: 1, size: 9, channels: 64, pad: 'same' as const, ties: false },
    { batch: 4, size: 64, channels: 1, pad: 'same' as const, ties: false },
    { batch: 1, size: 33, channels: 16, pad: 'same' as const, ties: true },
    { batch: 4, size: 8, channels: 16, pad: 'valid' as const, ties: true },
  ])('2x2 stride 2: B$batch $size x $size x $channels, $pad, ties $ties', async (c) => {
    const xShape: [number, number, number, number] = [c.batch, c.size, c.size, c.channels];
    const input = randomHost(`mpg-x-${c.size}-${c.channels}`, xShape);
    if (c.ties) input.values = input.values.map((v) => Math.round(2 * v) / 2);
    const info = tf.backend_util.computePool2DInfo(xShape, 2, 2, 1, c.pad);
    // `output` (the pooled max) is an input of the kernel that neither implementation reads.
    const output = {
      values: new Float32Array(tf.util.sizeFromShape(info.outShape)),
      shape: info.outShape,
      dtype: 'float32' as const,
    };
    const dy = randomHost(`mpg-dy-${c.size}-${c.channels}`, info.outShape);
    const attrs = { filterSize: 2, strides: 2, pad: c.pad };
    const { wasm, cpu } = await runKernelOnBoth('MaxPoolGrad', { dy, input, output }, attrs);
    const msg = describeParams(c);
    expect(wasm.outputs[0].shape, msg).toEqual(xShape);
    expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });

  it('the known-answer check passes for ours', async () => {
    await useBackend('wasm');
    expect(nativeMaxPoolGradIsWrong(tf.backend() as BackendWasm)).toBe(false);
  });
});
