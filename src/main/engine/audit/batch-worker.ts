/**
 * Series audits of a batch in a worker thread (batch.ts, concurrency > 1). The worker stays up for many
 * series: each 'run' message runs runAudit and answers 'done' or 'error' (with the run id), with 'progress'
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
  inventory: DataInventory;
  commandLine: string[];
  report: boolean;
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
    job,
  }).then(
    () => port.postMessage({ type: 'done', id: m.id }),
    (e: { message?: string; code?: string }) =>
      port.postMessage({ type: 'error', id: m.id, error: { message: e.message ?? String(e), code: e.code } }),
  );
});
