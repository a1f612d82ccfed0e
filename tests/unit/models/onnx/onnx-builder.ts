/**
 * Builds small ONNX models in tests (single ops, short chains) with the importer's own protobuf schema, and
 * runs them three ways: through the importer (inputs fed in ONNX order or as NHWC images, so both layouts of
 * value.ts are exercised), through onnxruntime-node (the independent oracle), and through plain float64
 * references (reference-ops.ts) where a test has one.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { tf } from '../../../../src/main/engine/backend';
import { compileOnnxGraph } from '../../../../src/main/engine/models/onnx/graph';
import { hostTensor } from '../../../../src/main/engine/models/onnx/host-tensor';
import {
  decodeModelProto,
  encodeModelProto,
  ONNX_ATTR,
  ONNX_DTYPE,
  type OnnxAttributeProto,
  type OnnxModelProto,
  type OnnxNodeProto,
  type OnnxTensorProto,
} from '../../../../src/main/engine/models/onnx/proto';
import { ConstantPool, device, plainTensor, type Value } from '../../../../src/main/engine/models/onnx/value';

/** tests/fixtures/onnx (make_fixtures.py writes it). */
export const ONNX_FIXTURES = fileURLToPath(new URL('../../../fixtures/onnx/', import.meta.url));

export type Attr =
  | { i: number }
  | { f: number }
  | { s: string }
  | { ints: number[] }
  | { floats: number[] }
  | { t: TensorSpec };

export interface TensorSpec {
  shape: number[];
  data: ArrayLike<number>;
  dtype?: 'float' | 'int64' | 'bool';
}

export interface InputSpec {
  name: string;
  shape: number[];
  /** Given: an initializer (constant); absent: a graph input fed at run time. */
  data?: ArrayLike<number>;
  dtype?: 'float' | 'int64';
}

export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  attrs?: Record<string, Attr>;
  name?: string;
  domain?: string;
}

export interface ModelSpec {
  nodes: NodeSpec[];
  inputs: InputSpec[];
  outputs: string[];
  opset?: number;
}

const DTYPE = { float: ONNX_DTYPE.FLOAT, int64: ONNX_DTYPE.INT64, bool: ONNX_DTYPE.BOOL };

export function tensorProto(name: string, t: TensorSpec): OnnxTensorProto {
  const dtype = t.dtype ?? 'float';
  const data = Array.from(t.data);
  return {
    name,
    dims: t.shape,
    data_type: DTYPE[dtype],
    ...(dtype === 'float'
      ? { float_data: data }
      : dtype === 'int64'
        ? { int64_data: data }
        : { int32_data: data }),
  };
}

function attrProto(name: string, a: Attr): OnnxAttributeProto {
  if ('i' in a) return { name, type: ONNX_ATTR.INT, i: a.i };
  if ('f' in a) return { name, type: ONNX_ATTR.FLOAT, f: a.f };
  if ('s' in a) return { name, type: ONNX_ATTR.STRING, s: new TextEncoder().encode(a.s) };
  if ('ints' in a) return { name, type: ONNX_ATTR.INTS, ints: a.ints };
  if ('floats' in a) return { name, type: ONNX_ATTR.FLOATS, floats: a.floats };
  return { name, type: ONNX_ATTR.TENSOR, t: tensorProto(name, a.t) };
}

export function modelProto(spec: ModelSpec): OnnxModelProto {
  const nodes: OnnxNodeProto[] = spec.nodes.map((n, k) => ({
    op_type: n.op,
    name: n.name ?? `n${k}_${n.op}`,
    input: n.inputs,
    output: n.outputs,
    domain: n.domain ?? '',
    attribute: Object.entries(n.attrs ?? {}).map(([k2, a]) => attrProto(k2, a)),
  }));
  const valueInfo = (name: string, shape?: number[], dtype: 'float' | 'int64' = 'float') => ({
    name,
    type: {
      tensor_type: {
        elem_type: DTYPE[dtype],
        ...(shape ? { shape: { dim: shape.map((d) => ({ dim_value: d })) } } : {}),
      },
    },
  });
  return {
    ir_version: 8,
    producer_name: 'ct-audit tests',
    opset_import: [{ domain: '', version: spec.opset ?? 17 }],
    graph: {
      name: 'test',
      node: nodes,
      initializer: spec.inputs
        .filter((i) => i.data !== undefined)
        .map((i) => tensorProto(i.name, { shape: i.shape, data: i.data!, dtype: i.dtype })),
      input: spec.inputs.filter((i) => i.data === undefined).map((i) => valueInfo(i.name, i.shape, i.dtype)),
      output: spec.outputs.map((o) => valueInfo(o)),
    },
  };
}

export function modelBytes(spec: ModelSpec): Uint8Array {
  return encodeModelProto(modelProto(spec));
}

/** One node with inputs x0.. (runtime unless they have data) and outputs y0... */
export function singleOp(
  op: string,
  inputs: (Omit<InputSpec, 'name'> & { name?: string })[],
  attrs: Record<string, Attr> = {},
  o: { opset?: number; outputs?: number } = {},
): ModelSpec {
  const named = inputs.map((i, k) => ({ ...i, name: i.name ?? `x${k}` }));
  const outputs = Array.from({ length: o.outputs ?? 1 }, (_, k) => `y${k}`);
  return {
    nodes: [{ op, inputs: named.map((i) => i.name), outputs, attrs }],
    inputs: named,
    outputs,
    opset: o.opset,
  };
}

export interface Feed {
  shape: number[];
  data: Float32Array;
}

/** Row-major NCHW data of a rank-4 feed, permuted to NHWC. */
function toNhwc(f: Feed): Float32Array {
  const [n, c, h, w] = f.shape;
  const out = new Float32Array(f.data.length);
  for (let b = 0; b < n; b++)
    for (let k = 0; k < c; k++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          out[((b * h + i) * w + j) * c + k] = f.data[((b * c + k) * h + i) * w + j];
  return out;
}

export interface Result {
  shape: number[];
  data: Float64Array;
}

/**
 * Runs the model through the importer. `nhwc`: rank-4 inputs enter as NHWC images (as the engine feeds
 * them), else in ONNX order. Outputs come back in ONNX order. Leaves no tensors behind.
 */
export function runImported(bytes: Uint8Array, feeds: Record<string, Feed>, nhwc: boolean): Result[] {
  const graph = compileOnnxGraph(decodeModelProto(bytes, 'test.onnx'), 'test.onnx');
  const pool = new ConstantPool();
  let results: Result[] = [];
  try {
    tf.tidy(() => {
      const values: Record<string, Value> = {};
      for (const [k, f] of Object.entries(feeds)) {
        values[k] =
          nhwc && f.shape.length === 4
            ? device(tf.tensor(toNhwc(f), [f.shape[0], f.shape[2], f.shape[3], f.shape[1]]), 'nhwc')
            : device(tf.tensor(f.data, f.shape));
      }
      results = graph.run(values).map((v) => {
        if (v.kind === 'host') return { shape: [...v.shape], data: Float64Array.from(v.data) };
        const t = plainTensor(v, pool);
        return { shape: [...t.shape], data: Float64Array.from(t.dataSync() as ArrayLike<number>, Number) };
      });
    });
    return results;
  } finally {
    pool.dispose();
    graph.dispose();
  }
}

interface OrtTensor {
  dims: readonly number[];
  data: ArrayLike<number | bigint | boolean>;
}
interface Ort {
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(bytes: Uint8Array): Promise<{
      run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
      outputNames: readonly string[];
      release(): Promise<void>;
    }>;
  };
}

/** onnxruntime-node through its public API (an optional dependency that `npm ci` installs). */
export function onnxRuntime(): Ort {
  return createRequire(import.meta.url)('onnxruntime-node') as Ort;
}

export async function runOrt(bytes: Uint8Array, feeds: Record<string, Feed>): Promise<Result[]> {
  const ort = onnxRuntime();
  const session = await ort.InferenceSession.create(bytes);
  try {
    const input: Record<string, OrtTensor> = {};
    for (const [k, f] of Object.entries(feeds)) input[k] = new ort.Tensor('float32', f.data, f.shape);
    const out = await session.run(input);
    return session.outputNames.map((n) => ({
      shape: [...out[n].dims],
      data: Float64Array.from(
        Array.from(out[n].data as ArrayLike<number | bigint | boolean>, (v) => Number(v)),
      ),
    }));
  } finally {
    await session.release();
  }
}

/** max |a - b| / max(1, max |b|). */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let m = 1;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

/** A host tensor for tests that call op kernels directly. */
export const host = hostTensor;

/**
 * Directional derivative of L(x) = <v, f(x)> along a unit direction d for runtime input `input` (fed as an
 * NHWC image when rank 4, so the gradient runs through the nhwc code paths): tf.grad's <grad L, d> next to the
 * central difference (L(x + h d) - L(x - h d)) / 2h. Independent of every kernel's own gradient.
 */
export function gradCheck(
  bytes: Uint8Array,
  feeds: Record<string, Feed>,
  input: string,
  v: Float32Array,
  d: Float32Array,
  h = 3e-3,
): { analytic: number; numeric: number } {
  const graph = compileOnnxGraph(decodeModelProto(bytes, 'test.onnx'), 'test.onnx');
  const pool = new ConstantPool();
  const f0 = feeds[input];
  const nhwc = f0.shape.length === 4;
  const shape = nhwc ? [f0.shape[0], f0.shape[2], f0.shape[3], f0.shape[1]] : f0.shape;
  const toStored = (data: Float32Array) => (nhwc ? toNhwc({ shape: f0.shape, data }) : data);
  try {
    const loss = (x: tf.Tensor) => {
      const values: Record<string, Value> = {};
      for (const [k, f] of Object.entries(feeds)) values[k] = device(tf.tensor(f.data, f.shape));
      values[input] = device(x, nhwc ? 'nhwc' : 'plain');
      const out = plainTensor(graph.run(values)[0], pool);
      return tf.sum(tf.mul(out, tf.tensor(v, out.shape)));
    };
    // The difference of the two outputs is taken element-wise in float64 before the dot product with v:
    // a float32 loss would keep only ~4 digits of a difference of size 2 h |grad|.
    const output = (data: Float32Array) => {
      let out = new Float64Array(0);
      tf.tidy(() => {
        const values: Record<string, Value> = {};
        for (const [k, f] of Object.entries(feeds)) values[k] = device(tf.tensor(f.data, f.shape));
        values[input] = device(tf.tensor(toStored(data), shape), nhwc ? 'nhwc' : 'plain');
        out = Float64Array.from(plainTensor(graph.run(values)[0], pool).dataSync() as Float32Array);
      });
      return out;
    };
    const analytic = tf.tidy(() => {
      const g = tf.grad(loss)(tf.tensor(toStored(f0.data), shape));
      return tf.sum(tf.mul(g, tf.tensor(toStored(d), shape))).dataSync()[0];
    });
    const plus = f0.data.map((x, i) => x + h * d[i]);
    const minus = f0.data.map((x, i) => x - h * d[i]);
    const yp = output(plus);
    const ym = output(minus);
    let diff = 0;
    for (let i = 0; i < yp.length; i++) diff += v[i] * (yp[i] - ym[i]);
    return { analytic, numeric: diff / (2 * h) };
  } finally {
    pool.dispose();
    graph.dispose();
  }
}
