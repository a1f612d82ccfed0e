/**
 * Conv2DBackpropFilter on wasm with the speed-ups on: stride-1 NHWC filter gradients as a chunked GEMM
 * (conv2d-backprop-filter-gemm.ts), everything else by the batch/channel-swapped convolution. Against
 * tfjs's cpu backend on the U-Net's shapes and on the GEMM path's edge cases: dy narrower than x ('valid',
 * explicit padding: one copy per row), shifts that wrap across rows (odd widths, 5x5), several chunks per
 * image, 1x1 filters. Tolerance as in wasm-kernels.test.ts.
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
  stride?: number;
  pad: 'same' | 'valid' | number[][];
  dataFormat?: 'NHWC' | 'NCHW';
  why: string;
}

const cases: Case[] = [
  { batch: 4, inH: 16, inW: 16, inC: 16, outC: 16, k: 3, pad: 'same', why: 'enc1b' },
  { batch: 2, inH: 16, inW: 16, inC: 1, outC: 16, k: 3, pad: 'same', why: 'first conv, 1 channel' },
  { batch: 2, inH: 8, inW: 8, inC: 64, outC: 32, k: 3, pad: 'same', why: 'dec2a (concat input)' },
  { batch: 4, inH: 32, inW: 32, inC: 16, outC: 1, k: 1, pad: 'same', why: '1x1 head' },
  { batch: 2, inH: 13, inW: 11, inC: 8, outC: 8, k: 3, pad: 'same', why: 'odd, non-square' },
  { batch: 2, inH: 12, inW: 10, inC: 4, outC: 8, k: 5, pad: 'same', why: '5x5: shifts of 2 columns' },
  { batch: 2, inH: 12, inW: 12, inC: 8, outC: 8, k: 3, pad: 'valid', why: 'valid: dy narrower' },
  { batch: 2, inH: 12, inW: 9, inC: 4, outC: 4, k: [3, 2], pad: 'same', why: '3x2 filter' },
  {
    batch: 2,
    inH: 10,
    inW: 9,
    inC: 8,
    outC: 4,
    k: 3,
    pad: [
      [0, 0],
      [2, 0],
      [0, 1],
      [0, 0],
    ],
    why: 'explicit pad',
  },
  // 9*64*70 floats per row of dy: 4 M-float chunks of 104 rows, so 2 chunks for this image.
  { batch: 1, inH: 130, inW: 70, inC: 64, outC: 8, k: 3, pad: 'same', why: 'two chunks per image' },
  // The swapped convolution's cases.
  { batch: 2, inH: 16, inW: 16, inC: 8, outC: 16, k: 3, stride: 2, pad: 'same', why: 'stride 2' },
  {
    batch: 2,
    inH: 12,
    inW: 12,
    inC: 8,
    outC: 4,
    k: 3,
    pad: 'same',
    dataFormat: 'NCHW',
    why: 'NCHW',
  },
];

describe('Conv2DBackpropFilter with the speed-ups (GEMM for stride 1) against cpu', () => {
  it('is the GEMM kernel registered for wasm', () => {
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')?.kernelFunc.name).toBe('conv2DBackpropFilterGemm');
  });

  it.each(cases)('$why: B$batch $inH x $inW, $inC->$outC, k$k, $pad', async (c) => {
    const format = c.dataFormat ?? 'NHWC';
    const [kh, kw] = typeof c.k === 'number' ? [c.k, c.k] : c.k;
    const xShape: [number, number, number, number] =
      format === 'NHWC' ? [c.batch, c.inH, c.inW, c.inC] : [c.batch, c.inC, c.inH, c.inW];
    const filterShape: [number, number, number, number] = [kh, kw, c.inC, c.outC];
    const stride = c.stride ?? 1;
    const info = tf.backend_util.computeConv2DInfo(
      xShape,
      filterShape,
      stride,
      1,
      c.pad as 'same',
      undefined,
      false,
      format === 'NHWC' ? 'channelsLast' : 'channelsFirst',
    );
    const x = randomHost(`cbfg-x-${c.why}`, xShape);
    const dy = randomHost(`cbfg-dy-${c.why}`, info.outShape);
    const attrs = { strides: stride, pad: c.pad, dataFormat: format, filterShape };
    const { wasm, cpu } = await runKernelOnBoth('Conv2DBackpropFilter', { x, dy }, attrs);
    const msg = describeParams({ ...c, xShape, dyShape: info.outShape });
    expect(wasm.outputs[0].shape, msg).toEqual(filterShape);
    expect(relErr(wasm.outputs[0].values, cpu.outputs[0].values), msg).toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], `leak: ${msg}`).toEqual([0, 0]);
  });

  it('names the shapes when dy does not fit x and the filter', async () => {
    await useBackend('wasm');
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] };
    tf.tidy(() => {
      expect(() =>
        tf
          .engine()
          .runKernel(
            'Conv2DBackpropFilter',
            { x: tf.zeros([1, 8, 8, 2]), dy: tf.zeros([1, 7, 8, 4]) },
            attrs,
          ),
      ).toThrow(/dy has shape \[1,7,8,4\].*x \[1,8,8,2\].*gives \[1,8,8,4\]/);
    });
  });
});
