/**
 * Values flowing through an imported ONNX graph, and the one place where ONNX's NCHW meets the engine's NHWC.
 *
 * A value is a host tensor (constants, shape arithmetic) or a device tensor (tfjs) with a layout tag:
 *   plain  stored in ONNX's own axis order
 *   nhwc   a rank-4 tensor whose ONNX (logical) shape is [N, C, H, W], stored as [N, H, W, C]
 * Convolutions, pooling, normalization and resizing run on nhwc values (tfjs' native layout, so no transposes
 * between layers); element-wise ops keep the layout (constants are permuted once, cached); axis-taking ops
 * (Concat, Slice, Pad, Reduce*, Transpose, Softmax) map their axes; only ops without an NHWC meaning
 * (Reshape, Flatten, MatMul, Gemm) bring a value back to plain. The graph's input images and sinograms enter
 * as nhwc (the engine's [B,H,W,1] is ONNX's [B,1,H,W]) and an nhwc output leaves as it is: NCHW <-> NHWC
 * happens once, at the boundary, for a convolutional network.
 */
import { InputError, ShapeError } from '@shared/errors';
import { tf } from '../../backend';
import { isFloat, type HostTensor } from './host-tensor';

export type Layout = 'plain' | 'nhwc';

export interface DeviceTensor {
  readonly kind: 'device';
  readonly t: tf.Tensor;
  readonly layout: Layout;
}

export type Value = HostTensor | DeviceTensor;

/** ONNX axis k of a rank-4 logical [N,C,H,W] value is stored at axis NHWC_AXIS[k] of the NHWC tensor. */
export const NHWC_AXIS = [0, 3, 1, 2] as const;
const NCHW_TO_NHWC = [0, 2, 3, 1];
const NHWC_TO_NCHW = [0, 3, 1, 2];

export function device(t: tf.Tensor, layout: Layout = 'plain'): DeviceTensor {
  return { kind: 'device', t, layout: layout === 'nhwc' && t.rank === 4 ? 'nhwc' : 'plain' };
}

/** The value's shape in ONNX's axis order. */
export function logicalShape(v: Value): number[] {
  if (v.kind === 'host') return [...v.shape];
  const s = v.t.shape as number[];
  return v.layout === 'nhwc' ? [s[0], s[3], s[1], s[2]] : [...s];
}

/** Transpose that is a reshape when the moved axis is 1 (single-channel images: the common boundary case). */
function permute(t: tf.Tensor, perm: number[]): tf.Tensor {
  const moved = perm.map((p) => t.shape[p]);
  const nonUnit = (axes: number[]) => axes.filter((a) => t.shape[a] !== 1);
  const order = nonUnit(perm);
  const sorted = [...order].sort((a, b) => a - b);
  if (order.every((a, i) => a === sorted[i])) return tf.reshape(t, moved);
  return tf.transpose(t, perm);
}

/**
 * Device tensors of constants, made once and owned by the network (disposed with it). Runtime host values
 * (shape arithmetic that depends on the input) get fresh tensors, freed by the caller's tidy.
 */
export class ConstantPool {
  private readonly cache = new WeakMap<HostTensor, Map<string, tf.Tensor>>();
  private readonly owned = new Set<tf.Tensor>();

  /** `make` builds the tensor for (h, key); for constants it runs once and the result is kept. */
  get(h: HostTensor, key: string, make: () => tf.Tensor): tf.Tensor {
    if (!h.constant) return make();
    let m = this.cache.get(h);
    if (!m) this.cache.set(h, (m = new Map()));
    let t = m.get(key);
    if (!t) {
      t = tf.keep(tf.tidy(make));
      m.set(key, t);
      this.owned.add(t);
    }
    return t;
  }

  /** A tensor the network owns (prepared weights). */
  own<T extends tf.Tensor>(t: T): T {
    this.owned.add(tf.keep(t));
    return t;
  }

  owns(t: tf.Tensor): boolean {
    return this.owned.has(t);
  }

  get numTensors(): number {
    return this.owned.size;
  }

  dispose(): void {
    for (const t of this.owned) t.dispose();
    this.owned.clear();
  }
}

function hostToTensor(h: HostTensor): tf.Tensor {
  if (isFloat(h.dtype))
    return tf.tensor(
      h.data instanceof Float32Array ? h.data : Float32Array.from(h.data),
      [...h.shape],
      'float32',
    );
  if (h.dtype === 'bool') return tf.tensor(Int32Array.from(h.data), [...h.shape], 'int32').cast('bool');
  return tf.tensor(Int32Array.from(h.data), [...h.shape], 'int32');
}

/** The value as a tfjs tensor in ONNX's axis order. */
export function plainTensor(v: Value, pool: ConstantPool): tf.Tensor {
  if (v.kind === 'host') return pool.get(v, 'plain', () => hostToTensor(v));
  return v.layout === 'nhwc' ? permute(v.t, NHWC_TO_NCHW) : v.t;
}

/** A logical rank-4 [N,C,H,W] value as an NHWC tfjs tensor. */
export function nhwcTensor(v: Value, pool: ConstantPool, where: string): tf.Tensor4D {
  if (v.kind === 'device' && v.layout === 'nhwc') return v.t as tf.Tensor4D;
  const shape = logicalShape(v);
  if (shape.length !== 4) {
    throw new ShapeError(`${where}: expected a 4-D [N,C,H,W] tensor, got [${shape.join(',')}]`);
  }
  if (v.kind === 'host')
    return pool.get(v, 'nhwc', () => permute(hostToTensor(v), NCHW_TO_NHWC)) as tf.Tensor4D;
  return permute(v.t, NCHW_TO_NHWC) as tf.Tensor4D;
}

/**
 * A value that broadcasts (numpy rules, ONNX's) against a logical rank-4 nhwc operand, in NHWC order: its
 * logical shape is left-padded to rank 4 and permuted like the data. Rank > 4 cannot meet an nhwc operand.
 */
export function broadcastNhwc(v: Value, pool: ConstantPool): tf.Tensor | undefined {
  if (v.kind === 'device' && v.layout === 'nhwc') return v.t;
  const shape = logicalShape(v);
  if (shape.length > 4) return undefined;
  const full = [...Array(4 - shape.length).fill(1), ...shape];
  const make = () => permute(tf.reshape(v.kind === 'host' ? hostToTensor(v) : v.t, full), NCHW_TO_NHWC);
  return v.kind === 'host' ? pool.get(v, 'bcast-nhwc', make) : make();
}

/**
 * A host value's numbers (shapes, axes, pads, scales). Such inputs must not depend on the network's pixel
 * values: a device tensor here is an InputError naming the node.
 */
export function constantNumbers(v: Value | undefined, where: string, what: string): number[] {
  if (!v) throw new InputError(`${where}: ${what} is missing`);
  if (v.kind !== 'host') {
    throw new InputError(
      `${where}: ${what} is computed from the network's input at run time; only constant (or shape-derived) ${what} is supported`,
    );
  }
  return Array.from(v.data);
}
