/**
 * `ct-audit worker --queue redis://...`: runs the series x model units of distributed batches
 * (`ct-audit batch --queue`) on this machine until stopped (engine/audit/batch-queue-worker.ts). Prints one
 * line per unit on stdout; Ctrl-C (SIGINT) or SIGTERM finishes the running units and stops, a second one
 * stops at once (the units go back to the queue when their locks expire).
 */
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { DEFAULT_QUEUE_NAME } from '@shared/queue-url';
import { startQueueWorker } from '../../engine/audit/batch-queue-worker';
import { parseIntOption, startBackend } from '../context';
import { queueFromOptions } from './batch';

interface WorkerCliOptions {
  queue?: string;
  queueName?: string;
  concurrency: number;
  root?: string[];
  lockDuration?: number;
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description(
      'run the units of `ct-audit batch --queue` batches from a Redis queue until stopped (several machines may run workers)',
    )
    .option(
      '--queue <url>',
      'the Redis queue (redis://[:password@]host:6379[/db]; env CT_AUDIT_QUEUE; password also from CT_AUDIT_QUEUE_PASSWORD)',
    )
    .option('--queue-name <name>', `BullMQ queue name (default ${DEFAULT_QUEUE_NAME})`)
    .option(
      '--concurrency <k>',
      'units run at the same time, in worker threads',
      parseIntOption('concurrency', 1, 64),
      1,
    )
    .option(
      '--root <folder>',
      'a folder units may read (DICOM data, models); repeatable; paths elsewhere are refused (default: the current folder)',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
    )
    .option(
      '--lock-duration <ms>',
      'lock time of a running unit: how soon another worker takes over the units of a worker that died (default 30000)',
      parseIntOption('lock-duration', 1000, 3600000),
    )
    .action(async (o: WorkerCliOptions, c: Command) => {
      const queue = queueFromOptions(o);
      if (!queue) throw new UsageError('give --queue redis://host:6379 (or set CT_AUDIT_QUEUE)');
      const backend = await startBackend(c);
      // The units run in worker threads, which start their backend from the environment.
      process.env.CT_AUDIT_BACKEND = backend.backend;
      const handle = await startQueueWorker({
        ...queue,
        name: o.queueName,
        concurrency: o.concurrency,
        roots: o.root ?? [process.cwd()],
        lockDurationMs: o.lockDuration,
        log: (line) => console.log(`${new Date().toISOString()} ${line}`),
      });
      console.log(
        `worker ${process.pid}: queue ${handle.display} (${o.queueName ?? DEFAULT_QUEUE_NAME}), ` +
          `${o.concurrency} unit(s) at a time on ${backend.backend}, data roots: ${handle.roots.join(', ')}`,
      );
      let signals = 0;
      const stop = () => {
        signals++;
        if (signals === 1) {
          console.log('stopping after the running units (again to stop at once)');
          void handle.stop();
        } else process.exit(130);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      await handle.closed;
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(
        `worker ${process.pid}: stopped (${handle.stats.done} unit(s) done, ${handle.stats.failed} failed)`,
      );
    });
}
