/**
 * A GPU failure is a clear error, never a hang or garbage: a lost device and a buffer the GPU cannot
 * allocate both make the next read throw a GpuFailureError naming what happened and what to do, and the
 * next initBackend replaces the failed device with a working one.
 */
import { describe, expect, it } from 'vitest';
import { GpuFailureError } from '@shared/errors';
import { backendInfo, initBackend, tf } from '../../../src/main/engine/backend';
import type { NodeWebGPUBackend } from '../../../src/main/engine/backend/webgpu';
import { webgpuUnavailable } from '../helpers/webgpu';

const skipReason = await webgpuUnavailable();

async function freshWebGpu(): Promise<NodeWebGPUBackend> {
  await initBackend({ backend: 'webgpu' });
  expect(tf.tidy(() => Array.from(tf.tensor1d([1, 2]).add(1).dataSync()))).toEqual([2, 3]);
  return tf.backend() as unknown as NodeWebGPUBackend;
}

describe.skipIf(skipReason !== undefined)('GPU failures on the webgpu backend', () => {
  it('a lost device: the next read throws GpuFailureError; initBackend then sets up a new device', async () => {
    const backend = await freshWebGpu();
    // On the GPU (small tensors with values still on the CPU are computed there by tfjs).
    const x = tf.fill([4096], 1.5);
    backend.device.destroy(); // what a driver reset looks like from WebGPU: the device is lost
    await new Promise((r) => setTimeout(r, 50)); // the lost promise settles on the event loop
    let caught: unknown;
    try {
      tf.tidy(() => x.mul(2).dataSync());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GpuFailureError);
    expect((caught as GpuFailureError).kind).toBe('device-lost');
    expect((caught as Error).message).toMatch(/^webgpu: the GPU device was lost .*--backend wasm\)$/);
    x.dispose();
    const again = await freshWebGpu();
    expect(again).not.toBe(backend);
    expect(backendInfo().backend).toBe('webgpu');
  });

  it('a buffer beyond the adapter limits: GpuFailureError at the next read, not zeros', async () => {
    const backend = await freshWebGpu();
    const max = backend.adapterSummary.limits.maxBufferSize;
    const n = Math.floor(max / 4) + 1024; // float32 elements: one buffer 4 KiB over the limit
    let caught: unknown;
    try {
      tf.tidy(() => tf.sum(tf.fill([n], 1)).dataSync());
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(GpuFailureError);
    expect((caught as Error).message).toMatch(/^webgpu: the GPU (ran out of memory|reported an error) \(/);
    await freshWebGpu();
  });
});
