/**
 * Gemm (Y = alpha A' B' + beta C) and MatMul (numpy matmul: 1-D operands promoted, batch axes broadcast), in
 * ONNX's axis order, and the reductions ReduceMean / ReduceSum / ReduceMax / ReduceMin and Softmax, whose axes
 * are mapped onto an nhwc image's stored order.
 */
import { tf } from '../../../backend';
import { Unsupported, type CompileContext, type OpDef } from '../op-types';
import { constantNumbers, device, logicalShape, NHWC_AXIS, plainTensor, type Value } from '../value';
import { broadcastShape } from './elementwise';

const gemm: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    a.only('alpha', 'beta', 'transA', 'transB', 'broadcast');
    const alpha = a.float('alpha', 1);
    const beta = a.float('beta', 1);
    const transA = a.int('transA', 0) === 1;
    const transB = a.int('transB', 0) === 1;
    return ([A, B, C]) => {
      if (!A || !B) throw new Unsupported(`${ctx.where}: needs A and B`);
      const at = plainTensor(A, ctx.pool);
      const bt = plainTensor(B, ctx.pool);
      if (at.rank !== 2 || bt.rank !== 2) throw new Unsupported(`${ctx.where}: A and B must be 2-D`);
      let y = tf.matMul(at as tf.Tensor2D, bt as tf.Tensor2D, transA, transB);
      if (alpha !== 1) y = tf.mul(y, alpha);
      if (C && beta !== 0) {
        const ct = plainTensor(C, ctx.pool);
        y = tf.add(y, beta === 1 ? ct : tf.mul(ct, beta));
      }
      return [device(y)];
    };
  },
};

/** Left-pad a shape with ones to `rank`. */
function padRank(t: tf.Tensor, rank: number): tf.Tensor {
  return t.rank === rank ? t : tf.reshape(t, [...Array(rank - t.rank).fill(1), ...t.shape]);
}

const matMul: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only();
    return ([A, B]) => {
      if (!A || !B) throw new Unsupported(`${ctx.where}: needs two inputs`);
      let a = plainTensor(A, ctx.pool);
      let b = plainTensor(B, ctx.pool);
      const aVec = a.rank === 1;
      const bVec = b.rank === 1;
      if (aVec) a = tf.reshape(a, [1, a.shape[0]]);
      if (bVec) b = tf.reshape(b, [b.shape[0], 1]);
      const rank = Math.max(a.rank, b.rank);
      a = padRank(a, rank);
      b = padRank(b, rank);
      const batch = broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
      if (!batch)
        throw new Unsupported(`${ctx.where}: batch shapes [${a.shape}] and [${b.shape}] do not broadcast`);
      // tfjs broadcasts a batch of one; other mismatches are expanded explicitly.
      const expand = (t: tf.Tensor) => {
        const own = t.shape.slice(0, -2);
        const single = own.every((n) => n === 1);
        return single || own.every((n, i) => n === batch[i])
          ? t
          : tf.broadcastTo(t, [...batch, ...t.shape.slice(-2)]);
      };
      let y = tf.matMul(expand(a), expand(b));
      if (aVec || bVec) {
        const s = y.shape.slice(0, -2);
        y = tf.reshape(y, [
          ...s,
          ...(aVec ? [] : [y.shape[y.rank - 2]]),
          ...(bVec ? [] : [y.shape[y.rank - 1]]),
        ]);
      }
      return [device(y)];
    };
  },
};

/** Axes (logical) of a reduction: attribute (older opsets) or input 1 (ReduceSum 13+, all from 18). */
function reduceAxes(ctx: CompileContext, inputs: (Value | undefined)[], rank: number): number[] {
  const given = inputs[1] ? constantNumbers(inputs[1], ctx.where, 'axes') : ctx.node.attrs.ints('axes');
  if (!given || given.length === 0) {
    if (ctx.node.attrs.int('noop_with_empty_axes', 0) === 1) return [];
    return Array.from({ length: rank }, (_, i) => i);
  }
  return given.map((a) => (a < 0 ? a + rank : a));
}

function reduce(fn: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): OpDef {
  return {
    compile(ctx) {
      ctx.node.attrs.only('axes', 'keepdims', 'noop_with_empty_axes');
      const keep = ctx.node.attrs.int('keepdims', 1) === 1;
      return (inputs) => {
        const x = inputs[0] as Value;
        const rank = logicalShape(x).length;
        const axes = reduceAxes(ctx, inputs, rank);
        if (axes.length === 0) return [x];
        if (x.kind === 'device' && x.layout === 'nhwc' && keep) {
          return [
            device(
              fn(
                x.t,
                axes.map((k) => NHWC_AXIS[k]),
                true,
              ),
              'nhwc',
            ),
          ];
        }
        return [device(fn(plainTensor(x, ctx.pool), axes, keep))];
      };
    },
  };
}

const softmax: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('axis');
    return ([x]) => {
      const v = x as Value;
      const rank = logicalShape(v).length;
      const axis = ctx.node.attrs.int('axis', ctx.opset < 13 ? 1 : -1);
      const k = axis < 0 ? axis + rank : axis;
      // Before opset 13 Softmax flattened the axes from `axis` on; that equals a last-axis softmax only there.
      if (ctx.opset < 13 && k !== rank - 1)
        throw new Unsupported(`${ctx.where}: opset ${ctx.opset} softmax over axis ${axis} of rank ${rank}`);
      const nhwc = v.kind === 'device' && v.layout === 'nhwc';
      const t = nhwc ? (v as { t: tf.Tensor }).t : plainTensor(v, ctx.pool);
      const stored = nhwc ? NHWC_AXIS[k] : k;
      const last = t.rank - 1;
      if (stored === last) return [device(tf.softmax(t), nhwc ? 'nhwc' : 'plain')];
      const perm = t.shape.map((_, i) => i);
      [perm[stored], perm[last]] = [perm[last], perm[stored]];
      return [device(tf.transpose(tf.softmax(tf.transpose(t, perm)), perm), nhwc ? 'nhwc' : 'plain')];
    };
  },
};

export const MATMUL_OPS: Record<string, OpDef> = {
  Gemm: gemm,
  MatMul: matMul,
  ReduceMean: reduce((x, a, k) => tf.mean(x, a, k)),
  ReduceSum: reduce((x, a, k) => tf.sum(x, a, k)),
  ReduceMax: reduce((x, a, k) => tf.max(x, a, k)),
  ReduceMin: reduce((x, a, k) => tf.min(x, a, k)),
  Softmax: softmax,
};
