/**
 * `ct-audit reproduce ct-robustness [--budget minutes]`: every training method on the same phantoms and the
 * same time budget, one audit of all (engine/audit/ct-robustness.ts), and the rho-hat(eps) table with the
 * papers' claim next to it and whether this run agrees. A subcommand of the `reproduce` group (reproduce.ts).
 */
import type { Command } from 'commander';
import { makeGeometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { runCtRobustness, type CtRobustnessOutcome } from '../../engine/audit/ct-robustness';
import { FBPCONVNET_PRESET_NAMES, type FbpConvNetPresetName } from '../../engine/models';
import { METHOD_NAMES } from '../../engine/training';
import { parseChoice, parseIntOption, parseNumberOption, printJson, startBackend } from '../context';
import { formatDuration } from '@shared/progress-format';
import { printTable } from '../audit-output';
import { cliProgress } from '../progress';

interface CtRobustnessCliOptions {
  out: string;
  budget: number;
  steps?: number;
  methods?: string;
  size?: number;
  views?: number;
  preset: FbpConvNetPresetName;
  attackSteps?: number;
  phantoms?: number;
  json?: boolean;
  quiet?: boolean;
}

function printOutcome(r: CtRobustnessOutcome): void {
  for (const m of r.models) {
    console.log(
      `${m.method}: ${m.card.training?.completedSteps ?? '?'} steps` +
        (m.medianStepMs !== null ? ` (${m.medianStepMs.toFixed(0)} ms/step)` : '') +
        (m.reused ? ', reused' : `, trained in ${formatDuration(m.seconds)}`),
    );
  }
  const t = r.table;
  const eps = t.rows[0]?.rhoHat.map((p) => p.spec) ?? [];
  console.log(
    `rho-hat(eps) (mean Delta_max over ${r.audit.summary.slices.count} slice(s); in brackets: ratio to ord), with the papers' claim (lower than ord at eps > 0):`,
  );
  printTable(
    ['method', 'clean', ...eps.map((e) => `eps ${e}`), 'papers claim', 'this run'],
    t.rows.map((row) => [
      row.method,
      row.clean.toPrecision(4),
      ...row.rhoHat.map(
        (p) => `${p.value.toPrecision(4)}${p.vsOrd !== null ? ` (${p.vsOrd.toFixed(2)})` : ''}`,
      ),
      row.claim === 'lower' ? `lower (${row.source})` : row.source,
      row.agrees === null ? '-' : row.agrees ? 'agrees' : 'disagrees',
    ]),
  );
  console.log(
    t.agreesOverall === null
      ? 'no claim could be checked (is ord among the methods?)'
      : t.agreesOverall
        ? 'this run agrees with the claim for every claimed method'
        : `this run does not agree for: ${t.rows
            .filter((x) => x.agrees === false)
            .map((x) => x.method)
            .join(', ')}`,
  );
  console.log(`audit folder: ${r.audit.outDir}${r.audit.report ? `; report: ${r.audit.report}` : ''}`);
}

/** Adds `ct-robustness` to the `reproduce` group (registered before by registerReproduce). */
export function registerReproduceCtRobustness(program: Command): void {
  const group = program.commands.find((c) => c.name() === 'reproduce');
  if (!group) throw new Error('registerReproduceCtRobustness: register the reproduce group first');
  group
    .command('ct-robustness')
    .description(
      "train every method on the same phantoms and budget, audit all (pga-y), print rho-hat(eps) with the papers' claim (papers/000 section 4, papers/002 section 4)",
    )
    .option('--budget <minutes>', 'training minutes per method', parseNumberOption('budget', 0.05, 1000), 1)
    .option('--steps <n>', 'a fixed step count per method instead of --budget', parseIntOption('steps', 1))
    .option('--methods <list>', `methods (default all: ${METHOD_NAMES.join(',')})`)
    .option('--size <N>', 'image side (default: the demo geometry, 128)', parseIntOption('size', 8, 2048))
    .option('--views <A>', 'views (default 36)', parseIntOption('views', 1, 10000))
    .option('--preset <name>', 'FBPConvNet preset', parseChoice('preset', FBPCONVNET_PRESET_NAMES), 'tiny')
    .option('--attack-steps <n>', 'pga-y steps per radius (default 20)', parseIntOption('attack-steps', 0))
    .option(
      '--phantoms <n>',
      'held-out phantoms audited next to the bundled CT slices (default 4)',
      parseIntOption('phantoms', 0),
    )
    .option('--out <dir>', 'output folder (models/ and audit/)', 'reproduce-ct-robustness')
    .option('--json', 'print the table as JSON')
    .option('--quiet', 'no progress line')
    .action(async (o: CtRobustnessCliOptions, c: Command) => {
      const methods = o.methods
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      for (const m of methods ?? [])
        if (!(METHOD_NAMES as readonly string[]).includes(m))
          throw new UsageError(`--methods: unknown method "${m}"; choose from ${METHOD_NAMES.join(', ')}`);
      if ((o.size === undefined) !== (o.views === undefined))
        throw new UsageError('--size and --views go together');
      await startBackend(c);
      const progress = cliProgress({ quiet: o.quiet || o.json });
      try {
        const r = await runCtRobustness({
          outDir: o.out,
          budgetMinutes: o.budget,
          steps: o.steps,
          methods,
          geometry:
            o.size !== undefined ? makeGeometry({ size: o.size, views: o.views as number }) : undefined,
          preset: o.preset,
          phantoms: o.phantoms,
          audit: o.attackSteps !== undefined ? { attack: { steps: o.attackSteps } } : undefined,
          job: progress.job,
          commandLine: process.argv.slice(1),
        });
        progress.done();
        if (o.json)
          printJson({
            models: r.models.map(({ card: _c, ...m }) => m),
            table: r.table,
            summary: r.audit.summary,
          });
        else printOutcome(r);
      } finally {
        progress.done();
      }
    });
}
