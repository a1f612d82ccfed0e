/**
 * Sum and Mean for wasm, REPLACEMENTS for speed in one case: a reduction over LEADING axes,
 * out[c] = sum_r x[r, c] (or its mean) with x viewed as [R, C]. That is every bias gradient (tf.add's
 * gradient sums dy [B,H,W,C] over [0, 1, 2]) and every batch-norm statistic (tf.moments over [0, 1, 2]).
 * wasm's own kernels reduce innermost axes only, so they first transpose the whole tensor (a scalar C++
 * loop, one extra pass with a stride-C read) and then reduce: 13 Sum calls were 25 ms of a 128x128
 * batch-8 U-Net training step. Every other case goes to wasm's own kernels.
 *
 * float32: wasm's AvgPool (XNNPACK average pooling, SIMD over channels) reads x in place as an image
 * [1, K, R/K, C] and averages windows of K x 1 rows: K*(R/K)*C floats in 0.1-0.6 ms where wasm's Sum took
 * 3-7 ms and a JS loop 2-3 ms at [65536, 16]. K is a divisor of R, at most MAX_BLOCK_ROWS, so that no
 * float32 average runs over more terms; the R/K partial averages per column are combined in double
 * precision. Otherwise (int32, or R without such a divisor): one JS pass, rows outer, the C contiguous
 * columns inner, into a Float64Array of size C, rounded once at the end (int32 sums: exact below 2^53,
 * then stored modulo 2^32 like the cpu backend's). An empty x reduces to zeros, as on the cpu backend
 * (wasm's own kernels leave an int32 sum uninitialised and give NaN means).
 */
import * as tf from '@tensorflow/tfjs';
import {
  disposeIntermediates,
  f32View,
  runNativeKernel,
  runWasmKernel,
  type BackendWasm,
  type TensorInfo,
  type WasmKernelArgs,
} from './wasm-backend';

type Reduction = 'Sum' | 'Mean';

/** Most rows one float32 average may run over; a block needs at least MIN_BLOCK_ROWS to pay. */
const MAX_BLOCK_ROWS = 1024;
const MIN_BLOCK_ROWS = 64;

/** The largest divisor of R in [MIN_BLOCK_ROWS, MAX_BLOCK_ROWS], or 0. */
function blockRows(R: number): number {
  for (let K = Math.min(MAX_BLOCK_ROWS, R); K >= MIN_BLOCK_ROWS; K--) if (R % K === 0) return K;
  return 0;
}

function reduceLeading(kind: Reduction, args: WasmKernelArgs<tf.SumAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  const plainDtype = x.dtype === 'float32' || x.dtype === 'int32';
  if (!plainDtype || axes.length === 0 || axes.length === x.shape.length || !leading) {
    return runNativeKernel(kind, args) as TensorInfo;
  }
  const R = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const outShape = x.shape.slice(axes.length);
  const C = tf.util.sizeFromShape(outShape);
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...outShape] : outShape;
  const K = x.dtype === 'float32' && C > 0 ? blockRows(R) : 0;
  const acc = K ? meansByPooling(backend, x, R, C, K) : sumByLoop(backend, x, R, C);
  // meansByPooling gives means, sumByLoop sums.
  const scale = K ? (kind === 'Mean' ? 1 : R) : kind === 'Mean' && R > 0 ? 1 / R : 1;
  if (scale !== 1) for (let c = 0; c < C; c++) acc[c] *= scale;
  // A mean is float32 whatever x is (as wasm's and the cpu backend's kernels).
  const out = backend.makeOutput(shape, kind === 'Mean' ? 'float32' : x.dtype);
  (backend.typedArrayFromHeap(out) as Float32Array | Int32Array).set(acc);
  return out;
}

function sumByLoop(backend: BackendWasm, x: TensorInfo, R: number, C: number): Float64Array {
  const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const acc = new Float64Array(C);
  for (let r = 0, i = 0; r < R; r++) {
    for (let c = 0; c < C; c++, i++) acc[c] += xv[i];
  }
  return acc;
}

/** Column means of x [R, C] from R/K average pools of K rows each. */
function meansByPooling(backend: BackendWasm, x: TensorInfo, R: number, C: number, K: number): Float64Array {
  const k = R / K;
  // x read in place as one image of K rows, k columns and C channels; the pool window is K x 1.
  const image = { dataId: x.dataId, shape: [1, K, k, C], dtype: x.dtype };
  const part = runWasmKernel('AvgPool', { x: image }, backend, {
    filterSize: [K, 1],
    strides: [1, 1],
    pad: 'valid',
  });
  const pv = f32View(backend, part);
  const acc = new Float64Array(C);
  for (let j = 0, i = 0; j < k; j++) {
    for (let c = 0; c < C; c++, i++) acc[c] += pv[i];
  }
  for (let c = 0; c < C; c++) acc[c] /= k;
  disposeIntermediates(backend, [part]);
  return acc;
}

export const sum = (args: WasmKernelArgs<tf.SumAttrs>) => reduceLeading('Sum', args);
export const mean = (args: WasmKernelArgs<tf.MeanAttrs>) => reduceLeading('Mean', args);

export const reduceLeadingAxesConfigs: readonly tf.KernelConfig[] = [
  { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: sum as unknown as tf.KernelFunc },
  { kernelName: tf.Mean, backendName: 'wasm', kernelFunc: mean as unknown as tf.KernelFunc },
];
