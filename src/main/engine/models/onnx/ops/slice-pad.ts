/**
 * Slice (any steps, negative ones included; the clamping rules of the ONNX spec) and Pad (constant, reflect,
 * edge, wrap; negative pads crop; opset 18 axes). Both keep an nhwc image nhwc by mapping their axes onto its
 * stored order (value.ts); on host tensors (shape arithmetic) they run on the host.
 */
import { tf } from '../../../backend';
import { Unsupported, type OpDef } from '../op-types';
import { constantNumbers, device, logicalShape, NHWC_AXIS, plainTensor, type Value } from '../value';
import { hostSelect } from './host-ops';
import { isNhwc, normAxis } from './shape';

/** ONNX Slice's index list along an axis of length n (clamping rules of the spec, any non-zero step). */
export function sliceIndices(n: number, start: number, end: number, step: number): number[] {
  if (step === 0) throw new Unsupported('Slice step 0');
  let s = start < 0 ? start + n : start;
  let e = end < 0 ? end + n : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), n);
    e = Math.min(Math.max(e, 0), n);
  } else {
    s = Math.min(Math.max(s, 0), n - 1);
    e = Math.min(Math.max(e, -1), n - 1);
  }
  const out: number[] = [];
  for (let i = s; step > 0 ? i < e : i > e; i += step) out.push(i);
  return out;
}

const slice: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('starts', 'ends', 'axes');
    return (inputs) => {
      const d = inputs[0] as Value;
      const shape = logicalShape(d);
      const a = ctx.node.attrs;
      const old = ctx.opset < 10;
      const starts = old ? (a.ints('starts') ?? []) : constantNumbers(inputs[1], ctx.where, 'starts');
      const ends = old ? (a.ints('ends') ?? []) : constantNumbers(inputs[2], ctx.where, 'ends');
      const axes = old
        ? (a.ints('axes') ?? starts.map((_, i) => i))
        : inputs[3]
          ? constantNumbers(inputs[3], ctx.where, 'axes')
          : starts.map((_, i) => i);
      const steps = !old && inputs[4] ? constantNumbers(inputs[4], ctx.where, 'steps') : starts.map(() => 1);
      const perAxis = shape.map((n) => Array.from({ length: n }, (_, i) => i));
      const ranges = shape.map((n) => ({ begin: 0, size: n, step: 1 }));
      axes.forEach((ax, i) => {
        const k = normAxis(ax, shape.length, ctx);
        perAxis[k] = sliceIndices(shape[k], starts[i], ends[i], steps[i]);
        ranges[k] = { begin: perAxis[k][0] ?? 0, size: perAxis[k].length, step: steps[i] };
      });
      if (d.kind === 'host') return [hostSelect(d, perAxis)];
      const nhwc = isNhwc(d);
      const stored = (k: number) => (nhwc ? NHWC_AXIS[k] : k);
      const t = d.t;
      if (ranges.every((r) => r.step === 1 || r.size <= 1)) {
        const begin = new Array<number>(shape.length).fill(0);
        const size = [...t.shape];
        ranges.forEach((r, k) => {
          begin[stored(k)] = r.begin;
          size[stored(k)] = r.size;
        });
        return [device(tf.slice(t, begin, size), nhwc ? 'nhwc' : 'plain')];
      }
      // Strided or reversed: a gather per axis (exact and differentiable).
      let y = t;
      perAxis.forEach((idx, k) => {
        if (ranges[k].step !== 1) y = tf.gather(y, Int32Array.from(idx), stored(k));
        else if (idx.length !== shape[k]) {
          const begin = y.shape.map((_, j) => (j === stored(k) ? idx[0] : 0));
          const size = y.shape.map((n, j) => (j === stored(k) ? idx.length : n));
          y = tf.slice(y, begin, size);
        }
      });
      return [device(y, nhwc ? 'nhwc' : 'plain')];
    };
  },
};

/** Reflection without repeating the edge (numpy 'reflect'): -1 -> 1, n -> n - 2. */
function reflectIndex(j: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((j % period) + period) % period;
  return m < n ? m : period - m;
}

const pad: OpDef = {
  compile(ctx) {
    ctx.node.attrs.only('mode', 'pads', 'value');
    const mode = ctx.node.attrs.string('mode', 'constant');
    if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) throw new Unsupported(`mode "${mode}"`);
    return (inputs) => {
      const d = inputs[0] as Value;
      const shape = logicalShape(d);
      const r = shape.length;
      const old = ctx.opset < 11;
      const given = old ? (ctx.node.attrs.ints('pads') ?? []) : constantNumbers(inputs[1], ctx.where, 'pads');
      const value = old
        ? ctx.node.attrs.float('value', 0)
        : inputs[2] && (inputs[2].kind !== 'host' || inputs[2].data.length > 0)
          ? constantNumbers(inputs[2], ctx.where, 'constant_value')[0]
          : 0;
      const axes =
        !old && inputs[3]
          ? constantNumbers(inputs[3], ctx.where, 'axes').map((a) => normAxis(a, r, ctx))
          : shape.map((_, i) => i);
      if (given.length !== 2 * axes.length)
        throw new Unsupported(`${ctx.where}: ${given.length} pads for ${axes.length} axes`);
      const logical: [number, number][] = shape.map(() => [0, 0]);
      axes.forEach((ax, i) => (logical[ax] = [given[i], given[i + axes.length]]));
      const nhwc = isNhwc(d);
      let t = d.kind === 'host' ? plainTensor(d, ctx.pool) : d.t;
      const paddings: [number, number][] = t.shape.map(() => [0, 0]);
      logical.forEach((p, k) => (paddings[nhwc ? NHWC_AXIS[k] : k] = p));
      // Negative pads crop.
      if (paddings.some(([b, e]) => b < 0 || e < 0)) {
        const begin = paddings.map(([b]) => Math.max(0, -b));
        const size = t.shape.map((n, k) => n - begin[k] - Math.max(0, -paddings[k][1]));
        t = tf.slice(t, begin, size);
      }
      const pos = paddings.map(([b, e]) => [Math.max(0, b), Math.max(0, e)] as [number, number]);
      if (mode === 'constant') return [device(tf.pad(t, pos, value), nhwc ? 'nhwc' : 'plain')];
      // reflect / edge / wrap: a gather per padded axis, index i reading source(i - begin). (tf.mirrorPad is
      // right forward, but tfjs 4.22's gradient of it is not: found against PyTorch by the fixture tests.)
      let y = t;
      pos.forEach(([b, e], k) => {
        if (b === 0 && e === 0) return;
        const n = y.shape[k];
        const source = (j: number) =>
          mode === 'edge'
            ? Math.min(Math.max(j, 0), n - 1)
            : mode === 'wrap'
              ? ((j % n) + n) % n
              : reflectIndex(j, n);
        y = tf.gather(
          y,
          Int32Array.from({ length: n + b + e }, (_, i) => source(i - b)),
          k,
        );
      });
      return [device(y, nhwc ? 'nhwc' : 'plain')];
    };
  },
};

export const SLICE_PAD_OPS: Record<string, OpDef> = { Slice: slice, Pad: pad };
