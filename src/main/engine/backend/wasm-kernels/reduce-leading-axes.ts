/**
 * Sum and Mean for wasm, REPLACEMENTS for speed in one case: a reduction over LEADING axes,
 * out[c] = sum_r x[r, c] (or its mean) with x viewed as [R, C]. That is every bias gradient (tf.add's
 * gradient sums dy [B,H,W,C] over [0, 1, 2]) and every batch-norm statistic (tf.moments over [0, 1, 2]).
 * wasm's own kernels reduce innermost axes only, so they first transpose the whole tensor (a scalar C++
 * loop, one extra pass with a stride-C read) and then reduce: 13 Sum calls were 25 ms of a 128x128
 * batch-8 U-Net training step. Every other case goes to wasm's own kernels.
 *
 * Hand loop, one sequential pass over x: rows outer, the C contiguous columns inner, accumulated in a
 * Float64Array of size C (stays in L1 for any channel count the engine uses), rounded once at the end
 * (int32 sums: exact below 2^53, then stored modulo 2^32 like the cpu backend's). An empty x reduces to
 * zeros, as on the cpu backend (wasm's own kernels leave an int32 sum uninitialised and give NaN means).
 */
import * as tf from '@tensorflow/tfjs';
import { runNativeKernel, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

type Reduction = 'Sum' | 'Mean';

function reduceLeading(kind: Reduction, args: WasmKernelArgs<tf.SumAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  if (
    !(x.dtype === 'float32' || x.dtype === 'int32') ||
    axes.length === 0 ||
    axes.length === x.shape.length ||
    !leading
  ) {
    return runNativeKernel(kind, args) as TensorInfo;
  }
  const R = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const outShape = x.shape.slice(axes.length);
  const C = tf.util.sizeFromShape(outShape);
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...outShape] : outShape;
  // A mean is float32 whatever x is (as wasm's and the cpu backend's kernels).
  const out = backend.makeOutput(shape, kind === 'Mean' ? 'float32' : x.dtype);
  // Heap views after the last allocation (see f32View in wasm-backend.ts).
  const o = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const acc = new Float64Array(C);
  for (let r = 0, i = 0; r < R; r++) {
    for (let c = 0; c < C; c++, i++) acc[c] += xv[i];
  }
  if (kind === 'Mean' && R > 0) for (let c = 0; c < C; c++) acc[c] /= R;
  o.set(acc);
  return out;
}

export const sum = (args: WasmKernelArgs<tf.SumAttrs>) => reduceLeading('Sum', args);
export const mean = (args: WasmKernelArgs<tf.MeanAttrs>) => reduceLeading('Mean', args);

export const reduceLeadingAxesConfigs: readonly tf.KernelConfig[] = [
  { kernelName: tf.Sum, backendName: 'wasm', kernelFunc: sum as unknown as tf.KernelFunc },
  { kernelName: tf.Mean, backendName: 'wasm', kernelFunc: mean as unknown as tf.KernelFunc },
];
