/**
 * `ct-audit batch <folder...>`: one audit per CT series found (recursively) under the folders, with the audit
 * options of `ct-audit audit`; unreadable and non-CT files are listed with their reason and skipped; an
 * overall summary and report across series (engine/audit/batch.ts).
 */
import type { Command } from 'commander';
import { JobCancelledError, UsageError } from '@shared/errors';
import { runBatch } from '../../engine/audit/batch';
import { parseIntOption, printJson, startBackend } from '../context';
import { addAuditOptions, specFromOptions, type AuditCliOptions } from '../audit-options';
import { cliProgressJob, printSummary, printTable } from '../audit-output';

interface BatchCliOptions extends AuditCliOptions {
  concurrency?: number;
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
    );
  addAuditOptions(cmd, { data: false }).action(async (folders: string[], o: BatchCliOptions, c: Command) => {
    if (folders.length === 0) throw new UsageError('give at least one folder');
    if (!o.out) throw new UsageError('give --out <dir> (the batch folder)');
    const spec = await specFromOptions(o, folders);
    if (!spec) throw new UsageError('give --model (repeatable) or a --spec file');
    await startBackend(c);
    const progress = cliProgressJob(Boolean(o.quiet || o.json));
    let r;
    try {
      r = await runBatch({
        folders,
        spec,
        outDir: o.out as string,
        resume: Boolean(o.resume),
        concurrency: o.concurrency,
        job: progress.job,
        commandLine: process.argv.slice(1),
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
    if (r.summary) {
      console.log('over all series:');
      printSummary(r.summary);
    }
    console.log(`batch folder: ${r.outDir} (batch.json, series/<id>/, summary.json, results.jsonl, images/)`);
    if (r.report) console.log(`report: ${r.report}`);
    else if (r.reportError) console.log(`no report.pdf: ${r.reportError}`);
  });
}
