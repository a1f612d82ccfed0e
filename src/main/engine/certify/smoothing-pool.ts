/**
 * Randomized smoothing on every core: the S samples of a slice split into ranges that worker threads
 * (smoothing-worker.ts) compute, each with its own copy of the model rebuilt from its origin (a saved folder or
 * plain FBP; a thread keeps the last few models it built, for audits that alternate models) and its own tfjs
 * backend (wasm/cpu run one thread each). Every sample keeps its own seeded noise
 * stream and every range starts at a multiple of the batch size, so a chunk holds the same samples whichever
 * thread computes it: the errors are identical for any thread count (tested bit for bit).
 *
 * The pool is started on first use and kept for the process (an audit certifies many times with one model);
 * its threads are unref'd, so they never keep a finished process alive.
 */
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { backendInfo, tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor, ReconstructorOrigin } from '../models/reconstructor';
import { workerScript } from '../worker-script';
import type { ResolvedSmoothing } from './smoothing';

/** Below this many sample-pixels per slice (S x N^2) the threads' start-up costs more than it saves. */
export const THREADED_MIN_WORK = 100 * 64 * 64;
/** At most this many smoothing threads. */
export const MAX_SMOOTHING_THREADS = 8;

export interface SmoothingTask {
  type: 'task';
  id: number;
  /** The model (each thread keeps the last few it built). */
  origin: ReconstructorOrigin;
  y: Float32Array;
  yShape: [number, number, number, number];
  reference: Float32Array;
  referenceShape: [number, number, number, number];
  sigma: number;
  space: 'x' | 'y';
  seed: string;
  batchSize: number;
  slice: number;
  k0: number;
  k1: number;
}

export type SmoothingReply =
  | { type: 'ready' }
  | { type: 'chunk'; id: number; k1: number }
  | { type: 'done'; id: number; values: Float64Array }
  | { type: 'error'; id: number | null; message: string };

/** How many threads a sampling job gets: `requested`, or CT_AUDIT_SMOOTHING_THREADS, or every core when worth it. */
export function smoothingThreads(model: Reconstructor, r: ResolvedSmoothing, requested?: number): number {
  if (!model.origin) return 1;
  const backend = backendInfo().backend;
  // GPU backends already run wide; native TensorFlow threads itself.
  if (backend !== 'wasm' && backend !== 'cpu') return 1;
  const env = Number(process.env.CT_AUDIT_SMOOTHING_THREADS);
  const explicit = requested ?? (Number.isInteger(env) && env >= 1 ? env : undefined);
  const chunks = Math.ceil(r.samples / r.batchSize);
  if (explicit !== undefined) return Math.max(1, Math.min(explicit, MAX_SMOOTHING_THREADS, chunks));
  const n = model.geometry.size;
  if (r.samples * n * n < THREADED_MIN_WORK) return 1;
  return Math.max(1, Math.min(os.availableParallelism(), MAX_SMOOTHING_THREADS, chunks));
}

class SmoothingPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: ((w: Worker) => void)[] = [];
  private readonly pending = new Map<
    number,
    { resolve(v: Float64Array): void; reject(e: Error): void; onChunk(k1: number): void }
  >();
  private nextId = 0;
  private broken: Error | null = null;

  constructor(backend: string, size: number) {
    for (let i = 0; i < size; i++) {
      const script = workerScript(
        new URL('./smoothing-worker-bootstrap.mjs', import.meta.url),
        'smoothing-worker',
      );
      const w = new Worker(script, { workerData: { backend }, stdout: false, stderr: false });
      let ready = false;
      w.on('message', (m: SmoothingReply) => {
        if (m.type === 'ready') {
          ready = true;
          this.release(w);
          return;
        }
        if (m.type === 'error' && m.id === null) return this.fail(new Error(m.message));
        const p = this.pending.get(m.id as number);
        if (!p) return;
        if (m.type === 'chunk') p.onChunk(m.k1);
        else {
          this.pending.delete(m.id as number);
          this.release(w);
          if (m.type === 'done') p.resolve(m.values);
          else p.reject(new Error(m.message));
        }
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0 || !ready) this.fail(new Error(`a smoothing thread exited with code ${code}`));
      });
      this.workers.push(w);
    }
  }

  private fail(e: Error): void {
    this.broken ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    for (const w of this.workers) void w.terminate();
  }

  /** A thread with a task keeps the process alive (ref); an idle one does not (unref). */
  private release(w: Worker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else {
      w.unref();
      this.idle.push(w);
    }
  }

  private acquire(): Promise<Worker> {
    if (this.broken) return Promise.reject(this.broken);
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  async run(task: Omit<SmoothingTask, 'type' | 'id'>, onChunk: (k1: number) => void): Promise<Float64Array> {
    const w = await this.acquire();
    if (this.broken) throw this.broken;
    const id = this.nextId++;
    w.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onChunk });
      w.postMessage({ type: 'task', id, ...task } satisfies SmoothingTask);
    });
  }

  get failed(): Error | null {
    return this.broken;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

const pools = new Map<string, SmoothingPool>();

function poolFor(size: number): SmoothingPool {
  const backend = backendInfo().backend;
  const key = `${backend}|${size}`;
  let pool = pools.get(key);
  if (!pool || pool.failed) {
    // One pool at a time: another backend or size replaces the previous threads.
    for (const [k, p] of pools) {
      void p.close();
      pools.delete(k);
    }
    pool = new SmoothingPool(backend, size);
    pools.set(key, pool);
  }
  return pool;
}

/** Stop every smoothing thread (tests; a process exits without it). */
export async function closeSmoothingPools(): Promise<void> {
  await Promise.all([...pools.values()].map((p) => p.close()));
  pools.clear();
}

/** The errors of all S samples of one slice, in `threads` threads (see the file comment). */
export async function sampleInThreads(
  model: Reconstructor,
  yb: tf.Tensor4D,
  base: tf.Tensor4D,
  r: ResolvedSmoothing,
  slice: number,
  threads: number,
  job: JobContext | undefined,
  onChunk: (k1: number) => void,
): Promise<Float64Array> {
  const pool = poolFor(threads);
  const origin = model.origin as ReconstructorOrigin;
  const y = (await yb.data()) as Float32Array;
  const reference = (await base.data()) as Float32Array;
  // Ranges of whole chunks, several per thread so a slow thread does not hold the others up.
  const chunks = Math.ceil(r.samples / r.batchSize);
  const perTask = Math.max(1, Math.ceil(chunks / (threads * 4)));
  const values = new Float64Array(r.samples);
  // Task promises never reject (an unawaited rejection would end the process): the first error is kept. At
  // most `threads` ranges are in flight, so a cancellation stops before the remaining ranges start.
  const running = new Set<Promise<void>>();
  let error: Error | null = null;
  for (let c = 0; c < chunks && !error && !job?.signal.aborted; c += perTask) {
    const k0 = c * r.batchSize;
    const k1 = Math.min(r.samples, (c + perTask) * r.batchSize);
    const t: Promise<void> = pool
      .run(
        {
          origin,
          y,
          yShape: yb.shape,
          reference,
          referenceShape: base.shape,
          sigma: r.sigma,
          space: r.space,
          seed: r.seed,
          batchSize: r.batchSize,
          slice,
          k0,
          k1,
        },
        onChunk,
      )
      .then(
        (v) => {
          values.set(v, k0);
        },
        (e: Error) => {
          error ??= e;
        },
      )
      .finally(() => running.delete(t));
    running.add(t);
    if (running.size >= threads) await Promise.race(running);
  }
  await Promise.all(running);
  if (error) throw error;
  job?.throwIfCancelled();
  return values;
}
