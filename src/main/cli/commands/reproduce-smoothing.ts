/**
 * `ct-audit reproduce smoothing [--preset quick|full] [--task denoise|ct|both]`: papers/002 Tables 1 and 2 on
 * denoising (Fashion-MNIST, A = I) and CT, the paper's rows beside ours, each table with its computed verdict
 * (engine/reproduce/smoothing.ts). A subcommand of the `reproduce` group (reproduce.ts).
 */
import type { Command } from 'commander';
import { formatReport } from '@shared/reproduce-verdict';
import {
  modelLabel,
  runSmoothing,
  SMOOTHING_PRESET_NAMES,
  type SmoothingOutcome,
  type SmoothingPreset,
  type SmoothingPresetName,
  type SmoothingTask,
  type SmoothingTaskOutcome,
  PAPER_TABLE_2,
} from '../../engine/reproduce';
import { parseChoice, parseIntOption, printJson, startBackend } from '../context';
import { formatDuration } from '@shared/progress-format';
import { printTable } from '../audit-output';
import { cliProgress } from '../progress';
import { fmt } from '../reproduce-output';

interface SmoothingCliOptions {
  out: string;
  preset: SmoothingPresetName;
  task: 'denoise' | 'ct' | 'both';
  steps?: number;
  testImages?: number;
  samples?: number;
  attackSteps?: number;
  train?: string;
  test?: string;
  json?: boolean;
  quiet?: boolean;
}

function printTask(t: SmoothingTaskOutcome): void {
  console.log(`\n== ${t.task}: ${t.description}`);
  console.log(`training (every model ${t.ordSteps} steps using its robustness term, checked):`);
  printTable(
    ['model', 'steps', 'robust', 'val PSNR', 'initial', 'time'],
    t.models.map((m) => [
      modelLabel(m.name),
      String(m.account.steps),
      String(m.account.robustSteps),
      fmt(m.validation?.psnr, 4),
      fmt(m.validation?.fbpPsnr, 4),
      m.reused ? `reused (${formatDuration(m.seconds)})` : formatDuration(m.seconds),
    ]),
  );
  console.log(
    `test radii (grey levels -> our entry -> l2 norm): ${t.radii.map((r) => `${r.grey} -> ${r.entry} -> ${fmt(r.l2)}`).join('; ')}`,
  );
  console.log(
    `test sigmas (grey levels -> entry): ${t.sigmas.map((s) => `${s.grey} -> ${s.entry}`).join('; ')}`,
  );
  console.log(
    `Table 1 analogue over ${t.slices} test images: PSNR (10 log10 1/MSE, range 1); per radius: sigma 0 | best sigma (its value); paper / ours; ours certified PSNR at the best sigma:`,
  );
  const header = [
    'model',
    'clean',
    ...t.paper.radii.flatMap((e) => [`eps ${e}: sigma 0`, `best sigma`, 'certified']),
  ];
  const paperRow = (name: string) => t.paper.rows.find((r) => r.name === name);
  printTable(
    header,
    t.table1.map((row) => {
      const pr = paperRow(row.name);
      return [
        modelLabel(row.name),
        `${pr ? pr.clean.toFixed(2) : '-'} / ${row.clean.toFixed(2)}`,
        ...row.cells.flatMap((c, k) => [
          `${pr ? pr.cells[k][0].toFixed(2) : '-'} / ${c.perturbed.toFixed(2)}`,
          `${pr ? `${pr.cells[k][1].toFixed(2)} (${t.paper.bestSigma[k]})` : '-'} / ${c.smoothed.toFixed(2)} (${c.bestSigma})`,
          c.certified !== null ? c.certified.toFixed(2) : `abstain ${c.abstentions}`,
        ]),
      ];
    }),
  );
  for (const l of formatReport(t.reports.table1)) console.log(l);
  console.log(
    `Table 2 analogue at eps ${t.table2Eps} (the best sigma of each model): PSNR (MSE against the slice); the paper's row (its own task and setting) beside ours:`,
  );
  printTable(
    [
      'model',
      'paper setting',
      'paper median',
      'paper certified',
      'ours median',
      'certified at eps',
      'at paper ratio',
    ],
    t.table2.map((r) => {
      const pr = PAPER_TABLE_2.rows.find((x) => x.name === r.name);
      const cell = (v: { psnr: number; mse: number } | null, abst: number) =>
        v ? `${v.psnr.toFixed(3)} (${v.mse.toExponential(3)})` : `abstain ${abst}`;
      return [
        modelLabel(r.name),
        pr ? pr.setting : '-',
        pr ? `${pr.median.psnr} (${pr.median.discrepancy.toExponential(3)})` : '-',
        pr ? `${pr.certified.psnr} (${pr.certified.discrepancy.toExponential(3)})` : '-',
        `${r.median.psnr.toFixed(3)} (${r.median.mse.toExponential(3)}), sigma ${r.sigma}`,
        cell(r.certifiedAttack, r.attackAbstentions),
        cell(r.certifiedRatio, r.ratioAbstentions),
      ];
    }),
  );
  for (const l of formatReport(t.reports.table2)) console.log(l);
  console.log(
    `time: training ${formatDuration(t.seconds.train)}, evaluation ${formatDuration(t.seconds.evaluate)}`,
  );
}

function printOutcome(r: SmoothingOutcome): void {
  const p = r.preset;
  console.log(
    `preset ${p.name}: ${p.model} U-Net, batch ${p.batchSize}, Adam ${p.learningRate} constant; ${p.attackSteps} attack steps, S = ${p.samples}, c = 0.99`,
  );
  console.log(`pixel range: ${r.units.statement}`);
  printTable(
    ['eps', 'Ord clean RMS', 'perturbed RMS', 'gain (per-pixel reading)', 'gain (l2 on 0..255)'],
    r.units.reading.map((u) => [
      String(u.eps),
      fmt(u.cleanRms),
      fmt(u.perturbedRms),
      fmt(u.gainPerPixel),
      fmt(u.gainL2On255),
    ]),
  );
  console.log(
    `consequence: Table 2's printed eps/sigma = 10/13 = 0.77 is ||xi||/sigma = ${fmt(r.units.table2TrueRatio)} on 256 x 256 images; no S certifies that`,
  );
  console.log(`datasets: ${r.datasetsNote}`);
  for (const t of r.tasks) printTask(t);
  console.log('\nverdicts:');
  for (const t of r.tasks) {
    console.log(`  ${t.task} Table 1: ${t.reports.table1.verdictLine}`);
    console.log(`  ${t.task} Table 2: ${t.reports.table2.verdictLine}`);
  }
  console.log(`time: ${formatDuration(r.seconds)}`);
}

/** Adds `smoothing` to the `reproduce` group (registered before by registerReproduce). */
export function registerReproduceSmoothing(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'reproduce');
  if (!group) throw new Error('registerReproduceSmoothing: register the reproduce group first');
  group
    .command('smoothing')
    .description(
      'papers/002 Tables 1-2: Ord, Smt-Adv, Smt-Grad (several training sigmas), Adv, Jcb on denoising (Fashion-MNIST) and CT; perturbed, smoothed and certified PSNR beside the paper',
    )
    .option(
      '--preset <name>',
      'quick (2 CPU cores, a few minutes per task) or full (a GPU)',
      parseChoice('preset', SMOOTHING_PRESET_NAMES),
      'quick',
    )
    .option(
      '--task <t>',
      'denoise, ct or both',
      parseChoice('task', ['denoise', 'ct', 'both'] as const),
      'both',
    )
    .option('--steps <n>', "ord's first round of steps (default: the preset's)", parseIntOption('steps', 1))
    .option('--test-images <n>', 'denoising test images', parseIntOption('test-images', 1))
    .option('--samples <S>', 'smoothing samples per radius and sigma', parseIntOption('samples', 1))
    .option('--attack-steps <n>', 'pgd-x steps per radius', parseIntOption('attack-steps', 0))
    .option('--train <spec>', 'denoising training data (default fashion-mnist:train)')
    .option('--test <spec>', 'denoising test data (default fashion-mnist:test)')
    .option('--out <dir>', 'output folder (<task>/models/, smoothing.json)', 'reproduce-smoothing')
    .option('--json', 'print the outcome as JSON')
    .option('--quiet', 'no progress line')
    .action(async (o: SmoothingCliOptions, c: Command) => {
      const overrides: Partial<SmoothingPreset> = {};
      if (o.steps !== undefined) {
        overrides.initialSteps = o.steps;
        overrides.maxSteps = 4 * o.steps;
      }
      if (o.testImages !== undefined) overrides.testImages = o.testImages;
      if (o.samples !== undefined) overrides.samples = o.samples;
      if (o.attackSteps !== undefined) overrides.attackSteps = o.attackSteps;
      const tasks: SmoothingTask[] = o.task === 'both' ? ['denoise', 'ct'] : [o.task];
      await startBackend(c);
      const progress = cliProgress({ quiet: o.quiet || o.json });
      try {
        const r = await runSmoothing({
          outDir: o.out,
          preset: o.preset,
          tasks,
          overrides,
          data: { denoiseTrain: o.train, denoiseTest: o.test },
          job: progress.job,
        });
        progress.done();
        if (o.json) printJson(r);
        else printOutcome(r);
      } finally {
        progress.done();
      }
    });
}
