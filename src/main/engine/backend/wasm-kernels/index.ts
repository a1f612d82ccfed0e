/**
 * Kernels the wasm backend (tfjs-backend-wasm 4.22) lacks, registered for 'wasm' through tfjs's kernel
 * registry (DESIGN.md section 2). Exports:
 *   registerWasmKernels(): string[]   register the missing ones; returns the names of ours in effect
 *   WASM_EXTRA_KERNELS                 every kernel name this module can provide
 */
import * as tf from '@tensorflow/tfjs';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';

const CONFIGS: readonly tf.KernelConfig[] = [conv2DBackpropFilterConfig];

/** Names of the kernels this module provides for 'wasm' (what `ct-audit info` lists). */
export const WASM_EXTRA_KERNELS: readonly string[] = CONFIGS.map((c) => c.kernelName);

/**
 * Register each of our kernels that 'wasm' does not already have. A kernel wasm gained natively (a later
 * tfjs) is left alone. Idempotent: returns the names of our kernels in effect for 'wasm', whether
 * registered by this call or an earlier one, so a re-selected backend still reports them.
 */
export function registerWasmKernels(): string[] {
  const ours: string[] = [];
  for (const config of CONFIGS) {
    const existing = tf.getKernel(config.kernelName, 'wasm');
    if (!existing) tf.registerKernel(config);
    if (!existing || existing === config) ours.push(config.kernelName);
  }
  return ours;
}
