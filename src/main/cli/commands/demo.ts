/**
 * `ct-audit demo --out <dir>` (`npm run demo`): the main job on bundled data (engine/audit/demo.ts): trains
 * small ord / minmax / smt-grad FBPConvNets on phantoms, audits them with FBP on the bundled CT slices and
 * held-out phantoms, writes the report and says where it is. Run again into the same folder, it reuses the
 * finished models and resumes the audit.
 */
import type { Command } from 'commander';
import { JobCancelledError } from '@shared/errors';
import { DEMO_METHODS, DEMO_TRAIN_STEPS, runDemo } from '../../engine/audit/demo';
import { parseIntOption, startBackend } from '../context';
import { formatDuration } from '@shared/progress-format';
import { printSummary } from '../audit-output';
import { cliProgress } from '../progress';

interface DemoCliOptions {
  out: string;
  steps?: number;
  quiet?: boolean;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      `the main job on bundled data: train ${DEMO_METHODS.join(', ')} FBPConvNets (tiny) on phantoms, audit them with FBP (pga-y, certification), write the report`,
    )
    .option('--out <dir>', 'output folder (models/ and audit/)', 'demo-output')
    .option(
      '--steps <n>',
      `training steps per method (default ${DEMO_TRAIN_STEPS})`,
      parseIntOption('steps', 1, 1_000_000),
    )
    .option('--quiet', 'no progress line')
    .action(async (o: DemoCliOptions, c: Command) => {
      await startBackend(c);
      const progress = cliProgress({ quiet: o.quiet });
      let r;
      try {
        r = await runDemo({
          outDir: o.out,
          steps: o.steps,
          job: progress.job,
          commandLine: process.argv.slice(1),
        });
      } catch (e) {
        progress.done();
        if (e instanceof JobCancelledError) {
          throw new JobCancelledError(
            `demo cancelled; run the same command again to continue (finished models are reused, the audit resumes)`,
          );
        }
        throw e;
      }
      progress.done();
      for (const m of r.models) {
        const fin = m.card.metrics.final;
        const q = fin
          ? `validation PSNR ${fin.psnr.toFixed(2)} dB (FBP ${fin.fbpPsnr.toFixed(2)} dB) on ${fin.slices} phantoms`
          : '';
        console.log(
          `model ${m.method}: ${m.card.training?.completedSteps ?? '?'} steps${m.reused ? ' (reused)' : ` in ${formatDuration(m.seconds)}`}; ${q}`,
        );
      }
      printSummary(r.audit.summary);
      console.log(
        `time: training ${formatDuration(r.seconds.train)}, audit ${formatDuration(r.seconds.audit)}, total ${formatDuration(r.seconds.total)}`,
      );
      console.log(`audit folder: ${r.audit.outDir}`);
      if (r.audit.report) console.log(`report: ${r.audit.report}`);
      else if (r.audit.reportError) console.log(`no report.pdf: ${r.audit.reportError}`);
    });
}
