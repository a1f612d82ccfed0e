/**
 * `ct-audit train`: train a reconstructor (FBPConvNet preset) with one method on DICOM / .npy / random
 * ellipses, with progress (../progress.ts: loss, learning rate, step time, ETA; a line per validation),
 * checkpoints and --resume; writes model.json + weights.bin + card.json to
 * --out. `--json` prints the final model card.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { GEOMETRY_PRESETS, describeGeometry, makeGeometry, type GeometryPresetName } from '@shared/geometry';
import { parseNoiseSpec } from '@shared/noise-spec';
import { parsePhysics } from '@shared/physics';
import { UsageError } from '@shared/errors';
import type { JobProgress } from '@shared/jobs';
import { FBPCONVNET_PRESET_NAMES, type FbpConvNetPresetName } from '../../engine/models';
import { FILTER_NAMES, type FilterName } from '../../engine/physics';
import { METHOD_NAMES, TRAIN_DEFAULTS, train } from '../../engine/training';
import { parseChoice, parseIntOption, parseNumberOption, printJson, startBackend } from '../context';
import { cliProgress } from '../progress';

/** A validation result as a line to keep in the log and on the terminal. */
function validationLine(p: JobProgress): string | null {
  if (p.phase !== 'validate') return null;
  const m = p.metrics ?? {};
  return (
    `epoch ${p.step}: validation PSNR ${m.psnr?.toFixed(2)} dB (FBP ${m.fbpPsnr?.toFixed(2)}), ` +
    `SSIM ${m.ssim?.toFixed(4)} (FBP ${m.fbpSsim?.toFixed(4)})`
  );
}

/** Training steps with their loss, learning rate and step time; validation shows as kept lines only. */
function trainingProgress(p: JobProgress): JobProgress | null {
  if (p.phase === 'validate') return null;
  if (p.phase !== 'train') return p;
  const m = p.metrics ?? {};
  const parts = [
    m.loss !== undefined ? `loss ${m.loss.toExponential(3)}` : null,
    m.learningRate !== undefined ? `lr ${m.learningRate.toExponential(1)}` : null,
    m.stepMs !== undefined ? `${m.stepMs.toFixed(0)} ms/step` : null,
  ].filter((t): t is string => t !== null);
  return { ...p, message: parts.join(' · ') };
}

const GEOMETRIES = Object.keys(GEOMETRY_PRESETS) as GeometryPresetName[];

interface TrainCliOptions {
  data: string;
  method: string;
  preset: FbpConvNetPresetName;
  geometry: GeometryPresetName;
  size?: number;
  views?: number;
  physics: string;
  epochs?: number;
  steps?: number;
  batch: number;
  seed: string;
  lr?: number;
  lrSchedule?: 'cosine' | 'constant';
  hp: Record<string, string>;
  noise: string;
  augment?: boolean;
  filter: FilterName;
  cutoff: number;
  validationFraction?: number;
  stepsPerEpoch?: number;
  checkpointEvery?: number;
  out: string;
  resume?: boolean;
  json?: boolean;
  allowNonCt?: boolean;
}

/** "--hp mu=1e-5" (repeatable, or comma-separated "eps=0.02,steps=3") into a map. */
function collectHyper(value: string, previous: Record<string, string>): Record<string, string> {
  const out = { ...previous };
  for (const part of value.split(',')) {
    const m = /^\s*([A-Za-z][A-Za-z0-9]*)\s*=\s*(\S+)\s*$/.exec(part);
    if (!m) throw new UsageError(`--hp "${part}": expected key=value (e.g. --hp mu=1e-5)`);
    out[m[1]] = m[2];
  }
  return out;
}

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description('train an FBPConvNet with one training method; writes model.json, weights.bin, card.json')
    .requiredOption(
      '--data <spec>',
      "training data: a DICOM file or folder, a .npy stack or folder, or 'ellipses'",
    )
    .requiredOption('--method <name>', `training method: ${METHOD_NAMES.join(', ')}`)
    .option(
      '--preset <name>',
      `FBPConvNet preset: ${FBPCONVNET_PRESET_NAMES.join(', ')}`,
      parseChoice('preset', FBPCONVNET_PRESET_NAMES),
      TRAIN_DEFAULTS.preset,
    )
    .option(
      '--geometry <name>',
      `geometry preset: ${GEOMETRIES.join(', ')} (overridden by --size/--views)`,
      parseChoice('geometry', GEOMETRIES),
      'demo',
    )
    .option('--size <N>', 'image side N in pixels', parseIntOption('size', 8, 2048))
    .option('--views <A>', 'views over [0, 180) degrees', parseIntOption('views', 1, 10000))
    .option(
      '--physics <p>',
      'forward model: radon (CT, default), denoise (A = I) or cs[:ratio=0.1,block=32,seed=0,init=pinv]',
      'radon',
    )
    .option('--epochs <E>', `epochs (default ${TRAIN_DEFAULTS.epochs})`, parseIntOption('epochs', 1))
    .option('--steps <S>', 'total optimizer steps (instead of --epochs)', parseIntOption('steps', 1))
    .option('--batch <B>', 'batch size', parseIntOption('batch', 1, 4096), TRAIN_DEFAULTS.batchSize)
    .option('--seed <s>', 'run seed (data order, initialization, noise, method draws)', '0')
    .option(
      '--lr <rate>',
      `Adam learning rate (default ${TRAIN_DEFAULTS.learningRate})`,
      parseNumberOption('lr', 0),
    )
    .option(
      '--lr-schedule <s>',
      'cosine or constant',
      parseChoice('lr-schedule', ['cosine', 'constant'] as const),
    )
    .option(
      '--hp <key=value>',
      'method hyperparameter, repeatable (see the method table in training/defaults.ts)',
      collectHyper,
      {},
    )
    .option(
      '--noise <spec>',
      'measurement noise: none | gaussian:<sigma> | gaussian:<r>% | poisson:<I0>',
      'none',
    )
    .option('--no-augment', 'no flips / 90-degree rotations (default: on for DICOM and .npy data)')
    .option(
      '--filter <name>',
      `FBP filter: ${FILTER_NAMES.join(', ')}`,
      parseChoice('filter', FILTER_NAMES),
      'ram-lak',
    )
    .option('--cutoff <c>', 'FBP filter cutoff in (0, 1]', parseNumberOption('cutoff', 0, 1), 1)
    .option(
      '--validation-fraction <f>',
      'slices held out by series',
      parseNumberOption('validation-fraction', 0, 0.9),
    )
    .option(
      '--steps-per-epoch <n>',
      'steps per epoch for generated data (ellipses)',
      parseIntOption('steps-per-epoch', 1),
    )
    .option('--checkpoint-every <n>', 'checkpoint every n steps', parseIntOption('checkpoint-every', 1))
    .option('--allow-non-ct', 'accept non-CT DICOM modalities')
    .requiredOption('--out <dir>', 'model folder (also holds the checkpoint)')
    .option('--resume', 'continue from the checkpoint in --out (same settings)')
    .option('--json', 'print the final model card as JSON on stdout')
    .action(async (o: TrainCliOptions, cmd: Command) => {
      const preset = GEOMETRY_PRESETS[o.geometry];
      const geometry = makeGeometry({
        size: o.size ?? preset.size,
        views: o.views ?? preset.views,
        physics: parsePhysics(o.physics),
      });
      if (o.epochs !== undefined && o.steps !== undefined)
        throw new UsageError('give --epochs or --steps, not both');
      const noise = parseNoiseSpec(o.noise);
      const seed = /^-?\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
      // commander sets augment = true unless --no-augment; only an explicit --no-augment overrides the default.
      const augment = cmd.getOptionValueSource('augment') === 'cli' ? o.augment : undefined;
      await startBackend(cmd);

      const progress = cliProgress({ keep: validationLine, decorate: trainingProgress });
      const job = progress.job;
      try {
        const r = await train({
          data: o.data,
          geometry,
          method: o.method,
          hyper: o.hp,
          preset: o.preset,
          fbp: { filter: o.filter, cutoff: o.cutoff },
          steps: o.steps,
          epochs: o.epochs,
          batchSize: o.batch,
          seed,
          learningRate: o.lr,
          lrSchedule: o.lrSchedule,
          noise,
          augment,
          validationFraction: o.validationFraction,
          stepsPerEpoch: o.stepsPerEpoch,
          checkpointEvery: o.checkpointEvery,
          outDir: o.out,
          resume: o.resume,
          allowNonCt: o.allowNonCt,
          job,
        });
        progress.done();
        r.model.dispose();
        for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
        if (o.json) printJson(r.card ?? { training: r.training, validation: r.validation });
        else {
          const last = r.validation[r.validation.length - 1];
          console.log(
            `trained ${r.card?.description ?? o.method} with ${o.method} on ${r.training.data.description}; ${describeGeometry(geometry)}`,
          );
          console.log(
            `${r.training.completedSteps} steps (${r.training.epochs.toFixed(2)} epochs, batch ${r.training.batchSize}) in ${r.training.durationSeconds.toFixed(0)} s, median step ${r.training.medianStepMs.toFixed(0)} ms`,
          );
          if (last) {
            console.log(
              `validation (${last.slices} slices): PSNR ${last.psnr.toFixed(2)} dB (FBP ${last.fbpPsnr.toFixed(2)} dB), SSIM ${last.ssim.toFixed(4)} (FBP ${last.fbpSsim.toFixed(4)})`,
            );
          }
          console.log(`wrote ${path.join(o.out, '{model.json,weights.bin,card.json,checkpoint.ckpt}')}`);
        }
      } finally {
        progress.done();
      }
    });
}
