/**
 * Our Conv2DBackpropInput for wasm (one XNNPACK Conv2D per call, polyphase for strides > 1) against tfjs's
 * cpu backend, on the shapes the engine uses (conv input gradients of 3x3 'same' and 1x1 convs; the U-Net's
 * 3x3 stride-2 transposed convs) and on the edge cases of the decomposition: odd sizes (phases of unequal
 * length), 'valid' and explicit padding (cropped dy), kernels smaller than the stride (empty phases),
 * unequal strides, stride 3, NCHW. Tolerance as in wasm-kernels.test.ts (1e-4 relative).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { tf } from '../../../src/main/engine/backend';
import { describeParams, randomHost, relErr, runKernelOnBoth, useBackend } from './compare-backends';

const TOL = 1e-4;

beforeAll(async () => {
  process.env.CT_AUDIT_WASM_FAST_KERNELS = '1';
  await useBackend('wasm');
});

interface Case {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outC: number;
  k: number | [number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | number[][];
  dataFormat?: 'NHWC' | 'NCHW';
  why: string;
}

const cases: Case[] = [
  // Input gradients of the U-Net's stride-1 convs (x [B,H,W,inC] -> y [B,H,W,outC]).
  { batch: 4, inH: 16, inW: 16, inC: 16, outC: 16, k: 3, stride: 1, pad: 'same', why: 'enc1b 16->16' },
  { batch: 2, inH: 16, inW: 16, inC: 1, outC: 16, k: 3, stride: 1, pad: 'same', why: 'first conv 1->16' },
  { batch: 2, inH: 8, inW: 8, inC: 32, outC: 64, k: 3, stride: 1, pad: 'same', why: 'mida 32->64' },
  { batch: 1, inH: 8, inW: 8, inC: 64, outC: 64, k: 3, stride: 1, pad: 'same', why: 'midb 64->64' },
  {
    batch: 2,
    inH: 16,
    inW: 16,
    inC: 64,
    outC: 32,
    k: 3,
    stride: 1,
    pad: 'same',
    why: 'dec2a (concat) 64->32',
  },
  { batch: 4, inH: 32, inW: 32, inC: 16, outC: 1, k: 1, stride: 1, pad: 'same', why: '1x1 head' },
  { batch: 1, inH: 64, inW: 64, inC: 16, outC: 16, k: 3, stride: 1, pad: 'same', why: '64x64' },
  { batch: 4, inH: 13, inW: 11, inC: 8, outC: 16, k: 3, stride: 1, pad: 'same', why: 'odd, non-square' },
  { batch: 2, inH: 12, inW: 12, inC: 8, outC: 8, k: 3, stride: 1, pad: 'valid', why: 'valid' },
  { batch: 2, inH: 12, inW: 10, inC: 4, outC: 8, k: 5, stride: 1, pad: 'same', why: '5x5 same' },
  // conv2dTranspose(x [B,h,w,Cin] -> [B,2h,2w,Cout]) runs Conv2DBackpropInput with stride 2: inC = Cout.
  { batch: 4, inH: 16, inW: 16, inC: 32, outC: 64, k: 3, stride: 2, pad: 'same', why: 'up2 64->32' },
  { batch: 4, inH: 32, inW: 32, inC: 16, outC: 32, k: 3, stride: 2, pad: 'same', why: 'up1 32->16' },
  { batch: 2, inH: 15, inW: 15, inC: 8, outC: 16, k: 3, stride: 2, pad: 'same', why: 's2 same, odd' },
  { batch: 2, inH: 14, inW: 9, inC: 8, outC: 8, k: 3, stride: 2, pad: 'valid', why: 's2 valid (dy cropped)' },
  { batch: 2, inH: 16, inW: 16, inC: 8, outC: 16, k: 2, stride: 2, pad: 'valid', why: '2x2 s2 valid' },
  { batch: 2, inH: 16, inW: 16, inC: 8, outC: 16, k: 4, stride: 2, pad: 'same', why: '4x4 s2 same' },
  { batch: 2, inH: 17, inW: 16, inC: 4, outC: 8, k: 1, stride: 2, pad: 'same', why: '1x1 s2: empty phases' },
  { batch: 2, inH: 13, inW: 14, inC: 4, outC: 8, k: 5, stride: 3, pad: 'same', why: '5x5 s3' },
  { batch: 2, inH: 12, inW: 11, inC: 4, outC: 8, k: [3, 2], stride: [2, 1], pad: 'same', why: 'unequal' },
  {
    batch: 2,
    inH: 10,
    inW: 9,
    inC: 8,
    outC: 4,
    k: 3,
    stride: 1,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
    why: 'explicit pad',
  },
  {
    batch: 2,
    inH: 11,
    inW: 12,
    inC: 4,
    outC: 8,
    k: 3,
    stride: 2,
    pad: [
      [0, 0],
      [1, 2],
      [2, 0],
      [0, 0],
    ],
    why: 'explicit pad, s2',
  },
  {
    batch: 2,
    inH: 12,
    inW: 12,
    inC: 8,
    outC: 4,
    k: 3,
    stride: 2,
    pad: 'same',
    dataFormat: 'NCHW',
    why: 'NCHW',
  },
];

describe('Conv2DBackpropInput (ours, on XNNPACK Conv2D) against cpu', () => {
  it('is the kernel registered for wasm', () => {
    expect(tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc.name).toBe('conv2DBackpropInput');
  });

  it.each(cases)('$why: B$batch $inH x $inW, $inC<-$outC, k$k, s$stride, $pad', async (c) => {
    const format = c.dataFormat ?? 'NHWC';
    const [kh, kw] = typeof c.k === 'number' ? [c.k, c.k] : c.k;
    const inputShape: [number, number, number, number] =
      format === 'NHWC' ? [c.batch, c.inH, c.inW, c.inC] : [c.batch, c.inC, c.inH, c.inW];
    const filterShape: [number, number, number, number] = [kh, kw, c.inC, c.outC];
    const info = tf.backend_util.computeConv2DInfo(
      inputShape,
      filterShape,
      c.stride,
      1,
      c.pad as 'same',
      undefined,
      false,
      format === 'NHWC' ? 'channelsLast' : 'channelsFirst',
    );
    const dy = randomHost(`cbi-dy-${c.why}`, info.outShape);
    const filter = randomHost(`cbi-w-${c.why}`, filterShape);
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: format, inputShape };
    const { wasm, cpu } = await runKernelOnBoth('Conv2DBackpropInput', { dy, filter }, attrs);
    const msg = describeParams({ ...c, inputShape, dyShape: info.outShape });
    expect(wasm.outputs[0].shape, msg).toEqual(inputShape);
    expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });

  it('names the shapes when dy does not fit, and the dtype when it is not float32', async () => {
    await useBackend('wasm');
    const n0 = tf.memory().numTensors;
    const attrs = { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [1, 8, 8, 2] };
    tf.tidy(() => {
      const filter = tf.zeros([3, 3, 2, 4]);
      expect(() =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.zeros([1, 8, 8, 4]), filter }, attrs),
      ).toThrow(/dy has shape \[1,8,8,4\].*input \[1,8,8,2\].*gives \[1,4,4,4\]/);
      expect(() =>
        tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.zeros([1, 4, 4, 4], 'int32'), filter }, attrs),
      ).toThrow(/input 'dy' must be float32, got int32/);
    });
    expect(tf.memory().numTensors).toBe(n0);
  });
});
