/**
 * Linear operators between tensor spaces (ODL style) and the pieces every operator of this module is built
 * from: shape checks with messages that name the op, and `linearOp`, which makes a linear map differentiable
 * through its exact transpose (tf.customGrad), so attacks and training differentiate through A exactly.
 */
import { tf } from '../backend';
import { ShapeError } from '@shared/errors';

/** A linear map between tensor spaces with its adjoint (ODL style). */
export interface LinearOperator {
  /** Per-item shape of inputs of `forward` ([N,N,1] for A). */
  readonly domainShape: readonly number[];
  /** Per-item shape of outputs of `forward` ([A,D,1] for A). */
  readonly rangeShape: readonly number[];
  forward(x: tf.Tensor4D): tf.Tensor4D;
  adjoint(y: tf.Tensor4D): tf.Tensor4D;
  /** The adjoint as an operator; adjointOperator().adjointOperator() is this operator. */
  adjointOperator(): LinearOperator;
}

function shapeText(s: readonly (number | string)[]): string {
  return `[${s.join(',')}]`;
}

/** Throws ShapeError unless t is [B, ...tail] with B >= 1. */
export function checkBatchShape(op: string, t: tf.Tensor, tail: readonly number[]): void {
  const s = t.shape;
  const ok = s.length === tail.length + 1 && s[0] >= 1 && tail.every((v, i) => s[i + 1] === v);
  if (!ok) {
    throw new ShapeError(`${op}: expected ${shapeText(['B', ...tail])}, got ${shapeText(s)}`, {
      expected: ['B', ...tail],
      got: s,
    });
  }
}

/**
 * A differentiable linear op: value apply(x), gradient transpose(dy) (the vector-Jacobian product). When
 * `transpose` is itself built with linearOp, higher-order gradients work too.
 */
export function linearOp<T extends tf.Tensor>(
  apply: (x: T) => tf.Tensor,
  transpose: (dy: T) => tf.Tensor,
): (x: T) => T {
  return tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: apply(args[0] as T),
    gradFunc: (dy: tf.Tensor | tf.Tensor[]) => transpose(dy as T),
  })) as unknown as (x: T) => T;
}

export function asFloat(t: tf.Tensor4D): tf.Tensor4D {
  return t.dtype === 'float32' ? t : tf.cast(t, 'float32');
}

/** The adjoint of `op` as an operator (forward and adjoint swapped). */
export function adjointView(op: LinearOperator): LinearOperator {
  return {
    domainShape: op.rangeShape,
    rangeShape: op.domainShape,
    forward: (y) => op.adjoint(y),
    adjoint: (x) => op.forward(x),
    adjointOperator: () => op,
  };
}
