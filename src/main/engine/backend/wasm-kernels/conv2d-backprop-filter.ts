/**
 * Conv2DBackpropFilter for wasm: dW = d(loss)/d(filter) of a conv2d, the kernel every training step and
 * every conv2dTranspose filter gradient needs. tfjs-backend-wasm 4.22 lacks it.
 *
 *   dW[kh,kw,ci,co] = sum_{b,oh,ow} x[b, oh*sh + kh - pt, ow*sw + kw - pl, ci] * dy[b,oh,ow,co]
 *
 * Read with the batch and channel axes swapped, this is itself a convolution that wasm's Conv2D (XNNPACK)
 * runs: image  X'[ci, h, w, b] = x[b, h, w, ci]        (batch CI, channels B)
 *       filter F'[oh, ow, b, co] = dy[b, oh, ow, co]    (size OH x OW, dilation = the stride (sh, sw))
 *       output O'[ci, kh, kw, co] = dW[kh, kw, ci, co]  (stride 1, explicit padding pt/pl, see below).
 * Three wasm Transposes move the axes (x, dy in; the result out), and the data format only changes their
 * permutations. Measured at B=4, 64x64, 32->32 channels, 3x3, one core: 18-20 ms, against 10 ms for the
 * forward conv; a JS loop took 255 ms, im2col + BatchMatMul 85 ms (wasm runs a transposed matmul as a
 * scalar C++ loop), and wasm's own Conv3DBackpropFilterV2 with depth 1 235 ms (and it disagrees with the
 * cpu backend for stride 2 in 4.22, relative error ~0.5).
 *
 * Why ~2x the forward conv, and what did not help (issue 3, 128x128 batch 8, 32->16 channels, one core):
 * this is a GEMM with M = CI*KH*KW, N = CO small and K = B*OH*OW = 131072 huge. XNNPACK runs it at
 * ~12 GMAC/s against ~20 for the forward conv: every M tile streams all K x N packed "weights" (dy, 8 MB,
 * far beyond L2), and each call packs dy anew (~10 ms: tfjs transposes a filter to [N, K] with a scalar
 * loop, then XNNPACK packs it). Tried: (a) channels (b, ow) and filter height OH over an input holding KW
 * shifted copies of x, so that the GEMM reads runs of B*OW instead of B floats: the Conv2D took the same
 * time and building the input cost more (80 ms vs 60 ms); (b) splitting K into chunks of 4-32 rows of dy
 * so that each chunk's weights stay in L2: no gain (52-55 ms vs 56 ms). What did help is a plain GEMM over
 * a materialised transposed im2col, built by block copies and multiplied in chunks: that is the speed-up
 * kernel for stride 1 (conv2d-backprop-filter-gemm.ts), which hands strided and NCHW cases to this one.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '@shared/errors';
import {
  checkDtypes,
  disposeIntermediates,
  runWasmKernel,
  type TensorInfo,
  type WasmKernelArgs,
} from './wasm-backend';

export function conv2DBackpropFilter({
  inputs,
  backend,
  attrs,
}: WasmKernelArgs<tf.Conv2DBackpropFilterAttrs>): TensorInfo {
  const { x, dy } = inputs;
  checkDtypes('Conv2DBackpropFilter', { x, dy }, ['float32']);
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const channelsLast = tf.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast';
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    channelsLast ? 'channelsLast' : 'channelsFirst',
  );
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, inHeight, inWidth } = info;
  const [outHeight, outWidth] = channelsLast ? dy.shape.slice(1, 3) : dy.shape.slice(2, 4);
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) {
    throw new ShapeError(
      `wasm Conv2DBackpropFilter: dy has shape [${dy.shape}], the conv of x [${x.shape}] with filter ` +
        `[${filterShape}] (${dataFormat}) gives [${info.outShape}]`,
    );
  }
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  // Padding after the image so that the dilated "filter" dy, slid with stride 1, gives exactly kh x kw
  // outputs: kh = (H + pt + pb) - ((OH - 1) * sh + 1) + 1. Negative means the last rows/columns of x never
  // meet dy (e.g. 3x3 'valid' stride 2 on an even size): they are cropped away instead.
  const pb = kh + (outHeight - 1) * sh - inHeight - pt;
  const pr = kw + (outWidth - 1) * sw - inWidth - pl;

  const temps: TensorInfo[] = [];
  let xUsed = x;
  if (pb < 0 || pr < 0) {
    const size = x.shape.slice();
    size[channelsLast ? 1 : 2] = inHeight + Math.min(pb, 0);
    size[channelsLast ? 2 : 3] = inWidth + Math.min(pr, 0);
    xUsed = runWasmKernel('Slice', { x }, backend, { begin: [0, 0, 0, 0], size });
    temps.push(xUsed);
  }
  const xT = runWasmKernel('Transpose', { x: xUsed }, backend, {
    perm: channelsLast ? [3, 1, 2, 0] : [1, 2, 3, 0],
  });
  temps.push(xT);
  const dyT = runWasmKernel('Transpose', { x: dy }, backend, {
    perm: channelsLast ? [1, 2, 0, 3] : [2, 3, 0, 1],
  });
  temps.push(dyT);
  const dwT = runWasmKernel('Conv2D', { x: xT, filter: dyT }, backend, {
    strides: [1, 1],
    dilations: [sh, sw],
    pad: [
      [0, 0],
      [pt, Math.max(pb, 0)],
      [pl, Math.max(pr, 0)],
      [0, 0],
    ],
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  });
  temps.push(dwT);
  const dw = runWasmKernel('Transpose', { x: dwT }, backend, { perm: [1, 2, 0, 3] });
  disposeIntermediates(backend, temps);
  return dw;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc,
};
