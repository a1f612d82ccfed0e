/**
 * Identity and same-dtype Cast for wasm, REPLACEMENTS for memory and speed (issue 14): their output shares
 * the input's data (a reference count, as the cpu, webgl and webgpu backends do, and as wasm's own Reshape
 * does) instead of a copy.
 *
 * Why it matters: the engine keeps every tensor a gradient needs by cloning it (engine.ts
 * saveTensorsForBackwardMode, runKernelFunc's save: `keep(clone(t))`), and clone is the Identity kernel,
 * which on wasm copied the data. tf.moments casts its input to float32 even when it is float32 (one more
 * copy). In a training step of the `small` FBPConvNet at 512x512, batch 1, the data alive after the forward
 * pass (what the backward pass needs) fell from 660 to 501 MiB with this, and 398 copy kernels went away.
 * Tensors are immutable, so sharing is safe: a variable's assign replaces its data rather than writing into
 * it, and no kernel writes into its inputs.
 * Casts to bool are computed here (x != 0, as tfjs-core defines them): wasm's own kernel copied the values
 * with a typed-array set, which truncates (0.3 became false). Strings and other casts go to wasm's kernels.
 */
import * as tf from '@tensorflow/tfjs';
import { runNativeKernel, type BackendWasm, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

function share(x: TensorInfo, backend: BackendWasm): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
}

export const identityShareConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: (a) => {
    const args = a as unknown as WasmKernelArgs;
    const { x } = args.inputs;
    return x.dtype === 'string' ? runNativeKernel(tf.Identity, args) : share(x, args.backend);
  },
};

function castToBool(x: TensorInfo, backend: BackendWasm): TensorInfo {
  const out = backend.makeOutput(x.shape, 'bool');
  const src = backend.typedArrayFromHeap(x); // views after the allocation
  const dst = backend.typedArrayFromHeap(out);
  for (let i = 0; i < dst.length; i++) dst[i] = src[i] !== 0 ? 1 : 0;
  return out;
}

export const castShareConfig: tf.KernelConfig = {
  kernelName: tf.Cast,
  backendName: 'wasm',
  kernelFunc: (a) => {
    const args = a as unknown as WasmKernelArgs<tf.CastAttrs>;
    const { x } = args.inputs;
    const to = args.attrs.dtype;
    if (x.dtype === to && x.dtype !== 'string') return share(x, args.backend);
    if (to === 'bool' && (x.dtype === 'float32' || x.dtype === 'int32')) return castToBool(x, args.backend);
    return runNativeKernel(tf.Cast, args as WasmKernelArgs<unknown>);
  },
};

export const shareDataConfigs: readonly tf.KernelConfig[] = [identityShareConfig, castShareConfig];
