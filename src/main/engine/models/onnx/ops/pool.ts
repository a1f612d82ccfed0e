/**
 * MaxPool, AveragePool, GlobalAveragePool, GlobalMaxPool (2-D, NHWC). Padding follows ONNX exactly:
 *   MaxPool       padded cells never win (tfjs' pooling skips them)
 *   AveragePool   count_include_pad = 1: zero padding, divided by the full window (as torch's default);
 *                 count_include_pad = 0: divided by the number of real pixels in each window, computed as
 *                 avg(pad0(x)) / avg(pad0(1)) so that it does not depend on how a backend treats padding
 *   ceil_mode     extra end padding up to the ceil-mode output size (a last window that would start in the
 *                 padding is dropped, as torch and onnxruntime do)
 */
import { tf } from '../../../backend';
import { Unsupported, type OpDef } from '../op-types';
import { device, logicalShape, nhwcTensor, plainTensor, type Value } from '../value';
import { explicitPads, spatialAttrs, type Spatial2d } from './spatial';

type Pads4 = ReturnType<typeof explicitPads>;

/** Explicit pads for (h, w), widened at the end for ceil_mode. */
function poolPads(s: Spatial2d, ceil: boolean, h: number, w: number): Pads4 {
  const p = explicitPads(s, h, w);
  if (!ceil) return p;
  const extend = (n: number, [b, e]: [number, number], k: number, st: number): [number, number] => {
    let out = Math.ceil((n + b + e - k) / st) + 1;
    if ((out - 1) * st >= n + b) out -= 1;
    return [b, Math.max(e, (out - 1) * st + k - n - b)];
  };
  return [
    [0, 0],
    extend(h, p[1], s.kernel[0], s.strides[0]),
    extend(w, p[2], s.kernel[1], s.strides[1]),
    [0, 0],
  ];
}

function checkPool(s: Spatial2d): void {
  if (s.dilations.some((d) => d !== 1)) throw new Unsupported(`dilations [${s.dilations.join(',')}]`);
  if (s.kernel.some((k) => k < 1) || s.strides.some((v) => v < 1)) {
    throw new Unsupported(`kernel_shape [${s.kernel.join(',')}] / strides [${s.strides.join(',')}]`);
  }
}

const maxPool: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    a.only('auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'storage_order', 'strides');
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '') {
      throw new Unsupported('the Indices output is not implemented');
    }
    const s = spatialAttrs(a);
    checkPool(s);
    const ceil = a.int('ceil_mode', 0) === 1;
    return ([x]) => {
      const t = nhwcTensor(x as Value, ctx.pool, ctx.where);
      return [device(tf.maxPool(t, s.kernel, s.strides, poolPads(s, ceil, t.shape[1], t.shape[2])), 'nhwc')];
    };
  },
};

const averagePool: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    a.only('auto_pad', 'ceil_mode', 'count_include_pad', 'dilations', 'kernel_shape', 'pads', 'strides');
    const s = spatialAttrs(a);
    checkPool(s);
    const ceil = a.int('ceil_mode', 0) === 1;
    const includePad = a.int('count_include_pad', 0) === 1;
    if (ceil && includePad) throw new Unsupported('ceil_mode with count_include_pad');
    return ([x]) => {
      const t = nhwcTensor(x as Value, ctx.pool, ctx.where);
      const p = poolPads(s, ceil, t.shape[1], t.shape[2]);
      const unpadded = p.every(([b, e]) => b === 0 && e === 0);
      if (unpadded) return [device(tf.avgPool(t, s.kernel, s.strides, 'valid'), 'nhwc')];
      const mean = tf.avgPool(tf.pad(t, p), s.kernel, s.strides, 'valid');
      if (includePad) return [device(mean, 'nhwc')];
      const ones = tf.ones([1, t.shape[1], t.shape[2], 1]);
      const fraction = tf.avgPool(tf.pad(ones, p) as tf.Tensor4D, s.kernel, s.strides, 'valid');
      return [device(tf.div(mean, fraction), 'nhwc')];
    };
  },
};

function globalPool(reduce: (x: tf.Tensor, axes: number[], keep: boolean) => tf.Tensor): OpDef {
  return {
    compile(ctx) {
      ctx.node.attrs.only();
      return ([x]) => {
        const v = x as Value;
        const rank = logicalShape(v).length;
        if (rank === 4) return [device(reduce(nhwcTensor(v, ctx.pool, ctx.where), [1, 2], true), 'nhwc')];
        if (rank < 3) throw new Unsupported(`${ctx.where}: input of rank ${rank}`);
        const axes = Array.from({ length: rank - 2 }, (_, i) => i + 2);
        return [device(reduce(plainTensor(v, ctx.pool), axes, true))];
      };
    },
  };
}

export const POOL_OPS: Record<string, OpDef> = {
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalPool((x, axes, keep) => tf.mean(x, axes, keep)),
  GlobalMaxPool: globalPool((x, axes, keep) => tf.max(x, axes, keep)),
};
