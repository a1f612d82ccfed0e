/**
 * Kernels for the wasm backend (tfjs-backend-wasm 4.22), registered through tfjs's kernel registry
 * (DESIGN.md section 2). Exports:
 *   registerWasmKernels(): string[]   register them; returns the names of ours in effect for 'wasm'
 *   WASM_EXTRA_KERNELS                 the kernels wasm lacks that this module provides
 *   WASM_REPLACED_KERNELS              wasm kernels this module replaces because they give wrong results
 *   WASM_SPEEDUP_KERNELS               wasm kernels this module replaces because they are slow (issue 3;
 *                                      CT_AUDIT_WASM_FAST_KERNELS=0 keeps wasm's own)
 *   prepareWasmThreads, wasmThreadsRequested   XNNPACK's thread pool in Node (CT_AUDIT_WASM_THREADS)
 */
import * as tf from '@tensorflow/tfjs';
import { complexConfigs } from './complex';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropFilterGemmConfig } from './conv2d-backprop-filter-gemm';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseBackpropConfigs } from './depthwise-conv2d-backprop';
import { einsumConfig } from './einsum';
import { fftConfigs } from './fft';
import { maxPoolGradConfig, maxPoolGradFastConfig, nativeMaxPoolGradIsWrong } from './max-pool-grad';
import { splitConcatConfigs } from './split-concat';
import { reduceLeadingAxesConfigs } from './reduce-leading-axes';
import { shareDataConfigs } from './share-data';
import { tileConfig } from './tile';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';
import { saveNativeKernel, type BackendWasm } from './wasm-backend';

export { prepareWasmThreads } from './threads';

/**
 * XNNPACK pool threads for the wasm backend, from CT_AUDIT_WASM_THREADS (default 1). Opt-in: the threaded
 * binary needs the start-up workarounds of threads.ts and 8 extra worker threads per process, and on a
 * machine whose cores are busy with other work it is slower than one thread (issue 3's measurements).
 */
export function wasmThreadsRequested(): number {
  const n = Number(process.env.CT_AUDIT_WASM_THREADS ?? 1);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, 8) : 1;
}

/**
 * Found by running on wasm, with every cpu-only kernel proxied to cpu and logged: a training step and an
 * input gradient of small U-Nets (raw ops and tf.layers), tf.gather, rfft/irfft, abs of complex,
 * depthwise/separable convolutions, einsum. tfjs itself has no gradient for GatherNd, TopK,
 * FFT/Complex/Real/Imag, Einsum, nor for dilated conv2d, on any backend; those stay non-differentiable.
 */
const EXTRA: readonly tf.KernelConfig[] = [
  conv2DBackpropFilterConfig, // every conv2d / conv2dTranspose filter gradient (training; layers input grads)
  unsortedSegmentSumConfig, // gradient of tf.gather
  ...complexConfigs, // Complex, Real, Imag (rfft/irfft), ComplexAbs (tf.abs of complex)
  ...fftConfigs, // FFT, IFFT (tf.spectral.*)
  ...depthwiseBackpropConfigs, // gradients of depthwise / separable convolutions
  einsumConfig, // tf.einsum (forward)
];

/** Wasm kernels that exist but are wrong, each with the known-answer check that detects it. */
const REPLACEMENTS: readonly { config: tf.KernelConfig; isWrong: (b: BackendWasm) => boolean }[] = [
  { config: maxPoolGradConfig, isWrong: nativeMaxPoolGradIsWrong }, // windows with max <= 0
];

/**
 * Wasm kernels that are right but slow, replaced by ours that run on wasm's XNNPACK kernels (issue 3), each
 * tested against the cpu backend. CT_AUDIT_WASM_FAST_KERNELS=0 leaves wasm's own in place (to rule ours
 * out when something looks wrong; the filter gradient is then the batch/channel-swapped convolution).
 */
const SPEEDUPS: readonly tf.KernelConfig[] = [
  conv2DBackpropInputConfig, // conv2d input gradients and every conv2dTranspose: XNNPACK Conv2D
  conv2DBackpropFilterGemmConfig, // stride-1 filter gradients as one XNNPACK GEMM (BatchMatMul) per chunk
  ...reduceLeadingAxesConfigs, // Sum and Mean over leading axes (bias gradients, batch-norm statistics)
  tileConfig, // Tile by block copies (batch norm's gradient)
  ...splitConcatConfigs, // SplitV (concat's gradient) and Concat on the channel axis in one pass
  maxPoolGradFastConfig, // 2x2 stride-2 pooling's gradient in one pass (others: the MaxPoolGrad replacement)
  ...shareDataConfigs, // Identity (every tensor saved for a gradient) and same-dtype Cast share data, no copy
];

/** Whether registerWasmKernels installs the SPEEDUPS: unless CT_AUDIT_WASM_FAST_KERNELS=0. */
export function wasmSpeedupsEnabled(): boolean {
  return process.env.CT_AUDIT_WASM_FAST_KERNELS !== '0';
}

/** Names of the kernels wasm lacks that this module provides (what `ct-audit info` lists). */
export const WASM_EXTRA_KERNELS: readonly string[] = EXTRA.map((c) => c.kernelName);

/** Names of wasm kernels this module replaces where a known-answer check shows them wrong. */
export const WASM_REPLACED_KERNELS: readonly string[] = REPLACEMENTS.map((r) => r.config.kernelName);

/** Names of wasm kernels this module replaces by faster ones (when enabled). */
export const WASM_SPEEDUP_KERNELS: readonly string[] = SPEEDUPS.map((c) => c.kernelName);

/**
 * Register each kernel of EXTRA that 'wasm' does not already have (one wasm gained natively, in a later
 * tfjs, is left alone), and each of REPLACEMENTS whose wasm version fails its check (which needs the
 * initialised wasm backend; before that, replacements are skipped). Idempotent: returns the names of our
 * kernels in effect for 'wasm', whether registered by this call or an earlier one.
 */
export function registerWasmKernels(): string[] {
  const ours: string[] = [];
  for (const config of EXTRA) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (!existing) tf.registerKernel(config);
    if (!existing || existing === config) ours.push(config.kernelName);
  }
  const backend = tf.engine().registry['wasm'] as BackendWasm | undefined;
  for (const { config, isWrong } of REPLACEMENTS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (existing !== config && backend && isWrong(backend)) {
      if (existing) tf.unregisterKernel(config.kernelName, 'wasm');
      tf.registerKernel(config);
    }
    if (tf.getKernel(config.kernelName, 'wasm') === config) ours.push(config.kernelName);
  }
  if (wasmSpeedupsEnabled()) {
    for (const config of SPEEDUPS) {
      const existing = tf.getKernel(config.kernelName, 'wasm');
      if (existing !== config) {
        if (existing && !ours.includes(config.kernelName)) saveNativeKernel(config.kernelName, existing);
        if (existing) tf.unregisterKernel(config.kernelName, 'wasm');
        tf.registerKernel(config);
      }
      ours.push(config.kernelName);
    }
  }
  return [...new Set(ours)];
}
