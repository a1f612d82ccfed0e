/**
 * SplitV and Concat for wasm, REPLACEMENTS for speed: a U-Net concatenates skip connections on the channel
 * axis, and tf.concat's gradient is a SplitV of dy on that axis.
 *  - wasm's SplitV runs its Slice kernel once per part, and Slice starts with readSync of the WHOLE input
 *    (a copy out of the wasm heap) before gathering the part: for [8,128,128,32] split in two, 2 copies of
 *    16 MB plus a JS gather, 14 ms.
 *  - wasm's Concat copies each row of each input with one TypedArray.set call: on the channel axis a "row"
 *    is 16 or 32 floats, so the call overhead dominates (6 ms for [8,128,128,16+16]).
 * Both are one pass here: the tensors are viewed as [outer, axis * inner] blocks and copied block by block,
 * with TypedArray.set for long blocks (memcpy) and a plain loop for short ones (below COPY_LOOP_MAX floats a
 * loop is faster than a native call per block). Strings, complex64 and empty inputs go to wasm's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { runNativeKernel, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

/** Blocks up to this many elements are copied by a loop, longer ones by TypedArray.set. */
const COPY_LOOP_MAX = 64;

type Flat = Float32Array | Int32Array | Uint8Array;

function copyBlocks(
  src: Flat,
  srcOffset: number,
  srcStride: number,
  dst: Flat,
  dstOffset: number,
  dstStride: number,
  blocks: number,
  len: number,
): void {
  if (len > COPY_LOOP_MAX) {
    for (let o = 0; o < blocks; o++) {
      const s = srcOffset + o * srcStride;
      dst.set(src.subarray(s, s + len), dstOffset + o * dstStride);
    }
    return;
  }
  for (let o = 0; o < blocks; o++) {
    let s = srcOffset + o * srcStride;
    let d = dstOffset + o * dstStride;
    for (let j = 0; j < len; j++) dst[d++] = src[s++];
  }
}

const plainDtype = (t: TensorInfo) => t.dtype === 'float32' || t.dtype === 'int32' || t.dtype === 'bool';

export function splitV(args: WasmKernelArgs<tf.SplitVAttrs>): TensorInfo[] {
  const { inputs, backend, attrs } = args;
  const { x } = inputs;
  const axis = tf.util.parseAxisParam(attrs.axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.Tensor, attrs.numOrSizeSplits, axis);
  if (!plainDtype(x) || tf.util.sizeFromShape(x.shape) === 0) {
    return runNativeKernel(tf.SplitV, args) as TensorInfo[];
  }
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const outs = sizes.map((s) => {
    const shape = x.shape.slice();
    shape[axis] = s;
    return backend.makeOutput(shape, x.dtype);
  });
  // Heap views after the last allocation (see f32View in wasm-backend.ts).
  const src = backend.typedArrayFromHeap(x) as Flat;
  let offset = 0;
  outs.forEach((out, i) => {
    const len = sizes[i] * inner;
    if (len > 0) {
      copyBlocks(
        src,
        offset,
        x.shape[axis] * inner,
        backend.typedArrayFromHeap(out) as Flat,
        0,
        len,
        outer,
        len,
      );
    }
    offset += len;
  });
  return outs;
}

export function concat(args: WasmKernelArgs<tf.ConcatAttrs>): TensorInfo {
  const { backend, attrs } = args;
  const inputs = Object.values(args.inputs);
  const axis = tf.util.parseAxisParam(attrs.axis, inputs[0].shape)[0];
  const parts = inputs.filter((t) => tf.util.sizeFromShape(t.shape) > 0);
  if (parts.length < 2 || !parts.every(plainDtype) || !parts.every((t) => t.dtype === parts[0].dtype)) {
    return runNativeKernel(tf.Concat, args) as TensorInfo;
  }
  tf.backend_util.assertParamsConsistent(
    inputs.map((t) => t.shape),
    axis,
  );
  const outShape = tf.backend_util.computeOutShape(
    inputs.map((t) => t.shape),
    axis,
  );
  const outer = tf.util.sizeFromShape(outShape.slice(0, axis));
  const rowLen = tf.util.sizeFromShape(outShape.slice(axis));
  const out = backend.makeOutput(outShape, parts[0].dtype);
  // Heap views after the last allocation.
  const dst = backend.typedArrayFromHeap(out) as Flat;
  let offset = 0;
  for (const t of parts) {
    const len = tf.util.sizeFromShape(t.shape.slice(axis));
    copyBlocks(backend.typedArrayFromHeap(t) as Flat, 0, len, dst, offset, rowLen, outer, len);
    offset += len;
  }
  return out;
}

export const splitConcatConfigs: readonly tf.KernelConfig[] = [
  { kernelName: tf.SplitV, backendName: 'wasm', kernelFunc: splitV as unknown as tf.KernelFunc },
  { kernelName: tf.Concat, backendName: 'wasm', kernelFunc: concat as unknown as tf.KernelFunc },
];
