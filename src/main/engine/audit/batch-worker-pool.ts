/**
 * Long-lived worker threads for a batch with concurrency > 1 (batch.ts): each runs one series audit at a time
 * (batch-worker.ts) and reports its progress; worker threads die with the process, so a killed batch leaves
 * no orphan writing to its folders.
 */
import { Worker } from 'node:worker_threads';
import { JobCancelledError } from '@shared/errors';
import type { JobProgress } from '@shared/jobs';
import type { BatchWorkerRun } from './batch-worker';
import { workerScript } from '../worker-script';

interface WorkerMessage {
  type: 'progress' | 'done' | 'error';
  id: number;
  progress?: JobProgress;
  error?: { message: string; code?: string };
}

/** Long-lived worker threads running series audits (batch-worker.ts), one series at a time each. */
export class WorkerPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve(): void; reject(e: Error): void; onProgress(p: JobProgress): void }
  >();
  private nextId = 0;
  private broken: Error | null = null;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const script = workerScript(
        new URL('./batch-worker-bootstrap.mjs', import.meta.url),
        'batch-series-worker',
      );
      const w = new Worker(script, {
        stdout: false,
        stderr: false,
        // The series already run in parallel: no smoothing threads inside them (certify/smoothing-pool.ts).
        env: { ...process.env, CT_AUDIT_SMOOTHING_THREADS: '1' },
      });
      w.on('message', (m: WorkerMessage) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        if (m.type === 'progress' && m.progress) p.onProgress(m.progress);
        else {
          this.pending.delete(m.id);
          this.idle.push(w);
          if (m.type === 'done') p.resolve();
          else
            p.reject(
              m.error?.code === 'CANCELLED'
                ? new JobCancelledError(m.error.message)
                : new Error(m.error?.message),
            );
        }
      });
      const fail = (e: Error) => {
        this.broken = e;
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      };
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0) fail(new Error(`a series worker exited with code ${code}`));
      });
      this.idle.push(w);
      this.all.push(w);
    }
  }

  /** The error that broke the pool (a thread died), or null; a broken pool runs nothing more. */
  get failure(): Error | null {
    return this.broken;
  }

  run(
    task: Omit<BatchWorkerRun, 'type' | 'id'>,
    signal: AbortSignal,
    onProgress: (p: JobProgress) => void,
  ): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    const w = this.idle.pop();
    if (!w) return Promise.reject(new Error('batch: no idle worker thread (more tasks than threads)'));
    const id = this.nextId++;
    const onAbort = () => w.postMessage({ type: 'cancel' });
    signal.addEventListener('abort', onAbort);
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      const msg: BatchWorkerRun = { type: 'run', id, ...task };
      w.postMessage(msg);
    }).finally(() => signal.removeEventListener('abort', onAbort));
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
  }
}
