/**
 * A batch's series audits spread over machines through a BullMQ queue on Redis (`ct-audit batch --queue`).
 * This side, the coordinator, runs where the batch was started:
 *
 *  1. enqueues one job per series x model unit (batch-queue-unit.ts), with a deterministic id
 *     `<batch>.<series>.<model index>` (the batch id hashes the output folder and the spec), so a resumed
 *     batch finds its jobs again and adding them twice adds nothing; units whose folder is stored are not
 *     enqueued, failed jobs of an earlier run are retried;
 *  2. waits for them (QueueEvents for progress and completions, and every few seconds the state of every
 *     pending job, which also re-adds jobs a Redis without persistence lost), reporting units done, running
 *     units' progress and the number of workers;
 *  3. writes each completed unit's result to its unit folder, once (storeUnit), then removes the job; when a
 *     series' units are all in, assembles the series folder (assembleSeries) and marks the series complete;
 *  4. a unit that failed its last attempt (BullMQ `attempts`, with exponential back-off) fails its series
 *     with the reason; the other series go on.
 *
 * Workers (batch-queue-worker.ts) may die at any time: a unit whose worker stops renewing its lock is taken
 * again by another worker after the lock expires (BullMQ's stalled-job check). Since only the coordinator
 * writes results, and only the first completion of a unit, no line is lost or written twice. Redis may
 * restart: every connection reconnects (queue-connection.ts) and the periodic state check catches up.
 * Cancelling removes the units not yet started; running ones finish and are collected by a resume.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { AuditSpec } from '@shared/audit-spec';
import { InputError, JobCancelledError } from '@shared/errors';
import { DEFAULT_QUEUE_NAME, parseQueueUrl } from '@shared/queue-url';
import type { JobContext } from '../job-context';
import type { BatchSeriesRow, SeriesJob } from './batch-merge';
import {
  assembleSeries,
  storeUnit,
  UNIT_FORMAT,
  unitJobId,
  unitsStored,
  type UnitJobData,
  type UnitJobResult,
} from './batch-queue-unit';
import { describeQueueError, readyWithin, redisConnection } from './queue-connection';
import type { Redactor } from './phi';

export interface BatchQueueOptions {
  /** redis://[user:password@]host[:port][/db] (rediss:// for TLS). */
  url: string;
  /** Password when the URL has none (e.g. from CT_AUDIT_QUEUE_PASSWORD). */
  password?: string;
  /** BullMQ queue name; workers must use the same (default 'ct-audit'). */
  name?: string;
  /** Attempts per unit before it is failed (default 3). */
  attempts?: number;
  /** How long to wait for Redis at start, ms (default 15000). */
  connectTimeoutMs?: number;
}

export interface QueueRunContext {
  jobs: SeriesJob[];
  rows: BatchSeriesRow[];
  spec: AuditSpec;
  outDir: string;
  redact: Redactor;
  commandLine: string[];
  job: JobContext;
  queue: BatchQueueOptions;
  totalUnits: number;
  /** True when an earlier run completed the series (batch.ts decides, as for local runs). */
  seriesComplete(j: SeriesJob): Promise<boolean>;
  writeRecord(): Promise<void>;
}

/** Id of a batch: its output folder and spec (a resume with the same settings finds its jobs again). */
export function batchId(outDir: string, spec: AuditSpec): string {
  return createHash('sha256')
    .update(path.resolve(outDir))
    .update('\u0000')
    .update(JSON.stringify(spec))
    .digest('hex')
    .slice(0, 16);
}

interface Unit {
  id: string;
  series: SeriesJob;
  modelIndex: number;
  model: string;
  fraction: number;
}

const POLL_MS = 2000;

export async function runSeriesOnQueue(c: QueueRunContext): Promise<void> {
  const address = parseQueueUrl(c.queue.url, c.queue.password);
  const connection = redisConnection(address);
  const name = c.queue.name ?? DEFAULT_QUEUE_NAME;
  const attempts = c.queue.attempts ?? 3;
  const batch = batchId(c.outDir, c.spec);
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  let queueError: string | null = null;
  const onError = (e: unknown) => {
    queueError = describeQueueError(e);
  };
  queue.on('error', onError);
  events.on('error', onError);
  try {
    await readyWithin(
      Promise.all([queue.waitUntilReady(), events.waitUntilReady()]),
      address,
      c.queue.connectTimeoutMs ?? 15000,
      'batch',
    );
    const nModels = c.spec.models.length;
    const pending = new Map<string, Unit>();
    const unitsDoneBySeries = new Map<number, number>();
    let failedUnits = 0;
    // Two units of one series can complete at the same moment and both see every unit stored: the series
    // is assembled once (assembling removes the unit folders the other call would copy from).
    const finishing = new Map<number, Promise<void>>();
    const finishSeries = (j: SeriesJob): Promise<void> => {
      let p = finishing.get(j.index);
      if (!p) {
        p = (async () => {
          await assembleSeries(j.dir, j.spec, c.redact, c.commandLine);
          c.rows[j.index].status = 'complete';
          unitsDoneBySeries.set(j.index, j.units);
          await c.writeRecord();
        })();
        finishing.set(j.index, p);
      }
      return p;
    };
    for (const j of c.jobs) {
      if (await c.seriesComplete(j)) {
        c.rows[j.index].status = 'complete';
        unitsDoneBySeries.set(j.index, j.units);
        continue;
      }
      const stored = await unitsStored(j.dir, nModels);
      c.spec.models.forEach((m, k) => {
        if (stored[k]) return;
        const id = unitJobId(batch, j.series.id, k);
        pending.set(id, { id, series: j, modelIndex: k, model: m.name, fraction: 0 });
      });
      unitsDoneBySeries.set(j.index, (stored.filter(Boolean).length * j.units) / nModels);
      if (stored.every(Boolean)) await finishSeries(j);
    }

    const dataOf = (u: Unit): UnitJobData => ({
      format: UNIT_FORMAT,
      version: 1,
      batch,
      series: u.series.series.id,
      model: u.model,
      modelIndex: u.modelIndex,
      spec: u.series.spec,
      commandLine: c.commandLine,
    });
    const add = (units: Unit[]) =>
      queue.addBulk(
        units.map((u) => ({
          name: 'unit',
          data: dataOf(u),
          opts: {
            jobId: u.id,
            attempts,
            backoff: { type: 'exponential', delay: 1000 },
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
    await add([...pending.values()]);
    // Jobs of an earlier run that failed: this run tries them again.
    for (const u of pending.values()) {
      const j = await queue.getJob(u.id);
      if (j && (await j.getState()) === 'failed') await j.retry('failed');
    }

    const failures = new Map<number, string[]>();
    // Errors of this side (writing the audit folders) end the batch; errors talking to Redis are retried.
    let fatal: unknown = null;
    const completed = async (u: Unit, job: Job) => {
      pending.delete(u.id);
      const result = job.returnvalue as UnitJobResult;
      let stored: boolean;
      try {
        stored = await storeUnit(u.series.dir, u, result, {
          jobId: job.id,
          attemptsMade: job.attemptsMade,
          stalledCounter: job.stalledCounter,
          finishedOn: job.finishedOn,
        });
      } catch (e) {
        if (!(e instanceof InputError)) {
          fatal ??= e;
          return;
        }
        return failed(u, `the unit's result was refused: ${e.message}`, job.attemptsMade);
      }
      await job.remove().catch(() => undefined);
      if (stored) {
        const done = (unitsDoneBySeries.get(u.series.index) ?? 0) + u.series.units / nModels;
        unitsDoneBySeries.set(u.series.index, done);
      }
      try {
        if ((await unitsStored(u.series.dir, nModels)).every(Boolean)) await finishSeries(u.series);
      } catch (e) {
        fatal ??= e;
      }
    };
    const failed = async (u: Unit, reason: string, attemptsMade: number) => {
      pending.delete(u.id);
      failedUnits++;
      const list = failures.get(u.series.index) ?? [];
      list.push(`model ${u.model}: ${reason} (after ${attemptsMade} attempt(s))`);
      failures.set(u.series.index, list);
      const row = c.rows[u.series.index];
      row.status = 'failed';
      row.error = list.join('; ');
      unitsDoneBySeries.set(
        u.series.index,
        (unitsDoneBySeries.get(u.series.index) ?? 0) + u.series.units / nModels,
      );
      await c.writeRecord().catch((e: unknown) => {
        fatal ??= e;
      });
    };

    /** Looks at one pending job and acts on a final state; re-adds a job the queue lost. */
    const check = async (u: Unit) => {
      const job = await queue.getJob(u.id);
      if (!job) {
        await add([u]);
        return;
      }
      const state = await job.getState();
      if (state === 'completed') await completed(u, job);
      else if (state === 'failed') await failed(u, job.failedReason || 'failed', job.attemptsMade);
    };

    const busy = new Set<string>();
    const guarded = (id: string, f: () => Promise<void>) => {
      if (busy.has(id) || !pending.has(id)) return Promise.resolve();
      busy.add(id);
      return f().finally(() => busy.delete(id));
    };
    events.on('progress', ({ jobId, data }) => {
      const u = pending.get(jobId);
      const p = data as { fraction?: number; message?: string } | number;
      if (u && typeof p === 'object' && typeof p.fraction === 'number') u.fraction = p.fraction;
    });
    const finished: Promise<void>[] = [];
    // The wait between two looks at the queue ends early when a unit finishes.
    let wake: () => void = () => undefined;
    const onFinal = ({ jobId }: { jobId: string }) => {
      const u = pending.get(jobId);
      if (u)
        finished.push(
          guarded(jobId, () => check(u))
            .catch(onError)
            .finally(() => wake()),
        );
    };
    events.on('completed', onFinal);
    events.on('failed', onFinal);

    let workers = 0;
    const emit = () => {
      let done = 0;
      for (const v of unitsDoneBySeries.values()) done += v;
      for (const u of pending.values()) done += (u.fraction * u.series.units) / nModels;
      const seriesDone = c.rows.filter((r) => r.status !== 'pending').length;
      const running = [...pending.values()].filter((u) => u.fraction > 0).length;
      c.job.progress({
        phase: 'batch',
        step: Math.min(done, c.totalUnits),
        total: c.totalUnits,
        metrics: {
          series: seriesDone,
          seriesTotal: c.jobs.length,
          workers,
          failedUnits,
          pendingUnits: pending.size,
        },
        message:
          `queue ${address.display} (${name}): ${pending.size} unit(s) left, ${running} running on ${workers} worker(s)` +
          `, series ${seriesDone} of ${c.jobs.length} done` +
          (failedUnits ? `, ${failedUnits} unit(s) failed` : '') +
          (queueError ? ` · queue unreachable, retrying (${queueError})` : ''),
      });
    };
    emit();
    let lastReconcile = 0;
    while (pending.size > 0) {
      if (c.job.signal.aborted) {
        for (const u of pending.values()) {
          const j = await queue.getJob(u.id).catch(() => undefined);
          const state = j ? await j.getState().catch(() => 'unknown') : 'unknown';
          if (j && (state === 'waiting' || state === 'delayed' || state === 'prioritized')) {
            await j.remove().catch(() => undefined);
          }
        }
        throw new JobCancelledError('batch cancelled');
      }
      await new Promise<void>((r) => {
        const t = setTimeout(r, POLL_MS);
        wake = () => {
          clearTimeout(t);
          r();
        };
      });
      // Every job's state is read at most every POLL_MS (events answer in between).
      if (performance.now() - lastReconcile < POLL_MS) {
        await Promise.all(finished.splice(0));
        if (fatal) throw fatal;
        emit();
        continue;
      }
      lastReconcile = performance.now();
      try {
        for (const u of [...pending.values()]) await guarded(u.id, () => check(u));
        workers = await queue.getWorkersCount();
        queueError = null;
      } catch (e) {
        if (e instanceof InputError || e instanceof JobCancelledError) throw e;
        onError(e);
      }
      await Promise.all(finished.splice(0));
      if (fatal) throw fatal;
      emit();
    }
    await Promise.all(finished.splice(0));
    if (fatal) throw fatal;
    emit();
  } finally {
    await events.close().catch(() => undefined);
    await queue.close().catch(() => undefined);
  }
}
