/**
 * `ct-audit reproduce <experiment>`: re-runs a paper experiment and prints our numbers next to the paper's.
 * A command group; experiments are subcommands (`linear-theory` here, `ct-robustness` and `smoothing` in their files).
 */
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { formatReport } from '@shared/reproduce-verdict';
import {
  ENTRY_SCALE_READINGS,
  LINEAR_THEORY_DEFAULTS,
  MINMAX_TRAIN_DEFAULTS,
  linearTheoryReport,
  runLinearTheory,
} from '../../engine/linear-theory';
import { parseIntOption, printJson } from '../context';
import { cliProgress } from '../progress';

interface LinearTheoryCliOptions {
  seed: string;
  samples: number;
  steps: number;
  center: boolean;
  entryScale: string;
  draws: number;
  sgdSteps: number;
  json?: boolean;
}

/** `--entry-scale variance|std|<std>`: the standard deviation of A's entries for m measurements. */
export function parseEntryScale(text: string, m: number): number {
  const t = text.trim().toLowerCase();
  if (t === 'variance' || t === 'std') return ENTRY_SCALE_READINGS[t](m);
  const v = Number(t);
  if (t === '' || !(v > 0) || !Number.isFinite(v)) {
    throw new UsageError(
      `--entry-scale "${text}": give variance (N(0, 1/10) as a variance: std 0.316), std (std 0.1) or a positive standard deviation`,
    );
  }
  return v;
}

export function registerReproduce(program: Command): void {
  const group = program
    .command('reproduce')
    .description('re-run an experiment of the papers and print our numbers next to the published ones');

  group
    .command('linear-theory')
    .description(
      'papers/000 section 4.4: closed-form robust B of Theorem 1 vs B-hat learned by min-max training (eq. 12)',
    )
    .option('--seed <s>', 'seed for A, the samples and the training', '0')
    .option(
      '--samples <N>',
      'number of samples x',
      parseIntOption('samples', 10, 10_000_000),
      LINEAR_THEORY_DEFAULTS.samples,
    )
    .option(
      '--steps <T>',
      'min-max training steps',
      parseIntOption('steps', 1, 100_000_000),
      MINMAX_TRAIN_DEFAULTS.steps,
    )
    .option('--no-center', 'do not subtract the sample mean (Theorem 1 assumes E x = 0)')
    .option(
      '--entry-scale <s>',
      "A's entries: variance (the paper's N(0, 1/10) read as a variance: std 0.316), std (read as a standard deviation: 0.1) or a standard deviation",
      'variance',
    )
    .option(
      '--draws <K>',
      'draws of A for the spread of kappa(B) under each reading (0: skip)',
      parseIntOption('draws', 0, 1_000_000),
      LINEAR_THEORY_DEFAULTS.draws,
    )
    .option(
      '--sgd-steps <T>',
      "steps of the paper's SGD (lr 0.001, momentum 0.9) tracked under each reading (0: skip)",
      parseIntOption('sgd-steps', 0, 100_000_000),
      LINEAR_THEORY_DEFAULTS.trajectorySteps,
    )
    .option('--json', 'print the result as JSON')
    .action((o: LinearTheoryCliOptions) => {
      const seed = /^-?\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
      const progress = cliProgress({
        quiet: o.json,
        sigint: false,
        decorate: (p) => (p.phase === 'train' ? { ...p, phase: 'training B-hat' } : p),
      });
      const job = progress.job;
      const entryStd = parseEntryScale(o.entryScale, LINEAR_THEORY_DEFAULTS.m);
      const r = runLinearTheory(
        {
          seed,
          samples: o.samples,
          center: o.center,
          entryStd,
          draws: o.draws,
          trajectorySteps: o.sgdSteps,
          train: { steps: o.steps },
        },
        job,
      );
      progress.done();
      const report = linearTheoryReport(r);
      if (o.json) {
        printJson({ ...r, report });
        return;
      }
      const s = r.settings;
      console.log(
        `settings: x in R^${s.n} ~ N(0, I), ${s.samples} samples${s.center ? ' (centered)' : ''}, A ${s.m}x${s.n} ` +
          `(entries std ${r.entryStd.toPrecision(4)}) with singular values ${s.replacedSingularValues.join(', ')} ` +
          `replaced, lambda ${s.lambda}, eps ${s.eps}, seed ${r.seed}; ${r.seconds.toFixed(1)} s`,
      );
      for (const line of formatReport(report)) console.log(line);
    });
}
