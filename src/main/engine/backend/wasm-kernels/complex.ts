/**
 * complex64 on wasm: Complex, Real, Imag, ComplexAbs, which tf.spectral.rfft / irfft and tf.abs of a
 * complex tensor run. tfjs-backend-wasm 4.22 has none of them.
 *
 * Storage: a complex64 tensor is 2n float32 in the wasm heap, interleaved [re0, im0, re1, im1, ...]: the
 * layout `BackendWasm.write` already gives `tf.tensor(values, shape, 'complex64')` (8 bytes per element).
 * Limits, from wasm's own kernels, not these: dataSync()/data() of a complex64 tensor throws (read tf.real and
 * tf.imag instead), and wasm's Identity/Cast/arithmetic kernels do not handle complex64, so do complex
 * arithmetic on the real and imaginary parts. tfjs defines no gradient for Complex/Real/Imag/FFT on any
 * backend; one through them needs tf.customGrad.
 *
 * Hand loops: one contiguous pass each; nothing wasm has (de)interleaves.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '@shared/errors';
import { checkDtypes, f32View, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

export function complex({ inputs, backend }: WasmKernelArgs): TensorInfo {
  const { real, imag } = inputs;
  checkDtypes('Complex', { real, imag }, ['float32']);
  if (!tf.util.arraysEqual(real.shape, imag.shape)) {
    throw new ShapeError(
      `wasm Complex: real [${real.shape}] and imag [${imag.shape}] must have the same shape`,
    );
  }
  const out = backend.makeOutput(real.shape, 'complex64');
  const o = f32View(backend, out);
  const re = f32View(backend, real);
  const im = f32View(backend, imag);
  for (let i = 0; i < re.length; i++) {
    o[2 * i] = re[i];
    o[2 * i + 1] = im[i];
  }
  return out;
}

/** Real (part 0) or Imag (part 1) of a complex64 tensor, as float32. */
function complexPart(kernel: string, part: 0 | 1) {
  return ({ inputs, backend }: WasmKernelArgs): TensorInfo => {
    const { input } = inputs;
    checkDtypes(kernel, { input }, ['complex64']);
    const out = backend.makeOutput(input.shape, 'float32');
    const o = f32View(backend, out);
    const c = f32View(backend, input);
    for (let i = 0; i < o.length; i++) o[i] = c[2 * i + part];
    return out;
  };
}

export const real = complexPart('Real', 0);
export const imag = complexPart('Imag', 1);

/** |z| = sqrt(re^2 + im^2), computed in double (no overflow for any float32 parts). */
export function complexAbs({ inputs, backend }: WasmKernelArgs): TensorInfo {
  const { x } = inputs;
  checkDtypes('ComplexAbs', { x }, ['complex64']);
  const out = backend.makeOutput(x.shape, 'float32');
  const o = f32View(backend, out);
  const c = f32View(backend, x);
  for (let i = 0; i < o.length; i++) {
    const re = c[2 * i];
    const im = c[2 * i + 1];
    o[i] = Math.sqrt(re * re + im * im);
  }
  return out;
}

const config = (kernelName: string, kernelFunc: (a: WasmKernelArgs) => TensorInfo): tf.KernelConfig => ({
  kernelName,
  backendName: 'wasm',
  kernelFunc: kernelFunc as unknown as tf.KernelFunc,
});

export const complexConfigs: readonly tf.KernelConfig[] = [
  config(tf.Complex, complex),
  config(tf.Real, real),
  config(tf.Imag, imag),
  config(tf.ComplexAbs, complexAbs),
];
