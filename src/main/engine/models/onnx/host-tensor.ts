/**
 * Host tensors: ONNX constants (initializers, Constant nodes) and the small integer tensors of shape
 * computations (Shape -> Gather -> Concat -> Reshape), kept in JS arrays so that shape arithmetic never
 * touches the tfjs backend and is folded once at import where its inputs are constant.
 *
 * Float data stays Float32Array (weights: no copy beyond the one that aligns raw_data); every other type is
 * held as Float64Array (int64 values are exact up to 2^53, far beyond any shape or index).
 */
import { InputError } from '@shared/errors';
import { ONNX_DTYPE, type OnnxTensorProto } from './proto';

export type HostDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8' | 'int8';

export interface HostTensor {
  readonly kind: 'host';
  readonly dtype: HostDtype;
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
  /** Known at import (initializer, Constant, or folded from constants): tfjs copies may be cached. */
  readonly constant: boolean;
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function hostTensor(
  dtype: HostDtype,
  shape: readonly number[],
  data: Float32Array | Float64Array | readonly number[],
  constant: boolean,
): HostTensor {
  const arr =
    data instanceof Float32Array || data instanceof Float64Array
      ? data
      : dtype === 'float32'
        ? Float32Array.from(data)
        : Float64Array.from(data);
  if (arr.length !== sizeOf(shape)) {
    throw new Error(`host tensor: ${arr.length} values for shape [${shape.join(',')}]`);
  }
  return { kind: 'host', dtype, shape: [...shape], data: arr, constant };
}

export function isFloat(dtype: HostDtype): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The values as plain numbers (small tensors: shapes, axes, pads, scales). */
export function hostValues(t: HostTensor): number[] {
  return Array.from(t.data);
}

const DTYPE_OF: Record<number, HostDtype | undefined> = {
  [ONNX_DTYPE.FLOAT]: 'float32',
  [ONNX_DTYPE.DOUBLE]: 'float64',
  [ONNX_DTYPE.INT64]: 'int64',
  [ONNX_DTYPE.INT32]: 'int32',
  [ONNX_DTYPE.BOOL]: 'bool',
  [ONNX_DTYPE.UINT8]: 'uint8',
  [ONNX_DTYPE.INT8]: 'int8',
};

export const DTYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(ONNX_DTYPE).map(([k, v]) => [v, k]),
);

/** The host dtype of an ONNX data type, or undefined when the importer does not handle it. */
export function hostDtypeOf(onnxType: number): HostDtype | undefined {
  return DTYPE_OF[onnxType];
}

/** Copies `bytes` into an aligned buffer (raw_data is a view into the file at any offset). */
function aligned(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function fromRaw(dtype: HostDtype, raw: Uint8Array, n: number, where: string): Float32Array | Float64Array {
  const width = { float32: 4, float64: 8, int64: 8, int32: 4, bool: 1, uint8: 1, int8: 1 }[dtype];
  if (raw.byteLength !== n * width) {
    throw new InputError(`${where}: raw_data has ${raw.byteLength} bytes, expected ${n * width}`);
  }
  // ONNX raw_data is little-endian, as are the platforms tfjs runs on.
  const buf = aligned(raw);
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int64':
      return Float64Array.from(new BigInt64Array(buf), (v) => Number(v));
    case 'int32':
      return Float64Array.from(new Int32Array(buf));
    case 'int8':
      return Float64Array.from(new Int8Array(buf));
    default:
      return Float64Array.from(new Uint8Array(buf));
  }
}

/** A TensorProto (initializer, Constant value) as a constant host tensor; `where` names it in errors. */
export function decodeTensorProto(t: OnnxTensorProto, where: string): HostTensor {
  const dtype = hostDtypeOf(t.data_type ?? 0);
  if (!dtype) {
    throw new InputError(
      `${where}: tensor element type ${DTYPE_NAMES[t.data_type ?? 0] ?? t.data_type} is not supported (float, double, int64, int32, int8, uint8, bool are)`,
    );
  }
  if (t.data_location === 1 || (t.external_data ?? []).length > 0) {
    throw new InputError(
      `${where}: the weights are stored in an external data file; export with all weights in the .onnx file (torch.onnx.export does so below 2 GB)`,
    );
  }
  const shape = (t.dims ?? []).map(Number);
  const n = sizeOf(shape);
  let data: Float32Array | Float64Array;
  if (t.raw_data && t.raw_data.byteLength > 0) {
    data = fromRaw(dtype, t.raw_data, n, where);
  } else {
    const list =
      dtype === 'float32'
        ? t.float_data
        : dtype === 'float64'
          ? t.double_data
          : dtype === 'int64'
            ? t.int64_data
            : t.int32_data; // int32, int8, uint8, bool are stored in int32_data
    const values = list ?? [];
    if (values.length !== n) {
      throw new InputError(`${where}: ${values.length} values for shape [${shape.join(',')}]`);
    }
    data = dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
  }
  return { kind: 'host', dtype, shape, data, constant: true };
}
