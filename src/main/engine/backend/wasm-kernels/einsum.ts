/**
 * Einsum for wasm (tf.einsum; forward only: tfjs defines no Einsum gradient on any backend). The cpu
 * backend's algorithm, with wasm's own kernels: each operand is transposed and reshaped so that all
 * operands share one axis order, they are multiplied with broadcasting (Multiply), and summed axes are
 * reduced (Sum) as soon as no later operand needs them (backend_util.getEinsumComputePath).
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '@shared/errors';
import { disposeIntermediates, runWasmKernel, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

export function einsum({ inputs, backend, attrs }: WasmKernelArgs<tf.EinsumAttrs>): TensorInfo {
  const tensors = Object.values(inputs) as TensorInfo[];
  const { allDims, summedDims, idDims } = tf.backend_util.decodeEinsumEquation(
    attrs.equation,
    tensors.length,
  );
  tf.backend_util.checkEinsumDimSizes(allDims.length, idDims, tensors as tf.Tensor[]);
  const { path, steps } = tf.backend_util.getEinsumComputePath(summedDims, idDims);

  const temps: TensorInfo[] = [];
  let out: TensorInfo | null = null;
  let numDimsRemaining = allDims.length;
  for (let i = 0; i < steps.length; i++) {
    for (const idTerm of steps[i]) {
      const { permutationIndices: perm, expandDims } = tf.backend_util.getEinsumPermutation(
        numDimsRemaining,
        idDims[idTerm],
      );
      let x = tensors[idTerm];
      if (!tf.backend_util.isIdentityPermutation(perm)) {
        x = runWasmKernel('Transpose', { x }, backend, { perm });
        temps.push(x);
      }
      const targetShape = x.shape.slice();
      for (const d of expandDims) targetShape.splice(d, 0, 1);
      if (!tf.util.arraysEqual(x.shape, targetShape)) {
        x = runWasmKernel('Reshape', { x }, backend, { shape: targetShape });
        temps.push(x);
      }
      if (out === null) {
        out = x;
      } else {
        out = runWasmKernel('Multiply', { a: x, b: out }, backend);
        temps.push(out);
      }
    }
    if (i < steps.length - 1) {
      if (path[i] >= 0 && out !== null) {
        out = runWasmKernel('Sum', { x: out }, backend, {
          axis: path[i] - (allDims.length - numDimsRemaining),
          keepDims: false,
        });
        temps.push(out);
      }
      numDimsRemaining--;
    }
  }
  if (out === null) throw new BackendError('wasm Einsum: no operands');
  // The result may be an operand itself (e.g. 'ij->ij'): return a copy, never an input's data.
  const result = temps.includes(out) ? out : runWasmKernel('Identity', { x: out }, backend);
  disposeIntermediates(
    backend,
    temps.filter((t) => t !== result),
  );
  return result;
}

export const einsumConfig: tf.KernelConfig = {
  kernelName: tf.Einsum,
  backendName: 'wasm',
  kernelFunc: einsum as unknown as tf.KernelFunc,
};
