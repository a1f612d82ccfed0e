/**
 * WebGPU in Node through the npm `webgpu` package (Dawn's `dawn.node`, prebuilt for linux/macOS/Windows
 * x64/arm64 inside the package: nothing is downloaded at install or run time).
 *
 * Dawn picks a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) adapter. On Linux the Vulkan loader finds
 * the GPU drivers' ICDs itself; a machine without a GPU has none that Dawn accepts (Mesa's lavapipe lacks
 * shaderUniform*ArrayDynamicIndexing), and the only software adapter that works is SwiftShader, whose ICD
 * Debian's chromium package ships (`VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json`).
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { BackendError } from '@shared/errors';
import { asDawnCall, installTickCapture } from './sync-read';

const require = createRequire(import.meta.url);

/** Where Debian/Ubuntu packages put the SwiftShader Vulkan ICD (chromium-common, and Chrome's layout). */
export const SWIFTSHADER_ICD_CANDIDATES: readonly string[] = [
  '/usr/lib/chromium/vk_swiftshader_icd.json',
  '/usr/lib/chromium-browser/vk_swiftshader_icd.json',
  '/opt/google/chrome/vk_swiftshader_icd.json',
];

/** The SwiftShader ICD file on this machine, if one of the usual places has it. */
export function findSwiftShaderIcd(): string | undefined {
  return SWIFTSHADER_ICD_CANDIDATES.find((p) => existsSync(p));
}

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

let dawn: DawnModule | undefined;

/** The `webgpu` package's version, or undefined when it is not installed. */
export function dawnPackageVersion(): string | undefined {
  try {
    return (require('webgpu/package.json') as { version: string }).version;
  } catch {
    return undefined;
  }
}

/**
 * Load dawn.node, put the WebGPU constants (GPUBufferUsage, GPUMapMode, ...) and classes on globalThis
 * (tfjs-backend-webgpu uses them as globals, as in a browser), and mark the Dawn calls that start its event
 * pump (sync-read.ts). Throws a BackendError with the reason when the package or its binary cannot load.
 */
export async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  installTickCapture();
  let mod: DawnModule;
  try {
    mod = (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new BackendError(
      code === 'ERR_MODULE_NOT_FOUND'
        ? 'webgpu: the `webgpu` package (Dawn for Node) is not installed'
        : `webgpu: dawn.node does not load on ${process.platform}-${process.arch}: ${firstLine(e)}`,
    );
  }
  for (const [name, value] of Object.entries(mod.globals)) {
    if (!(name in globalThis)) (globalThis as Record<string, unknown>)[name] = value;
  }
  markPumpStarters(mod.globals);
  dawn = mod;
  return mod;
}

/** Methods whose asynchronous work schedules Dawn's event pump (dawn.node's AsyncTask users). */
const PUMP_STARTERS: Record<string, readonly string[]> = {
  GPU: ['requestAdapter'],
  GPUAdapter: ['requestDevice'],
  GPUDevice: ['popErrorScope', 'createComputePipelineAsync', 'createRenderPipelineAsync'],
  GPUBuffer: ['mapAsync'],
  GPUQueue: ['onSubmittedWorkDone'],
  GPUShaderModule: ['getCompilationInfo'],
};
const MARKED = Symbol.for('ct-audit.dawnPumpStarter');

function markPumpStarters(globals: Record<string, unknown>): void {
  for (const [cls, methods] of Object.entries(PUMP_STARTERS)) {
    const proto = (globals[cls] as { prototype?: Record<string | symbol, unknown> } | undefined)?.prototype;
    if (!proto) continue;
    for (const m of methods) {
      const original = proto[m];
      if (typeof original !== 'function' || (original as { [MARKED]?: boolean })[MARKED]) continue;
      const marked = function (this: unknown, ...args: unknown[]) {
        return asDawnCall(() => (original as (...a: unknown[]) => unknown).apply(this, args));
      };
      (marked as unknown as { [MARKED]: boolean })[MARKED] = true;
      proto[m] = marked;
    }
  }
}

/** A fresh GPU object (one Vulkan/Metal/D3D instance). Drop every reference to it to let Node exit. */
export async function createGpu(): Promise<GPU> {
  const mod = await loadDawn();
  return mod.create([]);
}

export function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}
