/**
 * Each kernel that src/main/engine/backend/wasm-kernels registers, on wasm against tfjs's cpu backend,
 * on seeded inputs of the shapes the engine uses. Tolerance: ||wasm - cpu|| / ||cpu|| <= 1e-4; both sides
 * sum in float32 in different orders (XNNPACK blocks its sums), which costs ~1e-6 here, so 1e-4 is loose
 * enough to be stable and tight enough to catch any indexing or padding mistake (those give O(1) errors).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/main/engine/backend';
import { WASM_EXTRA_KERNELS, registerWasmKernels } from '../../../src/main/engine/backend/wasm-kernels';
import { describeParams, randomHost, relErr, runKernelOnBoth, useBackend } from './compare-backends';

const TOL = 1e-4;

beforeAll(async () => {
  await useBackend('wasm');
});

describe('registration', () => {
  it('registers every extra kernel for wasm, idempotently', () => {
    const names = registerWasmKernels();
    expect(names.sort()).toEqual([...WASM_EXTRA_KERNELS].sort());
    expect(registerWasmKernels().sort()).toEqual(names);
    for (const n of WASM_EXTRA_KERNELS) expect(tf.getKernel(n, 'wasm'), n).toBeDefined();
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
