import { describe, expect, it } from 'vitest';
import { initBackend, backendInfo, tf } from '../../../src/main/engine/backend';

describe('backend selection', () => {
  it('falls back to wasm when libtensorflow is absent and reports versions', async () => {
    const info = await initBackend({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.versions['tfjs-core']).toMatch(/^\d+\.\d+\.\d+/);
    expect(backendInfo()).toBe(info);
  });
  it('switches to cpu on request', async () => {
    const info = await initBackend({ backend: 'cpu' });
    expect(info.backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });
  it('rejects an unknown backend name with the choices', async () => {
    await expect(initBackend({ backend: 'metal' })).rejects.toThrow(
      /unknown backend "metal".*tensorflow, wasm, cpu/,
    );
  });
});
