/**
 * A queue worker (`ct-audit worker --queue`): takes series x model units of distributed batches from the
 * BullMQ queue and runs each as the series' audit restricted to that model (runner.ts `models`) in a
 * worker thread (batch-worker-pool.ts), so this thread stays free to renew the unit's lock while tfjs
 * computes. The unit's audit folder is a temporary one; its lines, manifest and images go back as the job's
 * result (batch-queue-unit.ts collectUnit) and the coordinator writes them.
 *
 * Safety: job data is validated (zod) before anything is run, and every path a unit names -- the series'
 * files and the model folders -- must lie, after resolving links, inside one of the data roots the worker was
 * started with; a unit that names another path fails at once, without retries (UnrecoverableError), with
 * the reason. The queue URL's password is never printed (shared/queue-url.ts).
 *
 * Stopping: `stop()` lets running units finish and takes no new ones; a worker killed outright leaves its
 * units to the others once their locks expire (`lockDurationMs`).
 */
import { promises as fs, realpathSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import { DEFAULT_QUEUE_NAME, parseQueueUrl } from '@shared/queue-url';
import { JobCancelledError } from '@shared/errors';
import { WorkerPool } from './batch-worker-pool';
import { collectUnit, parseUnitJobData, type UnitJobData, type UnitJobResult } from './batch-queue-unit';
import { describeQueueError, readyWithin, redisConnection } from './queue-connection';

export interface QueueWorkerOptions {
  url: string;
  password?: string;
  name?: string;
  /** Units run at the same time (worker threads). Default 1. */
  concurrency?: number;
  /** Folders whose files units may read (data and models); resolved (links followed) at start. */
  roots: string[];
  /** Lock time of a unit, ms: how soon another worker takes over the units of a killed one. Default 30000. */
  lockDurationMs?: number;
  /** One line per event (unit started, done, failed, queue errors). */
  log?: (line: string) => void;
  connectTimeoutMs?: number;
}

export interface QueueWorkerHandle {
  /** The queue as shown (password hidden) and the roots in use. */
  display: string;
  roots: string[];
  /** Resolves when the worker has stopped. */
  closed: Promise<void>;
  /** Stop taking units; running ones finish (or are cancelled with `force`). */
  stop(force?: boolean): Promise<void>;
  stats: { done: number; failed: number };
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Throws UnrecoverableError when a path of the unit is outside the roots (or does not exist here). */
export function checkUnitPaths(data: UnitJobData, roots: string[]): void {
  const paths = [
    ...data.spec.data.sources.filter((s) => s.trim().toLowerCase() !== 'ellipses'),
    ...data.spec.models.map((m) => m.path).filter((p) => p !== 'fbp'),
  ];
  for (const p of paths) {
    let real: string;
    try {
      real = realpathSync(p);
    } catch {
      throw new UnrecoverableError(`${p} does not exist on this worker (${os.hostname()})`);
    }
    if (!roots.some((r) => inside(r, real))) {
      throw new UnrecoverableError(
        `refused: ${p} is outside this worker's data roots (${roots.join(', ')}); start the worker with --root for it`,
      );
    }
  }
}

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorkerHandle> {
  const address = parseQueueUrl(o.url, o.password);
  const log = o.log ?? (() => undefined);
  const roots = o.roots.map((r) => realpathSync(path.resolve(r)));
  const concurrency = Math.max(1, o.concurrency ?? 1);
  let pool = new WorkerPool(concurrency);
  /**
   * A pool whose thread died (out of memory, a fatal error) rejected every unit it ran; it is replaced, so the
   * worker does not fail every later unit.
   */
  const livePool = (): WorkerPool => {
    const dead = pool.failure;
    if (dead) {
      log(`worker threads restarted after: ${dead.message}`);
      void pool.close();
      pool = new WorkerPool(concurrency);
    }
    return pool;
  };
  const running = new Map<string, AbortController>();
  const stats = { done: 0, failed: 0 };

  const processor = async (job: Job): Promise<UnitJobResult> => {
    let data: UnitJobData;
    try {
      data = parseUnitJobData(job.data);
    } catch (e) {
      throw new UnrecoverableError(`not a ct-audit unit: ${(e as Error).message.split('\n')[0]}`);
    }
    checkUnitPaths(data, roots);
    const what = `unit ${data.series}/${data.model} (attempt ${job.attemptsMade + 1})`;
    log(`${what}: started`);
    const started = performance.now();
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-unit-'));
    const abort = new AbortController();
    running.set(String(job.id), abort);
    let lastReport = 0;
    const slices = data.spec.data.maxSlices ?? Infinity;
    try {
      await livePool().run(
        {
          spec: { ...data.spec, output: dir },
          outDir: dir,
          resume: false,
          commandLine: data.commandLine,
          report: false,
          models: [data.model],
        },
        abort.signal,
        (p) => {
          const now = Date.now();
          if (p.phase !== 'audit' || now - lastReport < 1000) return;
          lastReport = now;
          // The runner counts units over all models; this run computes one model's slices.
          const perModel = p.total / data.spec.models.length;
          const fraction = Math.min(1, p.step / Math.min(perModel, slices));
          job.updateProgress({ fraction, message: p.message ?? '' }).catch(() => undefined);
        },
      );
      const result = await collectUnit(dir, {
        host: os.hostname(),
        pid: process.pid,
        seconds: (performance.now() - started) / 1000,
      });
      stats.done++;
      log(`${what}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return result;
    } catch (e) {
      stats.failed++;
      log(`${what}: failed: ${(e as Error).message}`);
      if (e instanceof JobCancelledError) throw new Error('the worker was stopped during the unit');
      throw e;
    } finally {
      running.delete(String(job.id));
      await fs.rm(dir, { recursive: true, force: true });
    }
  };

  const lockDuration = o.lockDurationMs ?? 30000;
  const worker = new Worker(o.name ?? DEFAULT_QUEUE_NAME, processor, {
    connection: redisConnection(address),
    concurrency,
    lockDuration,
    stalledInterval: lockDuration,
    // A unit whose worker died goes back to the queue; it is failed only after repeated losses.
    maxStalledCount: 3,
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (e) => {
    const msg = describeQueueError(e);
    if (msg !== lastError) log(`queue ${address.display}: ${msg}`);
    lastError = msg;
  });
  await readyWithin(worker.waitUntilReady(), address, o.connectTimeoutMs ?? 15000, 'worker');
  const closed = worker.run().then(
    () => undefined,
    (e: unknown) => log(`queue ${address.display}: ${describeQueueError(e)}`),
  );
  let stopping: Promise<void> | null = null;
  return {
    display: address.display,
    roots,
    closed: closed.then(() => stopping ?? undefined),
    stats,
    stop(force = false) {
      if (force) for (const a of running.values()) a.abort();
      stopping ??= worker
        .close(force)
        .catch(() => undefined)
        .then(() => pool.close());
      return stopping;
    },
  };
}
