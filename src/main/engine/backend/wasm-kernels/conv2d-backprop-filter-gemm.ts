/**
 * Conv2DBackpropFilter for wasm as a plain GEMM on XNNPACK (wasm's BatchMatMul, i.e. its fully-connected
 * operator), for the stride-1 NHWC convolutions that make up most of a U-Net; others go to the
 * batch/channel-swapped convolution of conv2d-backprop-filter.ts.
 *
 *   dW[(kh,kw,ci), co] = sum_p A[(kh,kw,ci), p] * dy[p, co],   p = (b, oh, ow)
 *   A[(kh,kw,ci), p]   = x[b, oh + kh - pt, ow + kw - pl, ci]   (0 outside x): the transposed im2col
 * BatchMatMul(A [1, KH*KW*CI, P], dy [1, P, CO]) gives dW directly in its [KH, KW, CI, CO] order. wasm runs
 * an untransposed batch-1 BatchMatMul on XNNPACK's GEMM with dy as the "weights", packed straight from its
 * [P, CO] layout. The swapped convolution runs the same multiply-adds as an indirect GEMM at about half
 * the speed of the forward conv (see its file); this one as a direct GEMM, at the price of writing A.
 *
 * A is KH*KW times the size of x, so it is built and multiplied in chunks of (image, rows of dy) of at
 * most CHUNK_FLOATS floats, each chunk's product added into a Float64 accumulator of dW's size. x is first
 * transposed to [CI, B, H, W] (wasm's Transpose); then every row of A for one (tap, ci, image) is x's plane
 * shifted by (kh - pt) rows and (kw - pl) columns: when dy is as wide as x, one contiguous copy
 * (TypedArray.set, i.e. memcpy) of the whole chunk, followed by zeroing the |kw - pl| columns that the
 * flat shift wrapped across rows; otherwise one copy per row. Measured at 128x128, batch 8 (one core):
 * 16->16 channels 30 ms vs 35 ms swapped, 32->32 at 64x64 18 ms vs 32 ms.
 */
import * as tf from '@tensorflow/tfjs';
import {
  f32View,
  disposeIntermediates,
  runWasmKernel,
  type BackendWasm,
  type TensorInfo,
  type WasmKernelArgs,
} from './wasm-backend';
import { conv2DBackpropFilter as swappedConv } from './conv2d-backprop-filter';

/** Largest chunk of A, in floats (16 MB): one image of a 128x128, 32-channel layer is 4.7 M. */
const CHUNK_FLOATS = 1 << 22;

export function conv2DBackpropFilterGemm(args: WasmKernelArgs<tf.Conv2DBackpropFilterAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, dy } = inputs;
  const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs;
  const channelsLast = tf.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast';
  if (!channelsLast || x.dtype !== 'float32' || dy.dtype !== 'float32' || x.shape.length !== 4) {
    return swappedConv(args);
  }
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  if (info.strideHeight !== 1 || info.strideWidth !== 1 || !tf.util.arraysEqual(dy.shape, info.outShape)) {
    return swappedConv(args); // strided convs, and the shape error message
  }
  return gemm(backend, x, dy, info);
}

function gemm(
  backend: BackendWasm,
  x: TensorInfo,
  dy: TensorInfo,
  info: ReturnType<typeof tf.backend_util.computeConv2DInfo>,
): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const M = KH * KW * CI;
  const rowsPerChunk = Math.max(1, Math.min(OH, Math.floor(CHUNK_FLOATS / (M * OW))));
  const acc = new Float64Array(M * CO);
  const xT = runWasmKernel('Transpose', { x }, backend, { perm: [3, 0, 1, 2] }); // [CI, B, H, W]
  const plane = H * W;
  for (let b = 0; b < B; b++) {
    for (let r0 = 0; r0 < OH; r0 += rowsPerChunk) {
      const r1 = Math.min(OH, r0 + rowsPerChunk);
      const K = (r1 - r0) * OW;
      const a = backend.makeOutput([1, M, K], 'float32');
      const g = backend.makeOutput([1, K, CO], 'float32');
      {
        // Heap views after this chunk's last allocation (see f32View).
        const av = f32View(backend, a);
        const xv = f32View(backend, xT);
        const dyv = f32View(backend, dy);
        f32View(backend, g).set(dyv.subarray((b * OH + r0) * OW * CO, (b * OH + r1) * OW * CO));
        for (let kh = 0; kh < KH; kh++) {
          for (let kw = 0; kw < KW; kw++) {
            const dr = kh - pt; // source row = oh + dr
            const dc = kw - pl; // source column = ow + dc
            for (let ci = 0; ci < CI; ci++) {
              const dst = ((kh * KW + kw) * CI + ci) * K;
              const src = (ci * B + b) * plane;
              if (OW === W) copyShiftedPlane(av, dst, xv, src, (r0 + dr) * W + dc, K, plane, r1 - r0, W, dc);
              else copyShiftedRows(av, dst, xv, src, r0, r1, dr, dc, H, W, OW);
            }
          }
        }
      }
      const out = runWasmKernel('BatchMatMul', { a, b: g }, backend, {
        transposeA: false,
        transposeB: false,
      });
      const ov = f32View(backend, out);
      for (let i = 0; i < acc.length; i++) acc[i] += ov[i];
      disposeIntermediates(backend, [a, g, out]);
    }
  }
  disposeIntermediates(backend, [xT]);
  const dw = backend.makeOutput([KH, KW, CI, CO], 'float32');
  f32View(backend, dw).set(acc);
  return dw;
}

/**
 * dst[i] = src[i + shift] for the chunk's K = rows * W outputs (dy as wide as x), 0 outside the plane,
 * then 0 in the |dc| columns per row whose flat shift wrapped into the neighbouring row.
 */
function copyShiftedPlane(
  av: Float32Array,
  dst: number,
  xv: Float32Array,
  src: number,
  shift: number,
  K: number,
  plane: number,
  rows: number,
  W: number,
  dc: number,
): void {
  const lo = Math.min(K, Math.max(0, -shift));
  const hi = Math.max(lo, Math.min(K, plane - shift));
  if (lo > 0) av.fill(0, dst, dst + lo);
  if (hi > lo) av.set(xv.subarray(src + lo + shift, src + hi + shift), dst + lo);
  if (hi < K) av.fill(0, dst + hi, dst + K);
  if (dc === 0) return;
  const [c0, c1] = dc < 0 ? [0, Math.min(W, -dc)] : [Math.max(0, W - dc), W];
  for (let r = 0; r < rows; r++) av.fill(0, dst + r * W + c0, dst + r * W + c1);
}

/** dst row (oh - r0) = x row oh + dr, columns ow + dc, for oh in [r0, r1) (dy narrower than x). */
function copyShiftedRows(
  av: Float32Array,
  dst: number,
  xv: Float32Array,
  src: number,
  r0: number,
  r1: number,
  dr: number,
  dc: number,
  H: number,
  W: number,
  OW: number,
): void {
  const ow0 = Math.max(0, -dc);
  const ow1 = Math.max(ow0, Math.min(OW, W - dc));
  for (let oh = r0; oh < r1; oh++) {
    const d = dst + (oh - r0) * OW;
    const ih = oh + dr;
    if (ih < 0 || ih >= H) {
      av.fill(0, d, d + OW);
      continue;
    }
    if (ow0 > 0) av.fill(0, d, d + ow0);
    const s = src + ih * W + dc;
    if (ow1 > ow0) av.set(xv.subarray(s + ow0, s + ow1), d + ow0);
    if (ow1 < OW) av.fill(0, d + ow1, d + OW);
  }
}

export const conv2DBackpropFilterGemmConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropFilter,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropFilterGemm as unknown as tf.KernelFunc,
};
