/**
 * `ct-audit batch <folder...>`: one audit per CT series found (recursively) under the folders, with the audit
 * options of `ct-audit audit`; unreadable and non-CT files are listed with their reason and skipped; an
 * overall summary and report across series (engine/audit/batch.ts). With `--queue redis://...` the series x
 * model units run on `ct-audit worker` processes, on this machine or others (engine/audit/batch-queue.ts).
 */
import type { Command } from 'commander';
import { JobCancelledError, UsageError } from '@shared/errors';
import { DEFAULT_QUEUE_NAME, parseQueueUrl, redactQueueArgs } from '@shared/queue-url';
import { runBatch } from '../../engine/audit/batch';
import {
  addScanCacheOptions,
  openScanCache,
  parseIntOption,
  printJson,
  startBackend,
  type ScanCacheOption,
} from '../context';
import { addAuditOptions, specFromOptions, type AuditCliOptions } from '../audit-options';
import { printSummary, printTable } from '../audit-output';
import { cliProgress } from '../progress';

interface BatchCliOptions extends AuditCliOptions, ScanCacheOption {
  concurrency?: number;
  queue?: string;
  queueName?: string;
  attempts?: number;
}

/** The queue URL of --queue or CT_AUDIT_QUEUE; its password may also come from CT_AUDIT_QUEUE_PASSWORD. */
export function queueFromOptions(o: { queue?: string }): { url: string; password?: string } | undefined {
  const url = o.queue ?? process.env.CT_AUDIT_QUEUE;
  if (!url) return undefined;
  const password = process.env.CT_AUDIT_QUEUE_PASSWORD || undefined;
  parseQueueUrl(url, password); // usage errors now, before the scan
  return { url, password };
}

export function registerBatch(program: Command): void {
  const cmd = program
    .command('batch')
    .description(
      'audit every CT series under DICOM folders (recursive): per-series audits, skipped files with reasons, an overall summary and report',
    )
    .argument('<folder...>', 'DICOM folders or files, scanned recursively')
    .option(
      '--concurrency <k>',
      'series audited at the same time, in worker threads (default 1)',
      parseIntOption('concurrency', 1, 64),
    )
    .option(
      '--queue <url>',
      'run the series x model units on `ct-audit worker` processes through this Redis queue ' +
        '(redis://[:password@]host:6379[/db]; env CT_AUDIT_QUEUE; password also from CT_AUDIT_QUEUE_PASSWORD)',
    )
    .option(
      '--queue-name <name>',
      `BullMQ queue name shared with the workers (default ${DEFAULT_QUEUE_NAME})`,
    )
    .option(
      '--attempts <n>',
      'with --queue: tries per unit before it is failed (default 3)',
      parseIntOption('attempts', 1, 100),
    );
  addScanCacheOptions(cmd);
  addAuditOptions(cmd, { data: false }).action(async (folders: string[], o: BatchCliOptions, c: Command) => {
    if (folders.length === 0) throw new UsageError('give at least one folder');
    if (!o.out) throw new UsageError('give --out <dir> (the batch folder)');
    const spec = await specFromOptions(o, folders);
    if (!spec) throw new UsageError('give --model (repeatable) or a --spec file');
    const queue = queueFromOptions(o);
    await startBackend(c);
    const progress = cliProgress({ quiet: Boolean(o.quiet || o.json) });
    let r;
    try {
      r = await runBatch({
        folders,
        spec,
        outDir: o.out as string,
        resume: Boolean(o.resume),
        concurrency: o.concurrency,
        job: progress.job,
        // The queue URL's password never reaches a manifest.
        commandLine: redactQueueArgs(process.argv.slice(1)),
        scanCache: await openScanCache(o),
        ...(queue ? { queue: { ...queue, name: o.queueName, attempts: o.attempts } } : {}),
      });
    } catch (e) {
      progress.done();
      if (e instanceof JobCancelledError) {
        throw new JobCancelledError(
          `batch cancelled; completed slices are kept in ${o.out}/series/ — continue with the same command and --resume`,
        );
      }
      throw e;
    }
    progress.done();
    if (o.json) {
      printJson({ batch: r.record, summary: r.summary });
      return;
    }
    const rec = r.record;
    console.log(
      `${rec.counts.files} file(s): ${rec.counts.ct} CT image file(s) in ${rec.counts.series} series, ` +
        `${rec.counts.skipped} skipped, ${rec.counts.notDicom} not DICOM, ${rec.counts.unreadable} unreadable`,
    );
    for (const f of rec.files.filter((x) => x.kind !== 'ct'))
      console.log(`  ${f.kind}: ${f.path}: ${f.reason ?? ''}`);
    const models = [...new Set(rec.series.flatMap((s) => s.models.map((m) => m.model)))];
    const rows = rec.series.map((s) => [
      s.id,
      String(s.slices),
      s.status,
      ...models.map((m) => {
        const e = s.models.find((x) => x.model === m);
        const last = e?.rhoHat[e.rhoHat.length - 1];
        return e && last ? `${last.value.toPrecision(4)}${e.worst ? ' (worst)' : ''}` : '-';
      }),
    ]);
    const lastEps = spec.attack.eps[spec.attack.eps.length - 1];
    console.log(`series (rho-hat at eps ${lastEps} per model):`);
    printTable(['series', 'slices', 'status', ...models], rows);
    for (const s of rec.series.filter((x) => x.error)) console.log(`  ${s.id} failed: ${s.error}`);
    for (const s of rec.series) for (const w of s.warnings ?? []) console.log(`  ${s.id} warning: ${w}`);
    if (r.summary) {
      console.log('over all series:');
      printSummary(r.summary);
    }
    console.log(`batch folder: ${r.outDir} (batch.json, series/<id>/, summary.json, results.jsonl, images/)`);
    if (r.report) console.log(`report: ${r.report}`);
    else if (r.reportError) console.log(`no report.pdf: ${r.reportError}`);
  });
}
