/**
 * The audit-shaped commands share one action: build the spec from a spec file and flags, run the audit
 * runner (engine/audit) with a progress line, print the outcome or the summary as JSON. `audit`, `attack` and
 * `certify` differ only in defaults laid under the flags (attack: no certification, no report; certify: no
 * report), so the same slice, model and settings give the same numbers whichever command computed them.
 * Without --out, `attack` and `certify` work in a temporary folder that is removed afterwards.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { JobCancelledError, UsageError } from '@shared/errors';
import { runAudit, type AuditOutcome } from '../engine/audit';
import { specFromOptions, type AuditCliOptions } from './audit-options';
import { printOutcome } from './audit-output';
import { cliProgress } from './progress';
import { printJson, startBackend } from './context';

export interface AuditActionDefaults {
  /** Spec fields laid under the file and the flags (e.g. { certification: { enabled: false } }). */
  under?: Record<string, Record<string, unknown> | unknown>;
  /** Work in a temporary folder when --out is not given. */
  temporaryOut?: boolean;
  command: string;
}

export async function runAuditCommand(
  o: AuditCliOptions,
  c: Command,
  d: AuditActionDefaults,
): Promise<AuditOutcome> {
  const tmp =
    !o.out && d.temporaryOut ? await fs.mkdtemp(path.join(os.tmpdir(), `ct-audit-${d.command}-`)) : undefined;
  const outDir = (o.out as string | undefined) ?? tmp;
  try {
    const spec = await specFromOptions({ ...o, out: outDir }, undefined, d.under);
    if (!outDir && !spec?.output) throw new UsageError('give --out <dir> (the audit folder)');
    await startBackend(c);
    const progress = cliProgress({ quiet: Boolean(o.quiet || o.json) });
    let r: AuditOutcome;
    try {
      r = await runAudit({
        spec,
        outDir,
        resume: Boolean(o.resume),
        job: progress.job,
        commandLine: process.argv.slice(1),
      });
    } catch (e) {
      progress.done();
      if (e instanceof JobCancelledError && !tmp) {
        throw new JobCancelledError(
          `${d.command} cancelled; the completed slices are in ${outDir}/results.jsonl — continue with the same command and --resume`,
        );
      }
      throw e;
    } finally {
      progress.done();
    }
    if (o.json) printJson(r.summary);
    else {
      printOutcome(r);
      if (tmp) console.log('(no --out: the audit folder was temporary and is removed)');
    }
    return r;
  } finally {
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  }
}
