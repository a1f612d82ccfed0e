/**
 * Normalization ops (channel axis 1 in ONNX; the last axis of nhwc values):
 *   BatchNormalization     inference form only, y = scale (x - mean) / sqrt(var + eps) + B with the constant
 *                          statistics: tfjs' fused kernel on nhwc values, else a x + b folded at import
 *   InstanceNormalization  per sample and channel over the spatial axes, biased variance (as ONNX and torch)
 *   GroupNormalization     per sample and group of C/G channels; scale and bias per channel (opset 21) or
 *                          per group (opset 18's definition, told apart by their length)
 */
import { tf } from '../../../backend';
import { Unsupported, type CompileContext, type OpDef } from '../op-types';
import { device, logicalShape, nhwcTensor, plainTensor, type Value } from '../value';

function constantVector(ctx: CompileContext, i: number, what: string): Float64Array {
  const v = ctx.constant(i);
  if (!v) throw new Unsupported(`the ${what} is computed at run time (only constants are implemented)`);
  return Float64Array.from(v.data);
}

/** Per-channel vector [C] shaped to broadcast on `x` (nhwc: last axis; plain: axis 1). */
function channelShape(rank: number, nhwc: boolean, c: number): number[] {
  return nhwc ? [c] : [c, ...Array(rank - 2).fill(1)];
}

/** x in its layout as a tensor with the channel axis known. */
function channelsOf(x: Value, ctx: CompileContext): { t: tf.Tensor; nhwc: boolean; rank: number } {
  const rank = logicalShape(x).length;
  if (rank === 4) return { t: nhwcTensor(x, ctx.pool, ctx.where), nhwc: true, rank };
  if (rank < 2) throw new Unsupported(`${ctx.where}: input of rank ${rank}`);
  return { t: plainTensor(x, ctx.pool), nhwc: false, rank };
}

const batchNormalization: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    a.only('epsilon', 'momentum', 'training_mode', 'spatial');
    if (a.int('training_mode', 0) !== 0 || ctx.node.outputs.filter((o) => o !== '').length > 1) {
      throw new Unsupported('training mode (export the model in eval mode)');
    }
    if (a.int('spatial', 1) !== 1) throw new Unsupported('spatial = 0');
    const eps = a.float('epsilon', 1e-5);
    const scale = constantVector(ctx, 1, 'scale');
    const bias = constantVector(ctx, 2, 'bias');
    const mean = constantVector(ctx, 3, 'running mean');
    const variance = constantVector(ctx, 4, 'running variance');
    const c = scale.length;
    if ([bias, mean, variance].some((v) => v.length !== c))
      throw new Unsupported('scale, bias, mean, var lengths differ');
    const mul = new Float32Array(c);
    const add = new Float32Array(c);
    for (let k = 0; k < c; k++) {
      mul[k] = scale[k] / Math.sqrt(variance[k] + eps);
      add[k] = bias[k] - mean[k] * (scale[k] / Math.sqrt(variance[k] + eps));
    }
    const mulT = ctx.pool.own(tf.tensor1d(mul));
    const addT = ctx.pool.own(tf.tensor1d(add));
    const f32 = (v: Float64Array) => ctx.pool.own(tf.tensor1d(Float32Array.from(v)));
    const [meanT, varT, scaleT, biasT] = [mean, variance, scale, bias].map(f32);
    return ([x]) => {
      const { t, nhwc, rank } = channelsOf(x as Value, ctx);
      // NHWC: tfjs' fused batch norm, the kernel the engine's own BatchNormalization layers run.
      if (nhwc) return [device(tf.batchNorm(t as tf.Tensor4D, meanT, varT, biasT, scaleT, eps), 'nhwc')];
      const shape = channelShape(rank, nhwc, c);
      const y = tf.add(tf.mul(t, tf.reshape(mulT, shape)), tf.reshape(addT, shape));
      return [device(y, nhwc ? 'nhwc' : 'plain')];
    };
  },
};

/** (x - mean) / sqrt(var + eps) over `axes` (kept). */
function standardize(x: tf.Tensor, axes: number[], eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, axes, true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
}

const instanceNormalization: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('epsilon');
    const eps = ctx.node.attrs.float('epsilon', 1e-5);
    const scale = ctx.pool.own(tf.tensor1d(Float32Array.from(constantVector(ctx, 1, 'scale'))));
    const bias = ctx.pool.own(tf.tensor1d(Float32Array.from(constantVector(ctx, 2, 'bias'))));
    const c = scale.shape[0];
    return ([x]) => {
      const { t, nhwc, rank } = channelsOf(x as Value, ctx);
      if (rank < 3) throw new Unsupported(`${ctx.where}: input of rank ${rank} (needs spatial axes)`);
      const axes = nhwc ? [1, 2] : Array.from({ length: rank - 2 }, (_, i) => i + 2);
      const shape = channelShape(rank, nhwc, c);
      const y = tf.add(tf.mul(standardize(t, axes, eps), tf.reshape(scale, shape)), tf.reshape(bias, shape));
      return [device(y, nhwc ? 'nhwc' : 'plain')];
    };
  },
};

const groupNormalization: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('epsilon', 'num_groups', 'stash_type');
    const eps = ctx.node.attrs.float('epsilon', 1e-5);
    const groups = ctx.node.attrs.int('num_groups', 0);
    if (groups < 1) throw new Unsupported('num_groups is missing');
    const scale = constantVector(ctx, 1, 'scale');
    const bias = constantVector(ctx, 2, 'bias');
    if (scale.length !== bias.length) throw new Unsupported('scale and bias lengths differ');
    return ([x]) => {
      const v = x as Value;
      const shape = logicalShape(v);
      if (shape.length !== 4)
        throw new Unsupported(`${ctx.where}: input of rank ${shape.length} (4 is implemented)`);
      const t = nhwcTensor(v, ctx.pool, ctx.where);
      const [n, h, w, c] = t.shape;
      if (c % groups !== 0) throw new Unsupported(`${ctx.where}: ${c} channels in ${groups} groups`);
      const per = c / groups;
      // Opset 18 gave scale and bias one value per group; opset 21 one per channel.
      const perChannel = (vals: Float64Array) => {
        if (vals.length === c) return Float32Array.from(vals);
        if (vals.length === groups)
          return Float32Array.from({ length: c }, (_, k) => vals[Math.floor(k / per)]);
        throw new Unsupported(
          `${ctx.where}: scale has ${vals.length} values for ${c} channels in ${groups} groups`,
        );
      };
      const grouped = tf.reshape(t, [n, h, w, groups, per]);
      const normed = tf.reshape(standardize(grouped, [1, 2, 4], eps), [n, h, w, c]);
      const sc = ctx.pool.get(ctx.constant(1)!, `group-scale-${c}`, () => tf.tensor1d(perChannel(scale)));
      const bi = ctx.pool.get(ctx.constant(2)!, `group-bias-${c}`, () => tf.tensor1d(perChannel(bias)));
      return [device(tf.add(tf.mul(normed, sc), bi), 'nhwc')];
    };
  },
};

export const NORM_OPS: Record<string, OpDef> = {
  BatchNormalization: batchNormalization,
  InstanceNormalization: instanceNormalization,
  GroupNormalization: groupNormalization,
};
