/**
 * tfjs backend selection (DESIGN.md section 2).
 *
 * Order, unless CT_AUDIT_BACKEND (or the `backend` option) names one:
 *   tensorflow (@tensorflow/tfjs-node-gpu, then @tensorflow/tfjs-node; optional dependencies whose install
 *   downloads libtensorflow, so they are often absent) -> wasm (+ the kernels it lacks, registered here) -> cpu.
 * The chosen backend and the versions are reported by `backendInfo()` and written into every manifest.
 */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { BackendError } from '@shared/errors';
import { prepareWasmThreads, registerWasmKernels, wasmThreadsRequested } from './wasm-kernels';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

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

function collectVersions(): Record<string, string> {
  const v: Record<string, string> = {
    ...(tf.version as Record<string, string>),
    node: process.versions.node,
  };
  for (const p of ['@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    const ver = packageVersion(p);
    if (ver) v[p.replace('@tensorflow/', '')] = ver;
  }
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
  if (requested === undefined || requested === 'tensorflow') {
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
