/**
 * Tile for wasm, a REPLACEMENT for speed: out = x repeated reps[i] times along each axis i. Batch
 * normalisation's gradient tiles a [1,1,1,C] vector to [B,H,W,C] once per layer; wasm's own kernel computes
 * each output element's source index with heap-allocated coordinate vectors (~24 ns per element): 17
 * calls were 411 ms, 28 % of a training step of the `small` FBPConvNet preset at 128x128, batch 4.
 *
 * Block copies instead, from the innermost axis out: x's innermost rows are copied reps[last] times side
 * by side, then each finished block of an axis is replicated reps[axis] - 1 times after itself with
 * copyWithin (memmove), doubling the copied length each time. For the batch-norm case that is a handful
 * of memmoves. Strings and complex64 go to wasm's own kernel.
 */
import * as tf from '@tensorflow/tfjs';
import { runNativeKernel, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

type Flat = Float32Array | Int32Array | Uint8Array;

/** Fill out[dst .. dst + len * times) with `times` copies of out[dst .. dst + len), doubling. */
function replicate(out: Flat, dst: number, len: number, times: number): void {
  let done = 1;
  while (done < times) {
    const n = Math.min(done, times - done);
    out.copyWithin(dst + done * len, dst, dst + n * len);
    done += n;
  }
}

export function tile(args: WasmKernelArgs<tf.TileAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const { reps } = attrs;
  if (!(x.dtype === 'float32' || x.dtype === 'int32' || x.dtype === 'bool') || x.shape.length === 0) {
    return runNativeKernel(tf.Tile, args) as TensorInfo;
  }
  const s = x.shape;
  const r = s.length;
  const outShape = s.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  // Heap views after the last allocation.
  const o = backend.typedArrayFromHeap(out) as Flat;
  const xv = backend.typedArrayFromHeap(x) as Flat;
  const xStrides = tf.util.computeStrides(s);
  const oStrides = tf.util.computeStrides(outShape);
  const xStride = (a: number) => (a < r - 1 ? xStrides[a] : 1);
  const oStride = (a: number) => (a < r - 1 ? oStrides[a] : 1);
  // Writes the tile of x's sub-block at `src` (axes a..r-1) to out at `dst`: s[a] entries of axis a, each
  // expanded recursively, then the whole s[a]-entry block repeated reps[a] times.
  const fill = (a: number, src: number, dst: number): void => {
    if (a === r - 1) {
      const row = s[a];
      if (row === 1) o[dst] = xv[src];
      else o.set(xv.subarray(src, src + row), dst);
      replicate(o, dst, row, reps[a]);
      return;
    }
    for (let i = 0; i < s[a]; i++) fill(a + 1, src + i * xStride(a), dst + i * oStride(a));
    replicate(o, dst, s[a] * oStride(a), reps[a]);
  };
  fill(0, 0, 0);
  return out;
}

export const tileConfig: tf.KernelConfig = {
  kernelName: tf.Tile,
  backendName: 'wasm',
  kernelFunc: tile as unknown as tf.KernelFunc,
};
