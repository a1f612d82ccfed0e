/**
 * Data parallelism over worker threads, to measure whether splitting a batch across both cores pays
 * (issue 3): K workers (bench/nets/batch-split-worker.ts), each with its own wasm backend and a copy of the
 * benchmark net, take 1/K of the batch. Forward and input gradient: slices out, results back. Training:
 * each worker returns its slice's parameter gradient, the main thread averages them (weighted by slice
 * size) and every worker applies the same Adam step to its copy, so the copies stay identical.
 * Costs included in the timings: copying the slices and results between threads (structured clone of
 * Float32Arrays, results transferred) and the gradient average (~100k floats).
 */
import { Worker } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';

interface Reply {
  out?: Float32Array;
  ok?: boolean;
  ready?: boolean;
}

export class BatchSplitPool {
  private readonly workers: Worker[];
  private readonly ready: Promise<unknown>;

  constructor(k: number, weights: Record<string, Float32Array>) {
    const tsconfig = fileURLToPath(new URL('../../tsconfig.node.json', import.meta.url));
    const env = { ...process.env, CT_AUDIT_WASM_THREADS: '1' };
    this.workers = Array.from(
      { length: k },
      () =>
        new Worker(new URL('./batch-split-worker.mjs', import.meta.url), {
          workerData: { weights, tsconfig },
          env,
        }),
    );
    this.ready = Promise.all(this.workers.map((w) => this.next(w)));
  }

  private next(w: Worker): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      w.once('error', onError);
      w.once('message', (m: Reply) => {
        w.off('error', onError);
        resolve(m);
      });
    });
  }

  /** Split x, y [batch, size, size, 1] by batch into K slices (as even as possible). */
  private slices(x: Float32Array, y: Float32Array, batch: number, size: number) {
    const k = this.workers.length;
    const per = size * size;
    let b0 = 0;
    return this.workers.map((_, i) => {
      const b = Math.floor(batch / k) + (i < batch % k ? 1 : 0);
      const s = {
        x: x.slice(b0 * per, (b0 + b) * per),
        y: y.slice(b0 * per, (b0 + b) * per),
        batch: b,
        size,
      };
      b0 += b;
      return s;
    });
  }

  /** forward: outputs, gradx: input gradients, in batch order (each a flat [batch, size, size, 1]). */
  async map(
    cmd: 'forward' | 'gradx',
    x: Float32Array,
    y: Float32Array,
    batch: number,
    size: number,
  ): Promise<Float32Array> {
    await this.ready;
    const parts = this.slices(x, y, batch, size);
    const outs = await Promise.all(
      this.workers.map((w, i) => {
        const r = this.next(w);
        w.postMessage({ cmd, ...parts[i] });
        return r;
      }),
    );
    const all = new Float32Array(batch * size * size);
    let o = 0;
    for (const r of outs) {
      all.set(r.out!, o);
      o += r.out!.length;
    }
    // The input gradient of the batch mean is each slice's gradient times its share of the batch.
    if (cmd === 'gradx') {
      let b0 = 0;
      parts.forEach((s) => {
        const f = s.batch / batch;
        for (let i = b0 * size * size; i < (b0 + s.batch) * size * size; i++) all[i] *= f;
        b0 += s.batch;
      });
    }
    return all;
  }

  /** One data-parallel Adam step on the batch; returns the averaged gradient (flat). */
  async trainStep(x: Float32Array, y: Float32Array, batch: number, size: number): Promise<Float32Array> {
    await this.ready;
    const parts = this.slices(x, y, batch, size);
    const outs = await Promise.all(
      this.workers.map((w, i) => {
        const r = this.next(w);
        w.postMessage({ cmd: 'grads', ...parts[i] });
        return r;
      }),
    );
    const g = new Float32Array(outs[0].out!.length);
    outs.forEach((r, i) => {
      const f = parts[i].batch / batch;
      const gi = r.out!;
      for (let j = 0; j < g.length; j++) g[j] += f * gi[j];
    });
    await Promise.all(
      this.workers.map((w) => {
        const r = this.next(w);
        w.postMessage({ cmd: 'apply', grads: g });
        return r;
      }),
    );
    return g;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
