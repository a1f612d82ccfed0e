/**
 * `ct-audit reproduce ct-robustness [--preset quick|full]`: every training method for the same number of robust
 * steps as ord, ord trained until it has clearly left FBP, one audit of all with certification, and the papers'
 * claim decided per method by a paired test per radius (engine/reproduce/ct-robustness.ts). A subcommand of the
 * `reproduce` group (reproduce.ts).
 */
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { formatReport } from '@shared/reproduce-verdict';
import {
  CT_ROBUSTNESS_PRESET_NAMES,
  runCtRobustness,
  type CtRobustnessOutcome,
  type CtRobustnessPreset,
  type CtRobustnessPresetName,
} from '../../engine/reproduce';
import { METHOD_NAMES, type MethodName } from '../../engine/training';
import { parseChoice, parseIntOption, printJson, startBackend } from '../context';
import { formatDuration } from '@shared/progress-format';
import { printTable } from '../audit-output';
import { cliProgress } from '../progress';
import { fmt, pct, printScope } from '../reproduce-output';

interface CtRobustnessCliOptions {
  out: string;
  preset: CtRobustnessPresetName;
  methods?: string;
  size?: number;
  views?: number;
  steps?: number;
  maxSteps?: number;
  attackSteps?: number;
  samples?: number;
  phantoms?: number;
  json?: boolean;
  quiet?: boolean;
}

function printOutcome(r: CtRobustnessOutcome): void {
  const p = r.preset;
  console.log(
    `preset ${p.name}: ${p.size}x${p.size} px, ${p.views} views, ${p.model} U-Net, batch ${p.batchSize}, Adam ${p.learningRate} constant, ${p.stepsPerEpoch} steps per epoch`,
  );
  console.log(`training (ord's N = ${r.ordSteps} steps; every robust method >= N robust steps, checked):`);
  printTable(
    ['model', 'steps', 'robust', 'warm-up', 'plain', 'val PSNR', 'FBP', 'time'],
    r.models.map((m) => [
      m.name,
      String(m.account.steps),
      String(m.account.robustSteps),
      String(m.account.warmupSteps),
      String(m.account.plainSteps),
      fmt(m.validation?.psnr ?? null, 4),
      fmt(m.validation?.fbpPsnr ?? null, 4),
      m.reused ? `reused (${formatDuration(m.seconds)})` : formatDuration(m.seconds),
    ]),
  );
  const ord = r.models[0];
  for (const round of ord.rounds ?? [])
    console.log(
      `  ord round: ${round.steps} steps, clean validation PSNR ${fmt(round.psnr, 4)} dB vs FBP ${fmt(round.fbpPsnr, 4)} dB (gain ${fmt(round.psnr - round.fbpPsnr)} dB)`,
    );
  console.log("radii: the papers' in their own units, translated (data range read as 1000 HU), and ours:");
  printTable(
    ['source', 'radii (own units)', 'relative', 'HU-equivalent RMS', 'setting'],
    [
      ...r.radii.paper.map((x) => [
        `${x.paper} ${x.where.split(' (')[0]}`,
        x.radii.join(', ') + (x.trainRadius !== null ? ` (train ${x.trainRadius})` : ''),
        x.relative.map((v) => (v === null ? 'n/a' : pct(v))).join(', '),
        x.hu.map((v) => fmt(v)).join(', '),
        x.setting,
      ]),
      [
        'ours (pga-y)',
        r.radii.ours.map((e) => e.spec).join(', '),
        r.radii.ours.map((e) => (e.relative === null ? 'n/a' : pct(e.relative))).join(', '),
        r.radii.ours.map((e) => fmt(e.hu)).join(', '),
        'measurement y + delta, ||delta|| = eps, mean over the audit slices',
      ],
    ],
  );
  const n = r.audit.summary.slices.count;
  console.log(
    `rho-hat(eps) = mean Delta_max over ${n} slices (+- std [min, max]); vs ord: ratio, paired sign-flip p (Wilcoxon p):`,
  );
  const eps = r.claims.find((c) => c.comparisons.length > 0)?.comparisons.map((c) => c.spec) ?? [];
  printTable(
    ['method', 'clean', ...eps.map((e) => `eps ${e}`), ...eps.map((e) => `vs ord ${e}`), 'claim', 'verdict'],
    r.claims.map((c) => {
      const own = r.audit.summary.rhoHat.find((x) => x.model === c.method);
      return [
        c.method,
        fmt(c.clean.mean),
        ...(own?.points ?? []).map(
          (pt) =>
            `${fmt(pt.stats.mean)} +-${fmt(pt.stats.std, 2)} [${fmt(pt.stats.min, 2)}, ${fmt(pt.stats.max, 2)}]`,
        ),
        ...eps.map((_, k) => {
          const x = c.comparisons[k];
          return x ? `${fmt(x.ratio, 4)} p ${fmt(x.signFlip.p, 2)} (${fmt(x.wilcoxon.p, 2)})` : '-';
        }),
        c.claim === 'lower' ? `lower (${c.source})` : c.source,
        c.verdict ?? '-',
      ];
    }),
  );
  const best = r.audit.summary.certification?.bestSigma ?? [];
  if (best.length > 0) {
    console.log('certified PSNR at the best sigma per radius (smoothed error against the slice, c = 0.99):');
    const models = [...new Set(best.map((b) => b.model))];
    printTable(
      ['model', ...eps.map((e) => `eps ${e}`)],
      models.map((m) => [
        m,
        ...eps.map((_, k) => {
          const b = best.find((x) => x.model === m && x.epsIndex === k);
          return b?.meanCertifiedPsnr != null ? `${fmt(b.meanCertifiedPsnr, 4)} (${b.sigma})` : 'abstain';
        }),
      ]),
    );
  }
  for (const l of formatReport(r.report)) console.log(l);
  printScope(r.scope);
  console.log(
    `time: ${formatDuration(r.seconds.total)} (training ${formatDuration(r.seconds.train)}, audit ${formatDuration(r.seconds.audit)})`,
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
      "every training method for ord's step count (ord until it has left FBP), audited with certification; rho-hat(eps) per method with a paired test against ord (papers/000 and papers/002 section 4)",
    )
    .option(
      '--preset <name>',
      'quick (2 CPU cores, ~10 min) or full (a GPU)',
      parseChoice('preset', CT_ROBUSTNESS_PRESET_NAMES),
      'quick',
    )
    .option('--methods <list>', `methods (default all: ${METHOD_NAMES.join(',')}; ord is required)`)
    .option('--size <N>', "image side (default: the preset's)", parseIntOption('size', 8, 2048))
    .option('--views <A>', "views (default: the preset's)", parseIntOption('views', 1, 10000))
    .option('--steps <n>', "ord's first round of steps (default: the preset's)", parseIntOption('steps', 1))
    .option('--max-steps <n>', "ord's step cap (default: the preset's)", parseIntOption('max-steps', 1))
    .option('--attack-steps <n>', 'pga-y steps per radius', parseIntOption('attack-steps', 0))
    .option('--samples <S>', 'smoothing samples per radius and sigma', parseIntOption('samples', 1))
    .option(
      '--phantoms <n>',
      'held-out phantoms audited next to the 4 CT slices',
      parseIntOption('phantoms', 1),
    )
    .option('--out <dir>', 'output folder (models/, audit/, reproduce.json)', 'reproduce-ct-robustness')
    .option('--json', 'print the outcome as JSON')
    .option('--quiet', 'no progress line')
    .action(async (o: CtRobustnessCliOptions, c: Command) => {
      const methods = o.methods
        ?.split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
      for (const m of methods ?? [])
        if (!(METHOD_NAMES as readonly string[]).includes(m))
          throw new UsageError(`--methods: unknown method "${m}"; choose from ${METHOD_NAMES.join(', ')}`);
      const overrides: Partial<CtRobustnessPreset> = {};
      if (methods) overrides.methods = methods as MethodName[];
      if (o.size !== undefined) overrides.size = o.size;
      if (o.views !== undefined) overrides.views = o.views;
      if (o.steps !== undefined) overrides.initialSteps = o.steps;
      if (o.maxSteps !== undefined) overrides.maxSteps = o.maxSteps;
      if (o.attackSteps !== undefined) overrides.attackSteps = o.attackSteps;
      if (o.samples !== undefined) overrides.samples = o.samples;
      if (o.phantoms !== undefined) overrides.phantoms = o.phantoms;
      if (o.steps !== undefined && o.maxSteps === undefined)
        overrides.maxSteps = Math.max(o.steps, 4 * o.steps);
      await startBackend(c);
      const progress = cliProgress({ quiet: o.quiet || o.json });
      try {
        const r = await runCtRobustness({
          outDir: o.out,
          preset: o.preset,
          overrides,
          job: progress.job,
          commandLine: process.argv.slice(1),
        });
        progress.done();
        if (o.json) printJson(r);
        else printOutcome(r);
      } finally {
        progress.done();
      }
    });
}
