/**
 * The `webgpu` tfjs backend in Node (Dawn through the npm `webgpu` package). Exports:
 *   activateWebGpu()    create (once), register and select it; returns the adapter; throws BackendError
 *   probeWebGpu()       is there an adapter, and a hardware one? (child process, cached per process tree)
 *   adapterLabel, limitsLabel, WebGpuAdapterSummary   what info/manifests/reports print about the adapter
 *   findSwiftShaderIcd()   the SwiftShader Vulkan ICD on this machine, for tests and hints
 */
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '@shared/errors';
import type { NodeWebGPUBackend } from './node-backend';
import { firstLine } from './dawn-node';
import type { WebGpuAdapterSummary } from './adapter';

export { adapterLabel, limitsLabel, type WebGpuAdapterSummary } from './adapter';
export { probeWebGpu, noAdapterReason, PROBE_ENV, type ProbeResult } from './probe';
export { findSwiftShaderIcd, dawnPackageVersion } from './dawn-node';
export type { NodeWebGPUBackend } from './node-backend';

/** The registered webgpu backend when it is ours (node-backend.ts is loaded only when a GPU is used). */
function ours(): NodeWebGPUBackend | undefined {
  const b = tf.engine().registry[WEBGPU] as Partial<NodeWebGPUBackend> | undefined;
  return b && 'adapterSummary' in b ? (b as NodeWebGPUBackend) : undefined;
}

/** False when the webgpu backend recorded a GPU failure (initBackend then replaces its device). */
export function webgpuHealthy(): boolean {
  return !ours()?.failed;
}

/** The tfjs backend name, as tfjs-backend-webgpu registers it in a browser. */
export const WEBGPU = 'webgpu';

let creating: Promise<NodeWebGPUBackend> | undefined;

/**
 * Make `webgpu` the active tfjs backend: the first call creates the Dawn device (seconds on a software
 * adapter), registers it and runs a self-test; later calls switch back to the same device. Throws a
 * BackendError saying why when there is no usable adapter. `softwareFallback` (webgpu asked for by name):
 * on Linux without a GPU driver that Dawn accepts, use the SwiftShader ICD of Debian's chromium package.
 */
export async function activateWebGpu(
  opts: { softwareFallback?: boolean } = {},
): Promise<WebGpuAdapterSummary> {
  const existing = ours();
  if (existing && !existing.failed) {
    await tf.setBackend(WEBGPU);
    return existing.adapterSummary;
  }
  // After a GPU failure (device lost, out of memory) the next job gets a new device: the tensors of the
  // failed one are gone with it, which is what a job that failed expects.
  if (existing) tf.removeBackend(WEBGPU);
  // Loaded here, not at start-up: tfjs-backend-webgpu registers ~170 kernels, of no use on a CPU backend.
  const { createNodeWebGpuBackend, selfTest } = await import('./node-backend');
  creating ??= createNodeWebGpuBackend(opts);
  let backend: NodeWebGPUBackend;
  try {
    backend = await creating;
  } finally {
    creating = undefined;
  }
  // A factory registered by the package itself (where navigator.gpu exists) would make another device.
  if (tf.findBackendFactory(WEBGPU)) tf.removeBackend(WEBGPU);
  tf.registerBackend(WEBGPU, () => backend, 0);
  try {
    if (!(await tf.setBackend(WEBGPU))) throw new BackendError('webgpu: tfjs could not initialise it');
    selfTest();
  } catch (e) {
    tf.removeBackend(WEBGPU); // disposes the backend, which destroys the device
    throw e instanceof BackendError ? e : new BackendError(`webgpu: self-test failed: ${firstLine(e)}`);
  }
  return backend.adapterSummary;
}
