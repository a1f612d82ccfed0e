/**
 * Plain typed-array Radon API for the CLI and for tests (no tfjs): the same Joseph loops the tfjs
 * kernels run.
 * radonForwardArray: images [batch, N, N] (row-major) -> sinograms [batch, A, D]; radonAdjointArray the reverse.
 */
import { ShapeError } from '@shared/errors';
import type { Geometry } from '@shared/geometry';
import { josephAdjoint, josephForward, josephPlan } from './radon-joseph';

function checkBatch(op: string, batch: number): void {
  if (!Number.isInteger(batch) || batch < 1) {
    throw new ShapeError(`${op}: batch must be a positive integer, got ${batch}`);
  }
}

function checkArray(op: string, what: string, a: ArrayLike<number>, batch: number, dims: number[]): void {
  const want = batch * dims.reduce((p, q) => p * q, 1);
  if (a.length !== want) {
    throw new ShapeError(
      `${op}: expected ${what} [${[batch, ...dims].join(',')}] (${want} values), got ${a.length} values`,
      { expected: [batch, ...dims], length: a.length },
    );
  }
}

/** A x for `batch` images of g.size^2 values each; returns [batch, views, detectors] float32. */
export function radonForwardArray(x: ArrayLike<number>, batch: number, g: Geometry): Float32Array {
  const op = 'radonForwardArray';
  checkBatch(op, batch);
  checkArray(op, 'images', x, batch, [g.size, g.size]);
  const out = new Float32Array(batch * g.views * g.detectors);
  josephForward(josephPlan(g), x, batch, out);
  return out;
}

/** A^T y for `batch` sinograms of g.views * g.detectors values each; returns [batch, N, N] float32. */
export function radonAdjointArray(y: ArrayLike<number>, batch: number, g: Geometry): Float32Array {
  const op = 'radonAdjointArray';
  checkBatch(op, batch);
  checkArray(op, 'sinograms', y, batch, [g.views, g.detectors]);
  const out = new Float32Array(batch * g.size * g.size);
  josephAdjoint(josephPlan(g), y, batch, out);
  return out;
}
