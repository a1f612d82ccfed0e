/**
 * Shape and data-movement ops: Constant, ConstantOfShape, Shape, Cast, Gather, Reshape, Flatten, Transpose,
 * Squeeze, Unsqueeze, Concat (Slice and Pad: slice-pad.ts). Each runs on the host when all its operands are
 * host tensors (constants and shape arithmetic, folded at import when constant), else on tfjs tensors. Concat
 * keeps an nhwc image nhwc (its axis is mapped); Reshape, Flatten, Transpose, Squeeze, Unsqueeze and Gather on
 * device tensors work in ONNX's axis order (value.ts).
 */
import { tf } from '../../../backend';
import { hostDtypeOf, hostTensor, isFloat, sizeOf, type HostDtype, type HostTensor } from '../host-tensor';
import { Unsupported, type CompileContext, type OpDef } from '../op-types';
import {
  constantNumbers,
  device,
  logicalShape,
  NHWC_AXIS,
  nhwcTensor,
  plainTensor,
  type Value,
} from '../value';
import { hostConcat, hostGather, hostTranspose } from './host-ops';

export function normAxis(axis: number, rank: number, ctx: CompileContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Unsupported(`${ctx.where}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function isNhwc(v: Value | undefined): boolean {
  return v?.kind === 'device' && v.layout === 'nhwc';
}

/** Axes given as an attribute (older opsets) or as input i (newer). */
function axesOf(ctx: CompileContext, inputs: (Value | undefined)[], i: number): number[] | undefined {
  if (inputs[i]) return constantNumbers(inputs[i], ctx.where, 'axes');
  return ctx.node.attrs.ints('axes');
}

const constant: OpDef = {
  compile(ctx) {
    const a = ctx.node.attrs;
    let value: HostTensor | undefined = a.tensor('value');
    if (!value && a.has('value_float')) value = hostTensor('float32', [], [a.float('value_float', 0)], true);
    if (!value && a.has('value_floats'))
      value = hostTensor('float32', [a.floats('value_floats')!.length], a.floats('value_floats')!, true);
    if (!value && a.has('value_int')) value = hostTensor('int64', [], [a.int('value_int', 0)], true);
    if (!value && a.has('value_ints'))
      value = hostTensor('int64', [a.ints('value_ints')!.length], a.ints('value_ints')!, true);
    if (!value) throw new Unsupported(`value kind ${a.names().join(', ') || '(none)'}`);
    const v = value;
    return () => [v];
  },
};

/** Host tensors above this size are made on the device instead (ConstantOfShape of an image's shape). */
const HOST_LIMIT = 65536;

const constantOfShape: OpDef = {
  compile(ctx) {
    const value = ctx.node.attrs.tensor('value') ?? hostTensor('float32', [1], [0], true);
    const fill = value.data[0];
    return ([shapeV]) => {
      const shape = constantNumbers(shapeV, ctx.where, 'shape');
      if (sizeOf(shape) <= HOST_LIMIT) {
        return [
          hostTensor(
            value.dtype,
            shape,
            new Array<number>(sizeOf(shape)).fill(fill),
            shapeV!.kind === 'host' && shapeV!.constant,
          ),
        ];
      }
      return [device(tf.fill(shape, fill, isFloat(value.dtype) ? 'float32' : 'int32'))];
    };
  },
};

const shapeOp: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('start', 'end');
    return ([x]) => {
      const s = logicalShape(x as Value);
      const r = s.length;
      const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const part = s.slice(clamp(ctx.node.attrs.int('start', 0)), clamp(ctx.node.attrs.int('end', r)));
      return [
        hostTensor('int64', [part.length], part, (x as Value).kind === 'host' && (x as HostTensor).constant),
      ];
    };
  },
};

const cast: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('to', 'saturate', 'round_mode');
    const to = hostDtypeOf(ctx.node.attrs.int('to', 0));
    if (!to) throw new Unsupported(`cast to element type ${ctx.node.attrs.int('to', 0)}`);
    return ([x]) => {
      const v = x as Value;
      if (v.kind === 'host') {
        const vals = Array.from(v.data, (n) =>
          isFloat(to) ? n : to === 'bool' ? (n !== 0 ? 1 : 0) : Math.trunc(n),
        );
        return [hostTensor(to as HostDtype, v.shape, vals, v.constant)];
      }
      const dt = isFloat(to) ? 'float32' : to === 'bool' ? 'bool' : 'int32';
      return [device(v.t.dtype === dt ? v.t : tf.cast(v.t, dt), v.layout)];
    };
  },
};

const gather: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('axis');
    return ([data, indices]) => {
      const d = data as Value;
      const rank = logicalShape(d).length;
      const axis = normAxis(ctx.node.attrs.int('axis', 0), rank, ctx);
      if (indices?.kind !== 'host') throw new Unsupported(`${ctx.where}: indices computed at run time`);
      const idx = Array.from(indices.data);
      if (d.kind === 'host') return [hostGather(d, idx, indices.shape, axis)];
      const n = logicalShape(d)[axis];
      const wrapped = tf.tensor(
        Int32Array.from(idx, (i) => (i < 0 ? i + n : i)),
        [...indices.shape],
        'int32',
      );
      return [device(tf.gather(plainTensor(d, ctx.pool), wrapped, axis))];
    };
  },
};

/** Reshape's target with 0 (copy, unless allowzero) and -1 (inferred) resolved. */
function reshapeTarget(shape: number[], target: number[], allowZero: boolean, ctx: CompileContext): number[] {
  const out = target.map((v, i) => (v === 0 && !allowZero ? shape[i] : v));
  const known = out.filter((v) => v !== -1).reduce((a, b) => a * b, 1);
  const total = sizeOf(shape);
  const inferred = out.indexOf(-1);
  if (inferred >= 0) out[inferred] = known === 0 ? 0 : total / known;
  if (sizeOf(out) !== total || out.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Unsupported(`${ctx.where}: cannot reshape [${shape.join(',')}] to [${target.join(',')}]`);
  }
  return out;
}

const reshape: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('allowzero');
    const allowZero = ctx.node.attrs.int('allowzero', 0) === 1;
    return ([data, shapeV]) => {
      const d = data as Value;
      const target = reshapeTarget(
        logicalShape(d),
        constantNumbers(shapeV, ctx.where, 'shape'),
        allowZero,
        ctx,
      );
      if (d.kind === 'host') return [hostTensor(d.dtype, target, d.data, d.constant)];
      return [device(tf.reshape(plainTensor(d, ctx.pool), target))];
    };
  },
};

const flatten: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('axis');
    return ([data]) => {
      const d = data as Value;
      const shape = logicalShape(d);
      const axis = ctx.node.attrs.int('axis', 1);
      const a = axis < 0 ? axis + shape.length : axis;
      const target = [sizeOf(shape.slice(0, a)), sizeOf(shape.slice(a))];
      if (d.kind === 'host') return [hostTensor(d.dtype, target, d.data, d.constant)];
      return [device(tf.reshape(plainTensor(d, ctx.pool), target))];
    };
  },
};

const transpose: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('perm');
    return ([data]) => {
      const d = data as Value;
      const rank = logicalShape(d).length;
      const perm = ctx.node.attrs.ints('perm') ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
      if (d.kind === 'host') return [hostTranspose(d, perm)];
      // An nhwc value is transposed from its stored order: logical axis k lives at NHWC_AXIS[k].
      if (d.layout === 'nhwc')
        return [
          device(
            tf.transpose(
              d.t,
              perm.map((p) => NHWC_AXIS[p]),
            ),
          ),
        ];
      return [device(tf.transpose(d.t, perm))];
    };
  },
};

function squeezeLike(unsqueeze: boolean): OpDef {
  return {
    compile(ctx) {
      ctx.node.attrs.only('axes');
      return (inputs) => {
        const d = inputs[0] as Value;
        const shape = logicalShape(d);
        const axes = axesOf(ctx, inputs, 1);
        let target: number[];
        if (unsqueeze) {
          if (!axes) throw new Unsupported(`${ctx.where}: axes missing`);
          const r = shape.length + axes.length;
          const set = new Set(axes.map((a) => normAxis(a, r, ctx)));
          target = [];
          let k = 0;
          for (let i = 0; i < r; i++) target.push(set.has(i) ? 1 : shape[k++]);
        } else {
          const set = new Set(
            (axes ?? shape.flatMap((n, i) => (n === 1 ? [i] : []))).map((a) =>
              normAxis(a, shape.length, ctx),
            ),
          );
          target = shape.filter((_, i) => !set.has(i));
        }
        if (d.kind === 'host') return [hostTensor(d.dtype, target, d.data, d.constant)];
        return [device(tf.reshape(plainTensor(d, ctx.pool), target))];
      };
    },
  };
}

const concat: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('axis');
    return (inputs) => {
      const vs = inputs.filter((v): v is Value => v !== undefined && sizeOf(logicalShape(v)) > 0);
      if (vs.length === 0) return [inputs[0] as Value];
      const rank = logicalShape(vs[0]).length;
      const axis = normAxis(ctx.node.attrs.int('axis', 0), rank, ctx);
      if (vs.every((v) => v.kind === 'host')) return [hostConcat(vs as HostTensor[], axis)];
      if (rank === 4 && vs.some(isNhwc)) {
        return [
          device(
            tf.concat(
              vs.map((v) => nhwcTensor(v, ctx.pool, ctx.where)),
              NHWC_AXIS[axis],
            ),
            'nhwc',
          ),
        ];
      }
      return [
        device(
          tf.concat(
            vs.map((v) => plainTensor(v, ctx.pool)),
            axis,
          ),
        ),
      ];
    };
  },
};

export const SHAPE_OPS: Record<string, OpDef> = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Shape: shapeOp,
  Cast: cast,
  Gather: gather,
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeezeLike(false),
  Unsqueeze: squeezeLike(true),
  Concat: concat,
};
