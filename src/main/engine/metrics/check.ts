/**
 * Argument checks shared by the metrics: shapes with messages that name the op and both shapes, and the
 * data range R of PSNR / SSIM (DESIGN.md section 3: max - min of each reference image unless given).
 */
import { InputError, ShapeError, UsageError } from '@shared/errors';
import { tf } from '../backend';

export interface DataRangeOptions {
  /**
   * Data range R used by PSNR and SSIM for every image of the batch. Default: max - min of each reference
   * image. A reference with R = 0 (a constant image) is an InputError unless dataRange is given.
   */
  dataRange?: number;
}

const fmt = (t: tf.Tensor) => `[${t.shape.join(',')}]`;

/** Both tensors [B, H, W, 1] with equal shapes; returns [B, H, W]. */
export function checkImagePair(op: string, ref: tf.Tensor, test: tf.Tensor): [number, number, number] {
  for (const [name, t] of [
    ['ref', ref],
    ['test', test],
  ] as const) {
    if (t.rank !== 4 || t.shape[3] !== 1) {
      throw new ShapeError(`${op}: expected ${name} of shape [B,H,W,1], got ${fmt(t)}`, {
        op,
        shape: t.shape,
      });
    }
  }
  checkSameShape(op, ref, test);
  return ref.shape.slice(0, 3) as [number, number, number];
}

/** Equal shapes, rank >= 2 (axis 0 is the batch). */
export function checkSameShape(op: string, a: tf.Tensor, b: tf.Tensor): void {
  if (a.rank < 2)
    throw new ShapeError(`${op}: expected a batch [B, ...], got ${fmt(a)}`, { op, shape: a.shape });
  if (a.rank !== b.rank || a.shape.some((d, k) => d !== b.shape[k])) {
    throw new ShapeError(`${op}: shapes differ: ${fmt(a)} vs ${fmt(b)}`, { op, shapes: [a.shape, b.shape] });
  }
}

/**
 * The data range per image as a tensor [B]. Computing it from the reference reads it back (a [B] vector) so
 * that a constant reference fails loudly here instead of turning into NaN or -Infinity later.
 */
export function dataRangeTensor(op: string, ref: tf.Tensor4D, dataRange: number | undefined): tf.Tensor1D {
  const B = ref.shape[0];
  if (dataRange !== undefined) {
    if (!(dataRange > 0) || !Number.isFinite(dataRange)) {
      throw new UsageError(`${op}: dataRange must be a finite number > 0, got ${dataRange}`);
    }
    return tf.fill([B], dataRange, 'float32') as tf.Tensor1D;
  }
  const r = tf.sub(tf.max(ref, [1, 2, 3]), tf.min(ref, [1, 2, 3])) as tf.Tensor1D;
  const values = r.dataSync();
  for (let b = 0; b < B; b++) {
    if (!(values[b] > 0) || !Number.isFinite(values[b])) {
      r.dispose();
      throw new InputError(
        `${op}: reference image ${b} has data range ${values[b]} (constant or non-finite): pass dataRange explicitly`,
        { op, image: b, dataRange: values[b] },
      );
    }
  }
  return r;
}

/** The tensor as float32 (a no-op copy when it already is). */
export function asFloat(t: tf.Tensor): tf.Tensor {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** The values of a small result tensor, which is then disposed. */
export function readAndDispose(t: tf.Tensor1D): Float32Array {
  const v = Float32Array.from(t.dataSync());
  t.dispose();
  return v;
}
