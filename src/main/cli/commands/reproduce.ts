/**
 * `ct-audit reproduce <experiment>`: re-runs a paper experiment and prints our numbers next to the paper's.
 * A command group; experiments are subcommands (`linear-theory` now, `ct-robustness` later).
 */
import type { Command } from 'commander';
import { createJobContext } from '../../engine/job-context';
import {
  LINEAR_THEORY_DEFAULTS,
  MINMAX_TRAIN_DEFAULTS,
  runLinearTheory,
  type LinearTheoryResult,
} from '../../engine/linear-theory';
import { parseIntOption, printJson } from '../context';

interface LinearTheoryCliOptions {
  seed: string;
  samples: number;
  steps: number;
  center: boolean;
  json?: boolean;
}

function fmt(v: number, digits = 5): string {
  return Number.isFinite(v) ? v.toPrecision(digits) : String(v);
}

function printLinearTheory(r: LinearTheoryResult): void {
  const s = r.settings;
  console.log(
    `linear theory (papers/000 section 4.4): x in R^${s.n} ~ N(0, I), ${s.samples} samples${s.center ? ' (centered)' : ''}, ` +
      `A ${s.m}x${s.n} with singular values ${s.replacedSingularValues.join(', ')} replaced, ` +
      `lambda ${s.lambda}, eps ${s.eps}, seed ${r.seed}`,
  );
  console.log(
    `B-hat: ${s.train.steps} min-max steps (Adam, lr ${s.train.learningRate} -> ${s.train.finalLearningRate}) in ${r.seconds.toFixed(1)} s`,
  );
  const rows: [string, number, number][] = [
    ['||B-hat - B||_F / ||B||_F', r.relFrobenius, r.paper.relFrobenius],
    ['||B-hat - B||_2 / ||B||_2', r.relSpectral, r.paper.relSpectral],
    ['||I - B A||_F / ||I - B-hat A||_F', r.residualRatio, r.paper.residualRatio],
    ['kappa(B)', r.kappaB, r.paper.kappaB],
    ['kappa(B-hat)', r.kappaBHat, r.paper.kappaBHat],
  ];
  const w = Math.max(...rows.map((x) => x[0].length));
  console.log(`${'metric'.padEnd(w)}  ${'ours'.padStart(10)}  ${'paper'.padStart(10)}`);
  for (const [name, ours, paper] of rows) {
    console.log(`${name.padEnd(w)}  ${fmt(ours).padStart(10)}  ${fmt(paper).padStart(10)}`);
  }
  console.log(
    `Theorem 1's m chosen by minimizing the objective: m = ${r.m} (q_m ${fmt(r.qm, 4)}, kappa(B) ${fmt(r.kappaB, 4)}); ` +
      `with m = ${r.mReplaced.m} (the number of replaced values) kappa(B) would be ${fmt(r.mReplaced.kappaB, 4)}, ` +
      `a choice that is ${r.mReplaced.consistent ? 'consistent' : 'inconsistent (q_m < 1/S_(m+1))'} and has a ` +
      `${r.mReplaced.objective > r.objectiveB ? 'higher' : 'lower'} objective (${fmt(r.mReplaced.objective, 8)} vs ${fmt(r.objectiveB, 8)}).`,
  );
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
    .option('--json', 'print the result as JSON')
    .action((o: LinearTheoryCliOptions) => {
      const seed = /^-?\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
      const showProgress = !o.json && process.stderr.isTTY;
      const job = createJobContext({
        onProgress: showProgress
          ? (p) => {
              const eta = p.etaSeconds !== undefined ? `, ${p.etaSeconds.toFixed(0)} s left` : '';
              process.stderr.write(`\rtraining B-hat: ${p.step}/${p.total}${eta}   `);
              if (p.step === p.total) process.stderr.write('\n');
            }
          : undefined,
      });
      const r = runLinearTheory(
        { seed, samples: o.samples, center: o.center, train: { steps: o.steps } },
        job,
      );
      if (o.json) printJson(r);
      else printLinearTheory(r);
    });
}
