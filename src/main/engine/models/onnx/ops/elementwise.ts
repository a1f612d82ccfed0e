/**
 * Element-wise ops: Add, Sub, Mul, Div, Pow (numpy broadcasting, as ONNX), the activations Relu, LeakyRelu,
 * PRelu, Sigmoid, Tanh, Gelu (opset 20; torch exports before 2.x spell it with Erf), Erf, Clip, Sqrt, Exp,
 * Log, Neg, Abs, and Identity / Dropout (inference: the identity). Layouts are kept: an nhwc operand makes the
 * op run in NHWC with the other operand's logical shape permuted the same way (value.ts).
 * Host operands on both sides (shape arithmetic) are computed on the host.
 */
import { tf } from '../../../backend';
import { hostTensor, isFloat, sizeOf, type HostTensor } from '../host-tensor';
import { Unsupported, type OpDef } from '../op-types';
import {
  broadcastNhwc,
  constantNumbers,
  device,
  logicalShape,
  plainTensor,
  type ConstantPool,
  type Value,
} from '../value';

/** numpy broadcast of two shapes; undefined when they do not broadcast. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | undefined {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return undefined;
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** f applied element-wise with broadcasting on host tensors. */
function hostBinary(
  a: HostTensor,
  b: HostTensor,
  f: (x: number, y: number) => number,
  where: string,
): HostTensor {
  const shape = broadcastShape(a.shape, b.shape);
  if (!shape)
    throw new Unsupported(
      `${where}: shapes [${a.shape.join(',')}] and [${b.shape.join(',')}] do not broadcast`,
    );
  const n = sizeOf(shape);
  const float = isFloat(a.dtype) || isFloat(b.dtype);
  const out = float ? new Float32Array(n) : new Float64Array(n);
  const strides = (s: readonly number[]) => {
    const padded = [...Array(shape.length - s.length).fill(1), ...s];
    const st = new Array<number>(shape.length).fill(0);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
      st[i] = padded[i] === 1 ? 0 : acc;
      acc *= padded[i];
    }
    return st;
  };
  const sa = strides(a.shape);
  const sb = strides(b.shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let ia = 0;
    let ib = 0;
    for (let d = 0; d < shape.length; d++) {
      ia += idx[d] * sa[d];
      ib += idx[d] * sb[d];
    }
    out[k] = f(a.data[ia], b.data[ib]);
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return hostTensor(float ? 'float32' : a.dtype, shape, out, a.constant && b.constant);
}

/** Runs a broadcasting binary tfjs op on two values, in NHWC when either is an nhwc image. */
export function binaryValues(
  a: Value,
  b: Value,
  pool: ConstantPool,
  fn: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
): Value {
  if (!broadcastShape(logicalShape(a), logicalShape(b))) {
    throw new Unsupported(
      `shapes [${logicalShape(a).join(',')}] and [${logicalShape(b).join(',')}] do not broadcast`,
    );
  }
  const nhwc = (a.kind === 'device' && a.layout === 'nhwc') || (b.kind === 'device' && b.layout === 'nhwc');
  if (nhwc) {
    const x = broadcastNhwc(a, pool);
    const y = broadcastNhwc(b, pool);
    if (x && y) return device(fn(x, y), 'nhwc');
  }
  return device(fn(plainTensor(a, pool), plainTensor(b, pool)));
}

function binary(
  fn: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor,
  host: (x: number, y: number, float: boolean) => number,
): OpDef {
  return {
    compile(ctx) {
      return ([a, b]) => {
        if (!a || !b) throw new Unsupported(`${ctx.where}: needs two inputs`);
        if (a.kind === 'host' && b.kind === 'host') {
          const float = isFloat(a.dtype) || isFloat(b.dtype);
          return [hostBinary(a, b, (x, y) => host(x, y, float), ctx.where)];
        }
        return [binaryValues(a, b, ctx.pool, fn)];
      };
    },
  };
}

function unary(fn: (x: tf.Tensor) => tf.Tensor, known: string[] = []): OpDef {
  return {
    compile(ctx) {
      ctx.node.attrs.only(...known);
      return ([x]) => {
        if (!x) throw new Unsupported(`${ctx.where}: needs an input`);
        if (x.kind === 'host') return [device(fn(plainTensor(x, ctx.pool)))];
        return [device(fn(x.t), x.layout)];
      };
    },
  };
}

const SQRT1_2 = Math.SQRT1_2;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** GELU: 0.5 x (1 + erf(x / sqrt 2)), or with approximate = "tanh" 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
function gelu(x: tf.Tensor, approximate: string): tf.Tensor {
  if (approximate === 'tanh') {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  }
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, SQRT1_2)), 1));
}

const clip: OpDef = {
  compile(ctx) {
    // Opset < 11: bounds are attributes; from 11: optional inputs 1 and 2.
    const attrMin = ctx.node.attrs.float('min', -Infinity);
    const attrMax = ctx.node.attrs.float('max', Infinity);
    return ([x, lo, hi]) => {
      if (!x) throw new Unsupported(`${ctx.where}: needs an input`);
      const min = lo ? constantNumbers(lo, ctx.where, 'the lower bound')[0] : attrMin;
      const max = hi ? constantNumbers(hi, ctx.where, 'the upper bound')[0] : attrMax;
      const t = x.kind === 'host' ? plainTensor(x, ctx.pool) : x.t;
      // tf.clipByValue's gradient passes where min <= x <= max, as torch.clamp's.
      const y =
        min === -Infinity && max === Infinity
          ? t
          : tf.clipByValue(t, Math.max(min, -3.4e38), Math.min(max, 3.4e38));
      return [device(y, x.kind === 'device' ? x.layout : 'plain')];
    };
  },
};

const prelu: OpDef = {
  compile(ctx) {
    return ([x, slope]) => {
      if (!x || !slope) throw new Unsupported(`${ctx.where}: needs x and slope`);
      // x > 0 ? x : slope x; at 0 the gradient is the slope, as torch's. tf.prelu (wasm: slope per last
      // axis only) where the slope varies along the last axis alone; relu(x) + slope min(x, 0) otherwise.
      return [
        binaryValues(x, slope, ctx.pool, (a, s) =>
          s.shape.slice(0, -1).every((n) => n === 1) && s.rank <= a.rank
            ? tf.prelu(a, s)
            : tf.add(tf.relu(a), tf.mul(s, tf.minimum(a, 0))),
        ),
      ];
    };
  },
};

const identity: OpDef = {
  compile(ctx) {
    return (inputs) => {
      const [x, , training] = inputs;
      if (!x) throw new Unsupported(`${ctx.where}: needs an input`);
      if (ctx.node.opType === 'Dropout') {
        const on = training ? constantNumbers(training, ctx.where, 'training_mode')[0] : 0;
        if (on) throw new Unsupported(`${ctx.where}: training_mode is true (export the model in eval mode)`);
        if (ctx.node.outputs.length > 1) {
          // The mask output of inference-mode dropout keeps everything.
          const t = x.kind === 'host' ? plainTensor(x, ctx.pool) : x.t;
          return [x, device(tf.onesLike(t).cast('bool'), x.kind === 'host' ? 'plain' : x.layout)];
        }
      }
      return [x];
    };
  },
};

export const ELEMENTWISE_OPS: Record<string, OpDef> = {
  Add: binary(tf.add, (x, y) => x + y),
  Sub: binary(tf.sub, (x, y) => x - y),
  Mul: binary(tf.mul, (x, y) => x * y),
  Div: binary(tf.div, (x, y, float) => (float ? x / y : Math.trunc(x / y))),
  Pow: binary(tf.pow, (x, y) => x ** y),
  Relu: unary(tf.relu),
  Sigmoid: unary(tf.sigmoid),
  Tanh: unary(tf.tanh),
  Erf: unary(tf.erf),
  Sqrt: unary(tf.sqrt),
  Exp: unary(tf.exp),
  Log: unary(tf.log),
  Neg: unary(tf.neg),
  Abs: unary(tf.abs),
  LeakyRelu: {
    compile(ctx) {
      const alpha = ctx.node.attrs.float('alpha', 0.01);
      return unary((x) => tf.leakyRelu(x, alpha), ['alpha']).compile(ctx);
    },
  },
  Gelu: {
    compile(ctx) {
      const approximate = ctx.node.attrs.string('approximate', 'none');
      if (approximate !== 'none' && approximate !== 'tanh') {
        throw new Unsupported(`approximate "${approximate}"`);
      }
      return unary((x) => gelu(x, approximate), ['approximate']).compile(ctx);
    },
  },
  Clip: clip,
  PRelu: prelu,
  Identity: identity,
  Dropout: identity,
};
