/**
 * Sum for wasm, a REPLACEMENT for speed in one case: a float32 or int32 sum over LEADING axes, out[c] = sum_r x[r, c]
 * with x viewed as [R, C]. That is every bias gradient (tf.add's gradient sums dy [B,H,W,C] over
 * [0, 1, 2]) and every batch mean. wasm's own Sum reduces innermost axes only, so it first transposes the
 * whole tensor (a scalar C++ loop, one extra pass with a stride-C read) and then sums: 13 calls were 25 ms
 * of a 128x128 batch-8 U-Net training step. Every other case goes to wasm's own kernel.
 *
 * Hand loop, one sequential pass over x: rows outer, the C contiguous columns inner, accumulated in a
 * Float64Array of size C (stays in L1 for any channel count the engine uses), rounded to float32 once
 * (int32: exact below 2^53, then stored modulo 2^32 like the cpu backend's). An empty x sums to zeros
 * (wasm's own kernel leaves an int32 output of an empty sum uninitialised).
 */
import * as tf from '@tensorflow/tfjs';
import { runNativeKernel, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

export function sum(args: WasmKernelArgs<tf.SumAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
  const leading = axes.every((a, i) => a === i);
  const plain = x.dtype === 'float32' || x.dtype === 'int32';
  if (!plain || axes.length === 0 || axes.length === x.shape.length || !leading) {
    return runNativeKernel(tf.Sum, args) as TensorInfo;
  }
  const R = tf.util.sizeFromShape(x.shape.slice(0, axes.length));
  const outShape = x.shape.slice(axes.length);
  const C = tf.util.sizeFromShape(outShape);
  const shape = attrs.keepDims ? [...axes.map(() => 1), ...outShape] : outShape;
  const out = backend.makeOutput(shape, x.dtype);
  // Heap views after the last allocation (see f32View).
  const o = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const acc = new Float64Array(C);
  for (let r = 0, i = 0; r < R; r++) {
    for (let c = 0; c < C; c++, i++) acc[c] += xv[i];
  }
  o.set(acc);
  return out;
}

export const sumConfig: tf.KernelConfig = {
  kernelName: tf.Sum,
  backendName: 'wasm',
  kernelFunc: sum as unknown as tf.KernelFunc,
};
