/**
 * UnsortedSegmentSum for wasm: out[s, ...] = sum of x[i, ...] over the i with segmentIds[i] = s. It is the
 * gradient of tf.gather (GatherV2's gradient scatters dy back with it), so attacks and losses that
 * gather pixels need it. Ids outside [0, numSegments) are dropped, as on the cpu backend and in TF.
 * segmentIds may have any rank; its shape must be a prefix of x's (the leading axes it labels).
 *
 * A hand loop: a single pass over x adding rows into out, innermost over the contiguous row; no
 * kernel wasm has does it safely (ScatterNd sums duplicates too, but would write out of bounds for a bad id).
 * Sums accumulate in the output's own dtype, in index order, like the cpu backend's.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '@shared/errors';
import { checkDtypes, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

export function unsortedSegmentSum({
  inputs,
  backend,
  attrs,
}: WasmKernelArgs<tf.UnsortedSegmentSumAttrs>): TensorInfo {
  const { x, segmentIds } = inputs;
  checkDtypes('UnsortedSegmentSum', { x }, ['float32', 'int32']);
  checkDtypes('UnsortedSegmentSum', { segmentIds }, ['int32']);
  const { numSegments } = attrs;
  const idsRank = segmentIds.shape.length;
  if (!tf.util.arraysEqual(x.shape.slice(0, idsRank), segmentIds.shape)) {
    throw new ShapeError(
      `wasm UnsortedSegmentSum: segmentIds shape [${segmentIds.shape}] must be a prefix of x shape [${x.shape}]`,
    );
  }
  const rowShape = x.shape.slice(idsRank);
  const rows = tf.util.sizeFromShape(segmentIds.shape);
  const rowSize = tf.util.sizeFromShape(rowShape);

  const out = backend.makeOutput([numSegments, ...rowShape], x.dtype);
  // Heap views after the last allocation (see f32View).
  const o = backend.typedArrayFromHeap(out) as Float32Array | Int32Array;
  const xv = backend.typedArrayFromHeap(x) as Float32Array | Int32Array;
  const ids = backend.typedArrayFromHeap(segmentIds) as Int32Array;
  o.fill(0);
  for (let i = 0; i < rows; i++) {
    const s = ids[i];
    if (s < 0 || s >= numSegments) continue;
    const xo = i * rowSize;
    const oo = s * rowSize;
    for (let j = 0; j < rowSize; j++) o[oo + j] += xv[xo + j];
  }
  return out;
}

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: tf.UnsortedSegmentSum,
  backendName: 'wasm',
  kernelFunc: unsortedSegmentSum as unknown as tf.KernelFunc,
};
