/**
 * Argument checks shared by the attacks (radii per slice, shapes of (x, y), integer and range options) and
 * the yield that lets a cancellation arrive between steps. The per-slice tensor helpers are in ../ops.
 */
import { ShapeError, UsageError } from '@shared/errors';
import type { tf } from '../backend';

/** eps as one value per slice; every value finite and >= 0. */
export function epsPerSlice(op: string, eps: number | readonly number[], B: number): number[] {
  const list = typeof eps === 'number' ? Array<number>(B).fill(eps) : [...eps];
  if (list.length !== B) {
    throw new UsageError(`${op}: got ${list.length} radii for ${B} slices (give one, or one per slice)`);
  }
  for (const e of list) {
    if (!(e >= 0) || !Number.isFinite(e))
      throw new UsageError(`${op}: eps must be finite and >= 0, got ${e}`);
  }
  return list;
}

/** x [B,N,N,1] and y [B,A,D,1] matching the geometry, with the same B. */
export function checkPair(
  op: string,
  x: tf.Tensor,
  y: tf.Tensor,
  imageShape: readonly number[],
  sinoShape: readonly number[],
): number {
  const ok = (t: tf.Tensor, tail: readonly number[]) =>
    t.rank === tail.length + 1 && t.shape[0] >= 1 && tail.every((v, i) => t.shape[i + 1] === v);
  if (!ok(x, imageShape)) {
    throw new ShapeError(
      `${op}: expected x of shape [B,${imageShape.join(',')}], got [${x.shape.join(',')}]`,
    );
  }
  if (!ok(y, sinoShape)) {
    throw new ShapeError(`${op}: expected y of shape [B,${sinoShape.join(',')}], got [${y.shape.join(',')}]`);
  }
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(`${op}: x has ${x.shape[0]} slices but y has ${y.shape[0]}`);
  }
  return x.shape[0];
}

/** Yield to the event loop (so a cancellation message can arrive between steps). */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function checkPositiveInt(op: string, name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min)
    throw new UsageError(`${op}: ${name} must be an integer >= ${min}, got ${v}`);
  return v;
}

export function checkRange(op: string, name: string, v: number, lo: number, hi: number): number {
  if (!(v >= lo && v <= hi)) throw new UsageError(`${op}: ${name} must be in [${lo}, ${hi}], got ${v}`);
  return v;
}
