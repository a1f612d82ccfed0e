/**
 * tfjs backend selection (DESIGN.md section 2).
 *
 * Order, unless CT_AUDIT_BACKEND (or the `backend` option) names one:
 *   webgpu (a hardware GPU through Dawn, webgpu/) -> tensorflow (@tensorflow/tfjs-node-gpu, then
 *   @tensorflow/tfjs-node; optional dependencies whose install downloads libtensorflow, so they are often
 *   absent) -> wasm (+ the kernels it lacks, registered here) -> cpu.
 * A software WebGPU adapter (SwiftShader, lavapipe) is never chosen automatically: it runs the same shaders
 * on the CPU, several times slower than wasm's XNNPACK kernels (bench/gpu.bench.ts), so picking it would
 * make a GPU-less machine slower for nothing. `--backend webgpu` uses it anyway (tests, CI), and on Linux
 * without a GPU driver that Dawn accepts falls back to the SwiftShader ICD of Debian's chromium package.
 * The chosen backend, the versions and the GPU adapter are reported by `backendInfo()` and written into
 * every manifest and model card.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { BackendError } from '@shared/errors';
import { prepareWasmThreads, registerWasmKernels, wasmThreadsRequested } from './wasm-kernels';
import {
  activateWebGpu,
  adapterLabel,
  dawnPackageVersion,
  probeWebGpu,
  webgpuHealthy,
  type WebGpuAdapterSummary,
} from './webgpu';

export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendInfo {
  backend: BackendName;
  /** Package that provided the backend, e.g. '@tensorflow/tfjs-backend-wasm'. */
  provider: string;
  versions: Record<string, string>;
  /** Kernels the project registered because the backend lacked them. */
  registeredKernels: string[];
  /** Backends tried before this one, with why they were not used. */
  skipped: { backend: string; reason: string }[];
  /** wasm only: whether the SIMD / multi-threaded binaries are in use. */
  wasm?: { simd: boolean; threads: boolean; threadCount: number };
  /** webgpu only: the GPU adapter (vendor, architecture, limits). */
  webgpu?: WebGpuAdapterSummary;
  platform: string;
}

let current: BackendInfo | undefined;
let pending: Promise<BackendInfo> | undefined;

const require = createRequire(import.meta.url);

function packageVersion(name: string): string | undefined {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return undefined;
  }
}

async function tryTensorflow(skipped: BackendInfo['skipped']): Promise<string | undefined> {
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      await import(/* @vite-ignore */ pkg);
      if (tf.findBackend('tensorflow') && (await tf.setBackend('tensorflow'))) return pkg;
      skipped.push({ backend: 'tensorflow', reason: `${pkg} loaded but did not register a backend` });
    } catch (e) {
      const code = (e as { code?: string }).code;
      const msg =
        code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
          ? 'not installed (optional dependency; its install downloads libtensorflow)'
          : e instanceof Error
            ? e.message.split('\n')[0]
            : String(e);
      skipped.push({ backend: 'tensorflow', reason: `${pkg}: ${msg}` });
    }
  }
  return undefined;
}

async function tryWasm(skipped: BackendInfo['skipped']): Promise<boolean> {
  try {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    // Threads (CT_AUDIT_WASM_THREADS) can only be chosen before the wasm backend's first initialisation.
    const restore = tf.engine().registry['wasm']
      ? () => {}
      : prepareWasmThreads(wasm, wasmThreadsRequested());
    const ok = await tf.setBackend('wasm').finally(restore);
    if (ok) return true;
    skipped.push({ backend: 'wasm', reason: 'setBackend("wasm") returned false' });
  } catch (e) {
    skipped.push({ backend: 'wasm', reason: e instanceof Error ? e.message : String(e) });
  }
  return false;
}

/**
 * Automatic choice: use the GPU when the probe finds a hardware adapter. Returns its summary, or undefined
 * with the reason in `skipped` (no adapter; a software one; it failed to start).
 */
async function tryWebGpuAuto(skipped: BackendInfo['skipped']): Promise<WebGpuAdapterSummary | undefined> {
  const probe = await probeWebGpu();
  if (!probe.ok) {
    skipped.push({ backend: 'webgpu', reason: probe.reason });
    return undefined;
  }
  if (probe.adapter.software) {
    skipped.push({
      backend: 'webgpu',
      reason:
        `only a software adapter (${adapterLabel(probe.adapter)}), slower than wasm on this CPU; ` +
        '--backend webgpu uses it anyway',
    });
    return undefined;
  }
  try {
    return await activateWebGpu();
  } catch (e) {
    skipped.push({ backend: 'webgpu', reason: e instanceof Error ? e.message : String(e) });
    return undefined;
  }
}

function collectVersions(): Record<string, string> {
  const v: Record<string, string> = {
    ...(tf.version as Record<string, string>),
    node: process.versions.node,
  };
  for (const p of [
    '@tensorflow/tfjs-backend-wasm',
    '@tensorflow/tfjs-backend-webgpu',
    '@tensorflow/tfjs-node',
    '@tensorflow/tfjs-node-gpu',
  ]) {
    const ver = packageVersion(p);
    if (ver) v[p.replace('@tensorflow/', '')] = ver;
  }
  const dawn = dawnPackageVersion();
  if (dawn) v['webgpu (dawn.node)'] = dawn;
  return v;
}

function parseRequested(name: string | undefined): BackendName | undefined {
  if (!name) return undefined;
  const n = name.trim().toLowerCase();
  if (n === 'node' || n === 'tfjs-node') return 'tensorflow';
  if ((BACKEND_NAMES as readonly string[]).includes(n)) return n as BackendName;
  throw new BackendError(
    `unknown backend "${name}" (CT_AUDIT_BACKEND or --backend): choose one of ${BACKEND_NAMES.join(', ')}`,
  );
}

async function select(requested: BackendName | undefined): Promise<BackendInfo> {
  const skipped: BackendInfo['skipped'] = [];
  let backend: BackendName | undefined;
  let provider = '';
  let adapter: WebGpuAdapterSummary | undefined;
  if (requested === 'webgpu') {
    // Asked for by name: SwiftShader where there is no GPU driver (tests, CI). Throws a BackendError saying why.
    adapter = await activateWebGpu({ softwareFallback: true });
  } else if (requested === undefined) {
    adapter = await tryWebGpuAuto(skipped);
  }
  if (adapter) {
    backend = 'webgpu';
    provider = '@tensorflow/tfjs-backend-webgpu';
  }
  if (!backend && (requested === undefined || requested === 'tensorflow')) {
    const pkg = await tryTensorflow(skipped);
    if (pkg) {
      backend = 'tensorflow';
      provider = pkg;
    } else if (requested === 'tensorflow') {
      throw new BackendError(
        `backend "tensorflow" requested but unavailable: ${skipped.map((s) => s.reason).join('; ')}`,
      );
    }
  }
  if (!backend && (requested === undefined || requested === 'wasm')) {
    if (await tryWasm(skipped)) {
      backend = 'wasm';
      provider = '@tensorflow/tfjs-backend-wasm';
    } else if (requested === 'wasm') {
      throw new BackendError(
        `backend "wasm" requested but unavailable: ${skipped.map((s) => s.reason).join('; ')}`,
      );
    }
  }
  if (!backend) {
    await tf.setBackend('cpu');
    backend = 'cpu';
    provider = '@tensorflow/tfjs-backend-cpu';
  }
  await tf.ready();
  const registeredKernels = backend === 'wasm' ? registerWasmKernels() : [];
  const info: BackendInfo = {
    backend,
    provider,
    versions: collectVersions(),
    registeredKernels,
    skipped,
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} cores, node ${process.versions.node}`,
  };
  if (adapter) info.webgpu = adapter;
  if (backend === 'wasm') {
    info.wasm = {
      simd: Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')),
      threads: Boolean(tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT')),
      threadCount: threadCountOf(),
    };
  }
  return info;
}

function threadCountOf(): number {
  try {
    // getThreadsCount is exported by tfjs-backend-wasm >= 3.x.
    const mod = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount?: () => number };
    return mod.getThreadsCount?.() ?? 1;
  } catch {
    return 1;
  }
}

/**
 * Select and initialise the backend once per process. Later calls return the same info; asking for a
 * different backend after initialisation switches to it (tests use this to compare against `cpu`).
 */
export async function initBackend(opts: { backend?: string } = {}): Promise<BackendInfo> {
  const requested = parseRequested(opts.backend ?? process.env.CT_AUDIT_BACKEND);
  // A GPU that failed under the previous job (GpuFailureError) is set up again for the next one.
  if (current?.backend === 'webgpu' && !webgpuHealthy()) current = undefined;
  if (current && (requested === undefined || requested === current.backend)) return current;
  if (pending && requested === undefined) return pending;
  pending = select(requested);
  try {
    current = await pending;
    return current;
  } finally {
    pending = undefined;
  }
}

/** The info of the initialised backend; throws if initBackend has not run. */
export function backendInfo(): BackendInfo {
  if (!current) throw new BackendError('backend not initialised: call initBackend() first');
  return current;
}

export { tf };
export { adapterLabel, limitsLabel, type WebGpuAdapterSummary } from './webgpu';
