/**
 * Series audits of a batch in a worker thread (batch.ts with concurrency > 1, and the queue worker's units,
 * batch-queue-worker.ts, so that its main thread stays free to renew the queue's locks). The worker stays up
 * for many series: each 'run' message runs runAudit and answers 'done' or 'error' (with the run id), with 'progress'
 * messages in between; 'cancel' cancels the running audit.
 */
import { parentPort } from 'node:worker_threads';
import type { AuditSpec } from '@shared/audit-spec';
import { createJobContext } from '../job-context';
import type { DataInventory } from './inventory';
import { runAudit } from './runner';

export interface BatchWorkerRun {
  type: 'run';
  id: number;
  spec: AuditSpec;
  outDir: string;
  resume: boolean;
  /** The batch's inventory of the series (the audit scans its files itself when absent). */
  inventory?: DataInventory;
  commandLine: string[];
  report: boolean;
  /** Compute only these models' units (runner.ts `models`; the batch queue's series x model unit). */
  models?: string[];
}

const port = parentPort;
if (!port) throw new Error('batch-worker: not in a worker thread');
let abort = new AbortController();
port.on('message', (m: BatchWorkerRun | { type: 'cancel' }) => {
  if (m.type === 'cancel') {
    abort.abort();
    return;
  }
  abort = new AbortController();
  const job = createJobContext({
    signal: abort.signal,
    onProgress: (p) => port.postMessage({ type: 'progress', id: m.id, progress: p }),
  });
  runAudit({
    spec: m.spec,
    outDir: m.outDir,
    resume: m.resume,
    inventory: m.inventory,
    commandLine: m.commandLine,
    report: m.report,
    models: m.models,
    job,
  }).then(
    () => port.postMessage({ type: 'done', id: m.id }),
    (e: { message?: string; code?: string }) =>
      port.postMessage({ type: 'error', id: m.id, error: { message: e.message ?? String(e), code: e.code } }),
  );
});
