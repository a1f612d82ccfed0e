/**
 * FFT and IFFT for wasm: the 1-D discrete Fourier transform over the innermost axis of a complex64 tensor
 * (what tf.spectral.fft/ifft/rfft/irfft run), as tfjs defines it:
 *   FFT:  X[k] = sum_j x[j] exp(-2 pi i jk / n)        IFFT: x[j] = (1/n) sum_k X[k] exp(+2 pi i jk / n)
 *
 * The transform itself is numeric/fft.ts (radix-2, or Bluestein for any other n such as 367), in double
 * precision, rounded to float32 once at the end.
 *
 * Hand-written: wasm has no FFT kernel to reuse. Rows are contiguous; each is copied into Float64 scratch
 * arrays allocated once per call (with the twiddle and chirp tables), transformed in place, written back.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDtypes, f32View, type TensorInfo, type WasmKernelArgs } from './wasm-backend';
import { dftFor } from '../../numeric/fft';

function fftKernel(kernel: string, inverse: boolean) {
  return ({ inputs, backend }: WasmKernelArgs): TensorInfo => {
    const { input } = inputs;
    checkDtypes(kernel, { input }, ['complex64']);
    const n = input.shape[input.shape.length - 1] ?? 1;
    const rows = n > 0 ? tf.util.sizeFromShape(input.shape) / n : 0;
    const out = backend.makeOutput(input.shape, 'complex64');
    if (rows === 0) return out;
    const dft = dftFor(n, inverse ? 1 : -1);
    const re = new Float64Array(n);
    const im = new Float64Array(n);
    const scale = inverse ? 1 / n : 1;
    // Heap views after every allocation of this call (see f32View).
    const src = f32View(backend, input);
    const dst = f32View(backend, out);
    for (let r = 0; r < rows; r++) {
      const off = 2 * r * n;
      for (let j = 0; j < n; j++) {
        re[j] = src[off + 2 * j];
        im[j] = src[off + 2 * j + 1];
      }
      dft.run(re, im);
      for (let k = 0; k < n; k++) {
        dst[off + 2 * k] = re[k] * scale;
        dst[off + 2 * k + 1] = im[k] * scale;
      }
    }
    return out;
  };
}

export const fftConfigs: readonly tf.KernelConfig[] = [
  {
    kernelName: tf.FFT,
    backendName: 'wasm',
    kernelFunc: fftKernel('FFT', false) as unknown as tf.KernelFunc,
  },
  {
    kernelName: tf.IFFT,
    backendName: 'wasm',
    kernelFunc: fftKernel('IFFT', true) as unknown as tf.KernelFunc,
  },
];
