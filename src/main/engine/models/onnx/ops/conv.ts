/**
 * Conv and ConvTranspose (2-D, NCHW in ONNX) as tfjs NHWC convolutions. Weights must be constants; they are
 * converted once at import:
 *   Conv           W [Cout, Cin/G, kh, kw] -> tfjs [kh, kw, Cin/G, Cout] per group; depthwise (G = Cin) as
 *                  tf.depthwiseConv2d with [kh, kw, Cin, Cout/Cin]; other groups split the channels and concat
 *   ConvTranspose  W [Cin, Cout/G, kh, kw] -> tfjs [kh, kw, Cout/G, Cin/G] per group (tf.conv2dTranspose is
 *                  the adjoint of tf.conv2d, as ConvTranspose is of Conv: no kernel flip)
 * Dilations become zero-filled kernels (spatial.ts: tfjs has no gradient for dilated convolutions).
 * ConvTranspose output size s (in - 1) + output_padding + k_eff - pad_begin - pad_end; the transposed
 * convolution with explicit padding (pad_begin, max(0, pad_end - output_padding)) yields exactly that window
 * of the full transposed convolution (the rows beyond it, when output_padding > pad_end, are zeros).
 */
import { tf } from '../../../backend';
import { sizeOf } from '../host-tensor';
import { Unsupported, type CompileContext, type OpDef } from '../op-types';
import { device, nhwcTensor, type Value } from '../value';
import { dilateKernel, effectiveKernel, explicitPads, spatialAttrs, type Spatial2d } from './spatial';

interface Weights {
  data: Float32Array;
  shape: number[];
}

function constantWeights(ctx: CompileContext): Weights {
  const w = ctx.constant(1);
  if (!w)
    throw new Unsupported('the weights are computed at run time (only constant weights are implemented)');
  if (w.shape.length !== 4) {
    throw new Unsupported(`weights of rank ${w.shape.length} (only 2-D convolutions are implemented)`);
  }
  return { data: w.data instanceof Float32Array ? w.data : Float32Array.from(w.data), shape: [...w.shape] };
}

function constantBias(ctx: CompileContext, channels: number): tf.Tensor1D | undefined {
  if (!ctx.has(2)) return undefined;
  const b = ctx.constant(2);
  if (!b) throw new Unsupported('the bias is computed at run time');
  if (sizeOf(b.shape) !== channels)
    throw new Unsupported(`bias has ${sizeOf(b.shape)} values for ${channels} channels`);
  return ctx.pool.own(tf.tensor1d(Float32Array.from(b.data)));
}

/** Slice of the first (outer) axis of W: groups [g * n, (g + 1) * n). */
function outerSlice(w: Weights, g: number, n: number): Weights {
  const inner = sizeOf(w.shape.slice(1));
  return { data: w.data.subarray(g * n * inner, (g + 1) * n * inner), shape: [n, ...w.shape.slice(1)] };
}

/** tfjs filter from an ONNX weight block [a, b, kh, kw] (dilated), transposed by `perm`. */
function filterTensor(
  w: Weights,
  dilations: [number, number],
  perm: number[],
  ctx: CompileContext,
): tf.Tensor4D {
  const d = dilateKernel(w.data, w.shape, dilations);
  return ctx.pool.own(
    tf.tidy(() => tf.transpose(tf.tensor4d(d.data, d.shape as [number, number, number, number]), perm)),
  );
}

function checkSpatial(s: Spatial2d, ctx: CompileContext): void {
  if (s.strides.some((v) => v < 1) || s.dilations.some((v) => v < 1)) {
    throw new Unsupported(`strides [${s.strides.join(',')}] / dilations [${s.dilations.join(',')}]`);
  }
  void ctx;
}

function withBias(y: tf.Tensor4D, bias: tf.Tensor1D | undefined): tf.Tensor4D {
  return bias ? tf.add(y, bias) : y;
}

const conv: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    a.only('auto_pad', 'dilations', 'group', 'kernel_shape', 'pads', 'strides');
    const w = constantWeights(ctx);
    const [cout, cinPerGroup, kh, kw] = w.shape;
    const groups = a.int('group', 1);
    const s = spatialAttrs(a, [kh, kw]);
    checkSpatial(s, ctx);
    if (s.kernel[0] !== kh || s.kernel[1] !== kw) {
      throw new Unsupported(`kernel_shape [${s.kernel.join(',')}] differs from the weights' [${kh},${kw}]`);
    }
    if (cout % groups !== 0) throw new Unsupported(`${cout} output channels in ${groups} groups`);
    const cin = cinPerGroup * groups;
    const bias = constantBias(ctx, cout);
    let run: (x: tf.Tensor4D, pad: ReturnType<typeof explicitPads>) => tf.Tensor4D;
    let fusedBias = false;
    if (groups === 1) {
      const f = filterTensor(w, s.dilations, [2, 3, 1, 0], ctx);
      // The bias goes into tfjs' fused kernel, as the engine's own conv layers do (one kernel, not two).
      fusedBias = bias !== undefined;
      run = (x, pad) =>
        bias
          ? tf.fused.conv2d({ x, filter: f, strides: s.strides, pad, bias })
          : tf.conv2d(x, f, s.strides, pad);
    } else if (cinPerGroup === 1 && groups === cin) {
      // Depthwise: output channel o = c * multiplier + m reads input channel c, as tfjs' depthwise filter.
      const f = filterTensor(
        { data: w.data, shape: [cin, cout / cin, kh, kw] },
        s.dilations,
        [2, 3, 0, 1],
        ctx,
      );
      run = (x, pad) => tf.depthwiseConv2d(x, f, s.strides, pad);
    } else {
      const per = cout / groups;
      const fs = Array.from({ length: groups }, (_, g) =>
        filterTensor(outerSlice(w, g, per), s.dilations, [2, 3, 1, 0], ctx),
      );
      run = (x, pad) => {
        const parts = tf.split(x, groups, 3);
        return tf.concat(
          parts.map((p, g) => tf.conv2d(p as tf.Tensor4D, fs[g], s.strides, pad)),
          3,
        );
      };
    }
    return ([x]) => {
      const t = nhwcTensor(x as Value, ctx.pool, ctx.where);
      if (t.shape[3] !== cin) {
        throw new Unsupported(`${ctx.where}: input has ${t.shape[3]} channels, the weights expect ${cin}`);
      }
      const y = run(t, explicitPads(s, t.shape[1], t.shape[2]));
      return [device(fusedBias ? y : withBias(y, bias), 'nhwc')];
    };
  },
};

const convTranspose: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    a.only(
      'auto_pad',
      'dilations',
      'group',
      'kernel_shape',
      'output_padding',
      'output_shape',
      'pads',
      'strides',
    );
    const w = constantWeights(ctx);
    const [cin, coutPerGroup, kh, kw] = w.shape;
    const groups = a.int('group', 1);
    const s = spatialAttrs(a, [kh, kw]);
    checkSpatial(s, ctx);
    if (cin % groups !== 0) throw new Unsupported(`${cin} input channels in ${groups} groups`);
    const cout = coutPerGroup * groups;
    const outPad = a.ints('output_padding') ?? [0, 0];
    const outShape = a.ints('output_shape');
    if (outPad.length !== 2 || (outShape && outShape.length !== 2)) {
      throw new Unsupported('output_padding / output_shape (only 2-D is implemented)');
    }
    const bias = constantBias(ctx, cout);
    const perIn = cin / groups;
    const fs = Array.from({ length: groups }, (_, g) =>
      filterTensor(outerSlice(w, g, perIn), s.dilations, [2, 3, 1, 0], ctx),
    );
    const [ekh, ekw] = effectiveKernel(s);

    /** Per axis: (begin, end) pads and the output length. */
    const axis = (n: number, k: number, st: number, op: number, i: 0 | 1): [number, number, number] => {
      const full = st * (n - 1) + op + k;
      if (outShape || (s.autoPad !== 'NOTSET' && s.autoPad !== 'VALID')) {
        const target = outShape ? outShape[i] : n * st;
        const total = full - target;
        const half = Math.floor(total / 2);
        // ONNX: SAME_UPPER puts the extra padding at the end, otherwise at the start.
        const [b, e] = s.autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
        return [b, e, target];
      }
      const p = s.pads ?? [0, 0, 0, 0];
      return [p[i], p[i + 2], full - p[i] - p[i + 2]];
    };

    return ([x]) => {
      const t = nhwcTensor(x as Value, ctx.pool, ctx.where);
      const [B, H, W, C] = t.shape;
      if (C !== cin)
        throw new Unsupported(`${ctx.where}: input has ${C} channels, the weights expect ${cin}`);
      const [tb, te, oh] = axis(H, ekh, s.strides[0], outPad[0], 0);
      const [lb, le, ow] = axis(W, ekw, s.strides[1], outPad[1], 1);
      if (tb < 0 || lb < 0 || oh < 1 || ow < 1) {
        throw new Unsupported(
          `${ctx.where}: output_shape / pads give an output of ${oh}x${ow} from ${H}x${W}`,
        );
      }
      // The end pad only has to make the forward convolution's shape check pass (see the file comment).
      const pad: [[number, number], [number, number], [number, number], [number, number]] = [
        [0, 0],
        [tb, Math.max(0, te - outPad[0])],
        [lb, Math.max(0, le - outPad[1])],
        [0, 0],
      ];
      const one = (p: tf.Tensor4D, f: tf.Tensor4D) =>
        tf.conv2dTranspose(p, f, [B, oh, ow, coutPerGroup], s.strides, pad);
      const y =
        groups === 1
          ? one(t, fs[0])
          : tf.concat(
              tf.split(t, groups, 3).map((p, g) => one(p as tf.Tensor4D, fs[g])),
              3,
            );
      return [device(withBias(y, bias), 'nhwc')];
    };
  },
};

export const CONV_OPS: Record<string, OpDef> = { Conv: conv, ConvTranspose: convTranspose };
