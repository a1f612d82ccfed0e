/**
 * What our wasm kernels need from `BackendWasm`: calling the kernels wasm already has, freeing
 * intermediates, and typed views of tensor memory in the wasm heap.
 *
 * Kernels work on TensorInfos, below the engine: nothing here is tracked by `tf.memory()`, so every
 * intermediate a kernel makes must be freed with `disposeIntermediates` (tests check `numDataIds()`).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { BackendError } from '@shared/errors';

export type { BackendWasm };
export type TensorInfo = tf.TensorInfo;

/** What a kernelFunc receives, with the backend typed as the wasm one. */
export interface WasmKernelArgs<A = Record<string, unknown>> {
  inputs: Record<string, TensorInfo>;
  backend: BackendWasm;
  attrs: A;
}

/**
 * Run a kernel the wasm backend has (e.g. XNNPACK's Conv2D) from inside one of ours, the way
 * tfjs-backend-wasm's own kernels call each other: directly, without the engine or the gradient tape.
 */
export function runWasmKernel(
  name: string,
  inputs: Record<string, TensorInfo>,
  backend: BackendWasm,
  attrs: Record<string, unknown> = {},
): TensorInfo {
  const kernel = tf.getKernel(name, 'wasm');
  if (!kernel) throw new BackendError(`wasm kernels: kernel '${name}' is not registered for 'wasm'`);
  const out = kernel.kernelFunc({ inputs, backend, attrs: attrs as tf.NamedAttrMap });
  if (Array.isArray(out)) throw new BackendError(`wasm kernels: kernel '${name}' returned several outputs`);
  return out;
}

/** Free intermediates made inside a kernel (refcounted: a reshape of an input only drops its reference). */
export function disposeIntermediates(backend: BackendWasm, infos: TensorInfo[]): void {
  for (const t of infos) backend.disposeData(t.dataId);
}

/**
 * A Float32Array over a tensor's memory in the wasm heap; for complex64, the interleaved
 * [re0, im0, re1, im1, ...] pairs (2 floats per element), the layout `BackendWasm.write` stores.
 *
 * The view is invalidated when the heap grows, which any allocation may do: take views only after the
 * kernel's last `makeOutput`, and allocate nothing while using them.
 */
export function f32View(backend: BackendWasm, info: TensorInfo): Float32Array {
  if (info.dtype === 'float32') return backend.typedArrayFromHeap(info) as Float32Array;
  if (info.dtype === 'complex64') {
    // typedArrayFromHeap knows no complex64; the same memory read as 2n float32 is the pair layout.
    const pairs = {
      dataId: info.dataId,
      shape: [2 * tf.util.sizeFromShape(info.shape)],
      dtype: 'float32' as const,
    };
    return backend.typedArrayFromHeap(pairs) as Float32Array;
  }
  throw new BackendError(`wasm kernels: expected a float32 or complex64 tensor, got ${info.dtype}`);
}

/** Throw unless every named input has one of the dtypes the kernel supports. */
export function checkDtypes(
  kernel: string,
  inputs: Record<string, TensorInfo>,
  dtypes: readonly tf.DataType[],
): void {
  for (const [name, t] of Object.entries(inputs)) {
    if (!dtypes.includes(t.dtype)) {
      throw new BackendError(
        `wasm ${kernel}: input '${name}' must be ${dtypes.join(' or ')}, got ${t.dtype} (shape [${t.shape}])`,
      );
    }
  }
}

/** wasm's own kernels that one of ours replaces, kept for the cases ours hands back to them. */
const nativeKernels = new Map<string, tf.KernelFunc>();

/** Remember wasm's own kernel `name` (call before registering ours in its place). */
export function saveNativeKernel(name: string, config: tf.KernelConfig | undefined): void {
  if (config && !nativeKernels.has(name)) nativeKernels.set(name, config.kernelFunc);
}

/** Run wasm's own kernel that ours replaced (for the inputs ours does not handle itself). */
export function runNativeKernel(name: string, args: WasmKernelArgs<unknown>): TensorInfo | TensorInfo[] {
  const f = nativeKernels.get(name);
  if (!f) throw new BackendError(`wasm kernels: wasm's own '${name}' was not saved before being replaced`);
  return f(args as unknown as Parameters<tf.KernelFunc>[0]);
}
