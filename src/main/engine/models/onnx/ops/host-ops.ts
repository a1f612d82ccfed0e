/**
 * Host-side versions of the shape ops (Gather, Slice, Concat, Transpose) for small constant or shape-derived
 * tensors (torch exports spell `x.view(x.size(0), -1)` and dynamic pads as Shape -> Gather -> Concat ->
 * Reshape chains). Plain loops over C-order strides; used only when every operand is on the host.
 */
import { hostTensor, sizeOf, type HostTensor } from '../host-tensor';

function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) s[i] = s[i + 1] * shape[i + 1];
  return s;
}

/** out[..., j, ...] = a[..., idx(j), ...] along `axis` with the axis replaced by `idxShape`. */
export function hostGather(
  a: HostTensor,
  indices: readonly number[],
  idxShape: readonly number[],
  axis: number,
): HostTensor {
  const n = a.shape[axis];
  const idx = indices.map((i) => (i < 0 ? i + n : i));
  if (idx.some((i) => i < 0 || i >= n)) throw new Error(`Gather: index out of range for axis of length ${n}`);
  const outer = sizeOf(a.shape.slice(0, axis));
  const inner = sizeOf(a.shape.slice(axis + 1));
  const out = new (a.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(
    outer * idx.length * inner,
  );
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < idx.length; j++) {
      const src = (o * n + idx[j]) * inner;
      out.set(a.data.subarray(src, src + inner), (o * idx.length + j) * inner);
    }
  }
  return hostTensor(
    a.dtype,
    [...a.shape.slice(0, axis), ...idxShape, ...a.shape.slice(axis + 1)],
    out,
    a.constant,
  );
}

/** Selects index lists per axis (the general form of Slice with any steps). */
export function hostSelect(a: HostTensor, perAxis: readonly (readonly number[])[]): HostTensor {
  let t = a;
  perAxis.forEach((idx, axis) => {
    const identity = idx.length === t.shape[axis] && idx.every((v, i) => v === i);
    if (!identity) t = hostGather(t, idx, [idx.length], axis);
  });
  return t;
}

export function hostConcat(parts: readonly HostTensor[], axis: number): HostTensor {
  const first = parts[0];
  const outer = sizeOf(first.shape.slice(0, axis));
  const inners = parts.map((p) => sizeOf(p.shape.slice(axis)));
  const total = inners.reduce((x, y) => x + y, 0);
  const float = parts.some((p) => p.data instanceof Float32Array);
  const out = float ? new Float32Array(outer * total) : new Float64Array(outer * total);
  for (let o = 0; o < outer; o++) {
    let off = o * total;
    parts.forEach((p, k) => {
      out.set(p.data.subarray(o * inners[k], (o + 1) * inners[k]), off);
      off += inners[k];
    });
  }
  const shape = [...first.shape];
  shape[axis] = parts.reduce((s, p) => s + p.shape[axis], 0);
  return hostTensor(
    first.dtype,
    shape,
    out,
    parts.every((p) => p.constant),
  );
}

export function hostTranspose(a: HostTensor, perm: readonly number[]): HostTensor {
  const shape = perm.map((p) => a.shape[p]);
  const src = strides(a.shape);
  const n = sizeOf(shape);
  const out = new (a.data.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let s = 0;
    for (let d = 0; d < shape.length; d++) s += idx[d] * src[perm[d]];
    out[k] = a.data[s];
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return hostTensor(a.dtype, shape, out, a.constant);
}
