/**
 * Multi-threaded wasm (XNNPACK's thread pool) in Node, which tfjs-backend-wasm 4.22 does not offer there.
 *
 *   const restore = prepareWasmThreads(2);   // before tf.setBackend('wasm')
 *   await tf.setBackend('wasm');
 *   restore();                                 // then wasmThreadCount() says what is in effect
 *
 * tfjs ships the threaded SIMD binary and its Emscripten glue supports Node (worker_threads), but:
 *  1. the WASM_HAS_MULTITHREAD_SUPPORT flag is hard-wired to false in Node (tfjs issue 3830): set here;
 *  2. the pthread worker script is handed to Emscripten as a Blob URL, which Node's Worker cannot load:
 *     while the backend initialises, Blob and URL.createObjectURL are wrapped so that the script tfjs
 *     builds is written, verbatim, to a private temporary folder and its path used instead, plus one line
 *     that makes the worker's own createObjectURL (of the main script, posted to it as a Blob) return the
 *     path of Emscripten's glue file in the package (wasm-out/), which the worker then loads;
 *  3. the C++ side caps the pool at emscripten_num_logical_cores() / 2 (it assumes 2 hyperthreads per
 *     core), i.e. at 1 thread on a 2-core machine: os.cpus() reports 2 x the requested count meanwhile.
 * All three are undone when `restore` is called; they touch nothing once the backend is up. Emscripten
 * starts 8 workers (its fixed pool, ~10-20 MB each) and unrefs the idle ones; `restore` unrefs the ones
 * running the thread pool, so the process still exits on its own.
 * Only XNNPACK operators (convolutions, matmul, most elementwise kernels) use the threads; the JS loops of
 * this module and tfjs's kernels written in JS do not.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

const MAIN_SCRIPT = createRequire(import.meta.url).resolve(
  '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js',
);

type WasmModule = { setThreadsCount(n: number): void; getThreadsCount(): number };

interface NodeWorkerRef {
  ref(): unknown;
  unref(): unknown;
}

interface EmscriptenPThread {
  runningWorkers: NodeWorkerRef[];
  unusedWorkers: NodeWorkerRef[];
}

let tempDir: string | undefined;

function removeTempDir(): void {
  if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

/**
 * Make the next tf.setBackend('wasm') start the threaded binary with `threads` pool threads (>= 2; 1 or
 * less does nothing). Must run before the wasm backend is first initialised. Returns the undo function.
 */
export function prepareWasmThreads(wasm: WasmModule, threads: number): () => void {
  if (!(threads >= 2)) return () => {};
  const dir = mkdtempSync(join(os.tmpdir(), 'ct-audit-wasm-threads-'));
  tempDir = dir;
  process.once('exit', removeTempDir);

  const OrigBlob = globalThis.Blob;
  const origCreateObjectURL = URL.createObjectURL;
  const origCpus = os.cpus;
  const texts = new WeakMap<Blob, string>();
  globalThis.Blob = class RecordingBlob extends OrigBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (parts?.every((p) => typeof p === 'string')) texts.set(this, parts.join(''));
    }
  };
  URL.createObjectURL = (obj: Blob) => {
    const text = texts.get(obj);
    if (text === undefined || obj.type !== 'application/javascript') return origCreateObjectURL(obj);
    // The pthread worker script. Its own createObjectURL(main script Blob) must give a loadable file:
    // Emscripten's original glue (the Blob holds tfjs's bundled copy, whose rewritten requires fail there).
    const worker = join(dir, 'tfjs-backend-wasm-threaded-simd.worker.cjs');
    writeFileSync(worker, `${text}\nURL.createObjectURL = () => ${JSON.stringify(MAIN_SCRIPT)};\n`);
    return worker;
  };
  const cpus = () => {
    const c = origCpus();
    return Array.from({ length: 2 * threads }, (_, i) => c[i % c.length]);
  };
  (os as { cpus: typeof os.cpus }).cpus = cpus;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasm.setThreadsCount(threads);
  return () => {
    globalThis.Blob = OrigBlob;
    URL.createObjectURL = origCreateObjectURL;
    (os as { cpus: typeof os.cpus }).cpus = origCpus;
    // Emscripten refs the worker of each pthread it starts (possibly later, once the worker has loaded);
    // the pool's threads live (idle) as long as the process, so Node would never exit on its own. Work is
    // dispatched by blocking waits on the main thread, which keep the process busy while it runs anyway.
    const backend = tf.engine().registry['wasm'] as { wasm?: { PThread?: EmscriptenPThread } } | undefined;
    const pt = backend?.wasm?.PThread;
    for (const w of [...(pt?.runningWorkers ?? []), ...(pt?.unusedWorkers ?? [])]) {
      w.ref = () => w;
      w.unref();
    }
  };
}
