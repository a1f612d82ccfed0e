/**
 * Test helpers: run one kernel (or one function) on 'wasm' and on 'cpu' from the same host data and
 * compare; count what a wasm kernel call leaves behind.
 */
import { initBackend, tf } from '../../../src/main/engine/backend';
import { createRng } from '../../../src/main/engine/random';

export type BackendName = 'wasm' | 'cpu';

/** Tensor data held in JS, so that both backends start from identical values. complex64: interleaved. */
export interface HostTensor {
  values: Float32Array | Int32Array;
  shape: number[];
  dtype: 'float32' | 'int32' | 'complex64';
}

export async function useBackend(name: BackendName): Promise<void> {
  await initBackend({ backend: name });
}

/** Seeded N(0, 1) float32 data of the given shape. */
export function randomHost(seed: string | number, shape: number[]): HostTensor {
  const values = createRng(seed).fillNormal(new Float32Array(tf.util.sizeFromShape(shape)));
  return { values, shape, dtype: 'float32' };
}

/** Seeded complex64 data (interleaved re, im) of the given shape. */
export function randomComplexHost(seed: string | number, shape: number[]): HostTensor {
  const values = createRng(seed).fillNormal(new Float32Array(2 * tf.util.sizeFromShape(shape)));
  return { values, shape, dtype: 'complex64' };
}

export function toTensor(h: HostTensor): tf.Tensor {
  if (h.dtype !== 'complex64') return tf.tensor(h.values, h.shape, h.dtype);
  const n = h.values.length / 2;
  const re = new Float32Array(n);
  const im = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    re[i] = h.values[2 * i];
    im[i] = h.values[2 * i + 1];
  }
  return tf.tidy(() => tf.complex(tf.tensor(re, h.shape), tf.tensor(im, h.shape)));
}

/** Read a tensor back to JS; complex64 through tf.real / tf.imag (wasm cannot dataSync complex64). */
export function toHost(t: tf.Tensor): HostTensor {
  if (t.dtype !== 'complex64') {
    return {
      values: t.dataSync() as Float32Array | Int32Array,
      shape: t.shape,
      dtype: t.dtype as 'float32' | 'int32',
    };
  }
  const [re, im] = tf.tidy(() => [tf.real(t).dataSync(), tf.imag(t).dataSync()]);
  const values = new Float32Array(2 * re.length);
  for (let i = 0; i < re.length; i++) {
    values[2 * i] = re[i];
    values[2 * i + 1] = im[i];
  }
  return { values, shape: t.shape, dtype: 'complex64' };
}

/** Relative error ||a - b|| / ||b|| (||a|| when b is zero), in double precision. */
export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let d = 0;
  let n = 0;
  let na = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
    na += a[i] ** 2;
  }
  if (!Number.isFinite(d)) return Infinity;
  return n > 0 ? Math.sqrt(d / n) : Math.sqrt(na);
}

export interface KernelRun {
  outputs: HostTensor[];
  /** Tensors (engine count) and backend data ids left after disposing inputs and outputs. */
  leakedTensors: number;
  leakedDataIds: number;
}

/** Run `kernel` on the current backend through the engine, read its outputs, free everything. */
export function runKernelHere(
  kernel: string,
  inputs: Record<string, HostTensor> | HostTensor[],
  attrs: Record<string, unknown> = {},
): KernelRun {
  const backend = tf.backend();
  const tensors0 = tf.memory().numTensors;
  const ids0 = backend.numDataIds();
  const named = Array.isArray(inputs)
    ? inputs.map(toTensor)
    : Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, toTensor(v)]));
  const out = tf.engine().runKernel(kernel, named as unknown as tf.NamedTensorMap, attrs as tf.NamedAttrMap);
  const outs = Array.isArray(out) ? out : [out];
  const outputs = outs.map(toHost);
  tf.dispose(outs);
  tf.dispose(Object.values(named));
  return {
    outputs,
    leakedTensors: tf.memory().numTensors - tensors0,
    leakedDataIds: backend.numDataIds() - ids0,
  };
}

/** The kernel on wasm and on cpu from the same inputs. */
export async function runKernelOnBoth(
  kernel: string,
  inputs: Record<string, HostTensor> | HostTensor[],
  attrs: Record<string, unknown> = {},
): Promise<{ wasm: KernelRun; cpu: KernelRun }> {
  await useBackend('cpu');
  const cpu = runKernelHere(kernel, inputs, attrs);
  await useBackend('wasm');
  const wasm = runKernelHere(kernel, inputs, attrs);
  return { wasm, cpu };
}

/** "k=v, k=v" for failure messages. */
export function describeParams(p: Record<string, unknown>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(', ');
}

/**
 * Run `f` (which builds its tensors from host data) inside tf.tidy on one backend and read its outputs;
 * also report the tensors and backend data ids it left behind.
 */
export async function runHere(
  name: BackendName,
  f: () => tf.Tensor[],
): Promise<{ values: Float32Array[]; leakedTensors: number; leakedDataIds: number }> {
  await useBackend(name);
  const backend = tf.backend();
  const tensors0 = tf.memory().numTensors;
  const ids0 = backend.numDataIds();
  const values = tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
  return {
    values,
    leakedTensors: tf.memory().numTensors - tensors0,
    leakedDataIds: backend.numDataIds() - ids0,
  };
}
