/**
 * The webgpu backend for tests: a hardware GPU when Dawn finds one, otherwise the SwiftShader software
 * adapter that Debian's chromium package ships (.ci/run installs it), so the WGSL kernels run in CI.
 * Where neither exists the webgpu tests skip, and the reason is printed (never a silent skip).
 */
import { initBackend } from '../../../src/main/engine/backend';
import { findSwiftShaderIcd } from '../../../src/main/engine/backend/webgpu';

let answer: Promise<string | undefined> | undefined;

async function tryWebGpu(): Promise<string | undefined> {
  try {
    await initBackend({ backend: 'webgpu' });
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Switch to webgpu; resolves to undefined, or to why there is no WebGPU adapter here (also printed). */
export function webgpuUnavailable(): Promise<string | undefined> {
  answer ??= (async () => {
    let reason = await tryWebGpu();
    const icd = findSwiftShaderIcd();
    if (reason && !process.env.VK_ICD_FILENAMES && icd) {
      // No GPU driver that Dawn accepts: the software adapter. The Vulkan loader reads this variable when
      // Dawn creates its next instance.
      process.env.VK_ICD_FILENAMES = icd;
      reason = await tryWebGpu();
    }
    if (reason) console.warn(`[webgpu tests skipped] ${reason}`);
    return reason;
  })();
  return answer;
}
