/**
 * The webgpu backend for tests: a hardware GPU when Dawn finds one, otherwise the SwiftShader software
 * adapter that Debian's chromium package ships (.ci/run installs it; `initBackend({ backend: 'webgpu' })`
 * falls back to it by itself), so the WGSL kernels run in CI. Where neither exists the webgpu tests skip,
 * and the reason is printed (never a silent skip).
 */
import { initBackend } from '../../../src/main/engine/backend';

let answer: Promise<string | undefined> | undefined;

/** Switch to webgpu; resolves to undefined, or to why there is no WebGPU adapter here (also printed). */
export function webgpuUnavailable(): Promise<string | undefined> {
  answer ??= (async () => {
    try {
      await initBackend({ backend: 'webgpu' });
      return undefined;
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      console.warn(`[webgpu tests skipped] ${reason}`);
      return reason;
    }
  })();
  return answer;
}
