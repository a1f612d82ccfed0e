/**
 * `ct-audit report --from <audit-dir>`: rebuilds summary.json from results.jsonl alone and writes the PDF
 * report of the folder again (an audit or a batch folder). The input files named in manifest.json are read
 * again, when they are still there, for the patient identifiers to redact (never written).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { parseAuditSpec } from '@shared/audit-spec';
import { InputError } from '@shared/errors';
import {
  readIdentifiers,
  readManifest,
  redactionTerms,
  writeAuditReport,
  writeSummary,
  SPEC_FILE,
} from '../../engine/audit';
import { BATCH_FILE, seriesNotes, type BatchRecord } from '../../engine/audit/batch';
import { printJson } from '../context';
import { printSummary } from '../audit-output';

interface ReportCliOptions {
  from: string;
  json?: boolean;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('rebuild summary.json from results.jsonl and write report.pdf of an audit (or batch) folder')
    .requiredOption('--from <audit-dir>', 'the audit folder (holds spec.json, manifest.json, results.jsonl)')
    .option('--json', 'print the rebuilt summary as JSON')
    .action(async (o: ReportCliOptions) => {
      const dir = o.from;
      let specText: string;
      try {
        specText = await fs.readFile(path.join(dir, SPEC_FILE), 'utf8');
      } catch {
        throw new InputError(
          `${dir}: no ${SPEC_FILE}; give the folder of an audit (ct-audit audit --out ...)`,
        );
      }
      const spec = parseAuditSpec(JSON.parse(specText));
      const summary = await writeSummary(dir, spec.report.worstSlices);
      const manifest = await readManifest(dir);
      const ids = [];
      if (manifest && spec.phi === 'exclude') {
        for (const f of manifest.data.files) {
          const exists = await fs.stat(f.path).then(
            () => true,
            () => false,
          );
          if (exists) ids.push(await readIdentifiers(f.path));
        }
      }
      // A batch folder: its series table goes into the report's notes, as at the end of the batch.
      const batch = await fs
        .readFile(path.join(dir, BATCH_FILE), 'utf8')
        .then((t) => JSON.parse(t) as BatchRecord)
        .catch(() => null);
      const r = await writeAuditReport(dir, {
        redactTerms: redactionTerms(ids),
        extraNotes: batch ? seriesNotes(batch.series) : undefined,
      });
      if (o.json) {
        printJson(summary);
        return;
      }
      printSummary(summary);
      console.log(`rebuilt ${path.join(dir, 'summary.json')} from results.jsonl (${summary.lines} lines)`);
      if (r.path) console.log(`report: ${r.path}`);
      else console.log(`no report.pdf: ${r.error}`);
    });
}
