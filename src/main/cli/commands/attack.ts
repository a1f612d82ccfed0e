/**
 * `ct-audit attack`: worst-case perturbations of a model on slices, rho-hat per eps (eq. 8-9 of papers/000).
 * Also the shared input loading of `attack` and `certify` (model, geometry, slices, measurements) and their
 * image outputs.
 */
import path from 'node:path';
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { parseEpsList, resolveEps } from '@shared/eps';
import {
  GEOMETRY_PRESETS,
  makeGeometry,
  describeGeometry,
  type Geometry,
  type GeometryPresetName,
} from '@shared/geometry';
import { parseNoiseSpec, type NoiseSpec } from '@shared/noise-spec';
import { tf } from '../../engine/backend';
import {
  ATTACK_KINDS,
  antunX,
  generatorAttack,
  referenceNorms,
  pgaY,
  pgdX,
  mismatchSweep,
  rhoHatCurve,
  type AttackKind,
  type AttackResult,
  type MismatchReport,
} from '../../engine/attacks';
import { loadSlices, simulateMeasurements } from '../../engine/data';
import type { JobContext } from '../../engine/job-context';
import { writeNpy, writeFileAtomic } from '../../engine/io/npy';
import { writeGrayPng } from '../../engine/io/png';
import { FbpReconstructor } from '../../engine/models';
import { loadModel } from '../../engine/models/save-load';
import type { Reconstructor } from '../../engine/models/reconstructor';
import { RadonOperator } from '../../engine/physics';
import { createRng } from '../../engine/random';
import { parseChoice, parseIntOption, parseNumberOption, printJson, startBackend } from '../context';
import { cliProgress } from '../progress';

const PRESETS = Object.keys(GEOMETRY_PRESETS) as GeometryPresetName[];

/** Options shared by `attack` and `certify`. */
export interface InputOptions {
  model: string;
  data: string;
  size?: number;
  views?: number;
  preset: GeometryPresetName;
  slices?: number;
  noise: string;
  seed: number;
  allowNonCt?: boolean;
  out?: string;
  json?: boolean;
}

export function addInputOptions(cmd: Command): Command {
  return cmd
    .requiredOption('--model <dir|fbp>', 'a saved model folder, or "fbp" for plain FBP')
    .requiredOption('--data <spec>', 'DICOM file or folder, a .npy stack (or folder of .npy), or "ellipses"')
    .option(
      '--preset <name>',
      `geometry for fbp: ${PRESETS.join(', ')}`,
      parseChoice('preset', PRESETS),
      'demo',
    )
    .option('--size <N>', 'image side N (fbp; a saved model has its own)', parseIntOption('size', 8, 2048))
    .option(
      '--views <A>',
      'views over [0, 180) (fbp; a saved model has its own)',
      parseIntOption('views', 1, 10000),
    )
    .option(
      '--slices <n>',
      'number of slices (ellipses: phantoms; default 1) or the first n of the data',
      parseIntOption('slices', 1),
    )
    .option(
      '--noise <spec>',
      'measurement noise: none | gaussian:<sigma> | gaussian:<r>% | poisson:<I0>',
      'none',
    )
    .option('--seed <s>', 'seed of phantoms, noise, attacks and smoothing', parseIntOption('seed', 0), 0)
    .option('--allow-non-ct', 'accept non-CT DICOM modalities')
    .option('--out <dir>', 'write .npy and PNG images and summary.json there')
    .option('--json', 'print the results as JSON on stdout');
}

export interface Inputs {
  model: Reconstructor;
  modelName: string;
  geometry: Geometry;
  op: RadonOperator;
  x: tf.Tensor4D;
  y: tf.Tensor4D;
  ids: string[];
  source: string;
  noise: NoiseSpec;
  dispose(): void;
}

/** The model (fbp or a saved folder), its geometry, the slices x and their measurements y = A x (+ noise). */
export async function loadInputs(o: InputOptions): Promise<Inputs> {
  const noise = parseNoiseSpec(o.noise);
  let model: Reconstructor;
  let geometry: Geometry;
  if (o.model === 'fbp') {
    const p = GEOMETRY_PRESETS[o.preset];
    geometry = makeGeometry({ size: o.size ?? p.size, views: o.views ?? p.views });
    model = new FbpReconstructor(geometry);
  } else {
    let requested: Geometry | undefined;
    if (o.size !== undefined || o.views !== undefined) {
      if (o.size === undefined || o.views === undefined) {
        throw new UsageError(
          '--size and --views go together for a saved model (or leave both out to use its own)',
        );
      }
      requested = makeGeometry({ size: o.size, views: o.views });
    }
    const loaded = await loadModel(o.model, requested);
    model = loaded.model;
    geometry = loaded.card.geometry;
  }
  const N = geometry.size;
  const ids: string[] = [];
  const images: Float32Array[] = [];
  let source = o.data;
  for await (const s of loadSlices(o.data, N, { count: o.slices, seed: o.seed, allowNonCt: o.allowNonCt })) {
    ids.push(s.id);
    images.push(s.x);
    source = s.source;
  }
  if (images.length === 0) throw new UsageError(`--data ${o.data}: no slices`);
  const xv = new Float32Array(images.length * N * N);
  images.forEach((im, i) => xv.set(im, i * N * N));
  const op = new RadonOperator(geometry);
  const x = tf.tensor4d(xv, [images.length, N, N, 1]);
  const rng = createRng(o.seed).fork('noise');
  const y = simulateMeasurements(op, x, { noise, rngs: ids.map((id) => rng.fork(id)) });
  return {
    model,
    modelName: model.describe(),
    geometry,
    op,
    x,
    y,
    ids,
    source,
    noise,
    dispose() {
      tf.dispose([x, y]);
      model.dispose();
    },
  };
}

/** Progress on stderr as every command writes it (../progress.ts); Ctrl-C keeps its default (quit). */
export function cliJob(): JobContext {
  return cliProgress({ sigint: false }).job;
}

/** Linear map of values onto 0..255 over [lo, hi] (clamped). */
function toGray(v: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(v.length);
  const s = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < v.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((v[i] - lo) * s)));
  return out;
}

/**
 * Write a [B, H, W] stack as `<name>.npy` and one PNG per slice `<name>-<i>.png`. Images are shown over the
 * reference's range (`range`), signed maps (perturbations) symmetrically around mid-grey.
 */
export async function writeStack(
  dir: string,
  name: string,
  values: Float32Array,
  shape: [number, number, number],
  range: 'signed' | [number, number][],
): Promise<string[]> {
  const [B, H, W] = shape;
  const files = [path.join(dir, `${name}.npy`)];
  await writeNpy(files[0], values, shape);
  for (let b = 0; b < B; b++) {
    const v = values.subarray(b * H * W, (b + 1) * H * W);
    let lo: number;
    let hi: number;
    if (range === 'signed') {
      let m = 0;
      for (const a of v) m = Math.max(m, Math.abs(a));
      [lo, hi] = [-m, m];
    } else [lo, hi] = range[b];
    const png = path.join(dir, `${name}-${b}.png`);
    await writeGrayPng(png, toGray(v, lo, hi), W, H);
    files.push(png);
  }
  return files;
}

/** reference.npy/png (x) and clean-recon.npy/png (f(y)) of the inputs. */
export async function writeInputs(dir: string, inp: Inputs): Promise<string[]> {
  const g = inp.geometry;
  const B = inp.ids.length;
  const ranges = sliceRanges(inp.x);
  const clean = inp.model.reconstruct(inp.y);
  try {
    return [
      ...(await writeStack(dir, 'reference', inp.x.dataSync() as Float32Array, [B, g.size, g.size], ranges)),
      ...(await writeStack(
        dir,
        'clean-recon',
        clean.dataSync() as Float32Array,
        [B, g.size, g.size],
        ranges,
      )),
    ];
  } finally {
    clean.dispose();
  }
}

/** [min, max] of each reference slice (display range of reconstructions). */
export function sliceRanges(x: tf.Tensor4D): [number, number][] {
  const v = x.dataSync();
  const per = v.length / x.shape[0];
  return Array.from({ length: x.shape[0] }, (_, b) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = b * per; i < (b + 1) * per; i++) {
      lo = Math.min(lo, v[i]);
      hi = Math.max(hi, v[i]);
    }
    return [lo, hi];
  });
}

/**
 * The slices G trains on: --train-data, or for --data ellipses a phantom stream disjoint from the attacked
 * ones; undefined (G trains on the attacked slices) otherwise.
 */
async function loadTrainingSlices(
  o: AttackCliOptions,
  inp: Inputs,
): Promise<{ x: tf.Tensor4D; y: tf.Tensor4D; spec: string; dispose(): void } | undefined> {
  const spec = o.trainData ?? (o.data.trim().toLowerCase() === 'ellipses' ? 'ellipses' : undefined);
  if (!spec) return undefined;
  const N = inp.geometry.size;
  const images: Float32Array[] = [];
  for await (const s of loadSlices(spec, N, {
    count: o.trainSlices,
    seed: o.seed,
    allowNonCt: o.allowNonCt,
    stream: 'generator-train',
  })) {
    images.push(s.x);
  }
  if (images.length === 0) throw new UsageError(`--train-data ${spec}: no slices`);
  const xv = new Float32Array(images.length * N * N);
  images.forEach((im, i) => xv.set(im, i * N * N));
  const x = tf.tensor4d(xv, [images.length, N, N, 1]);
  const y = inp.op.forward(x);
  return {
    x,
    y,
    spec: o.trainData ?? "ellipses (stream 'generator-train')",
    dispose: () => tf.dispose([x, y]),
  };
}

interface AttackCliOptions extends InputOptions {
  kind: AttackKind;
  eps?: string;
  steps?: number;
  stepSize?: number;
  momentum?: number;
  restarts: number;
  randomStart?: boolean;
  lambda: string;
  maxAngle: number;
  maxShift: number;
  maxGain: string;
  points: number;
  trainData?: string;
  trainSlices: number;
}

function mean(a: number[]): number {
  return a.reduce((s, v) => s + v, 0) / a.length;
}

async function writeAttackOutputs(dir: string, tag: string, r: AttackResult, inp: Inputs): Promise<string[]> {
  const g = inp.geometry;
  const B = inp.ids.length;
  const ranges = sliceRanges(inp.x);
  const dShape: [number, number, number] = r.space === 'x' ? [B, g.size, g.size] : [B, g.views, g.detectors];
  return [
    ...(await writeStack(dir, `${tag}-perturbation`, r.delta.dataSync() as Float32Array, dShape, 'signed')),
    ...(await writeStack(
      dir,
      `${tag}-perturbed-recon`,
      r.perturbedRecon.dataSync() as Float32Array,
      [B, g.size, g.size],
      ranges,
    )),
  ];
}

export function registerAttack(program: Command): void {
  const cmd = program
    .command('attack')
    .description(
      'worst-case perturbations of a reconstructor: Delta_max per slice and rho-hat(eps) (papers/000 eq. 8-9)',
    )
    .option('--kind <kind>', `attack: ${ATTACK_KINDS.join(', ')}`, parseChoice('kind', ATTACK_KINDS), 'pga-y')
    .option(
      '--eps <list>',
      'radii, absolute or relative (0.5% of ||Ax||, or of ||x|| for x-space kinds), e.g. 0,0.5%,1%,2%',
    )
    .option('--steps <n>', 'gradient steps (pga-y, pgd-x: 100; antun-x: 100)', parseIntOption('steps', 0))
    .option(
      '--step-size <a>',
      'step length relative to eps (pga-y, pgd-x; default 0.5) or eta (antun-x; 0.01)',
      parseNumberOption('step-size', 0),
    )
    .option(
      '--momentum <mu>',
      'momentum (pga-y, pgd-x: 0.5; antun-x: 0.9)',
      parseNumberOption('momentum', 0, 0.999),
    )
    .option('--restarts <n>', 'random restarts; the best per slice is kept', parseIntOption('restarts', 1), 1)
    .option('--random-start', 'start from a random point on the sphere instead of next to 0')
    .option('--lambda <list>', 'antun-x: penalty weights lambda of Q_y(r) (eq. 3 of papers/000)', '1')
    .option(
      '--max-angle <deg>',
      'mismatch: largest view-angle offset in degrees',
      parseNumberOption('max-angle', 0, 90),
      0.5,
    )
    .option(
      '--max-shift <px>',
      'mismatch: largest detector shift in detector pixels',
      parseNumberOption('max-shift', 0, 1000),
      0.5,
    )
    .option('--max-gain <g>', 'mismatch: largest per-view gain error, e.g. 2% or 0.02', '2%')
    .option('--points <n>', 'mismatch: grid points per side', parseIntOption('points', 1, 100), 4)
    .option(
      '--train-data <spec>',
      'generator: slices G is trained on (default for --data ellipses: a held-out phantom stream; otherwise the attacked slices)',
    )
    .option(
      '--train-slices <n>',
      'generator: number of training slices',
      parseIntOption('train-slices', 1),
      16,
    );
  addInputOptions(cmd).action(async (o: AttackCliOptions, c: Command) => {
    if ((o.kind === 'pga-y' || o.kind === 'pgd-x' || o.kind === 'generator') && !o.eps)
      throw new UsageError(`--eps is required for --kind ${o.kind}`);
    const grid = o.eps ? parseEpsList(o.eps) : [];
    const lambdas = o.lambda.split(',').map((s) => {
      const v = Number(s.trim());
      if (s.trim() === '' || !(v >= 0) || !Number.isFinite(v))
        throw new UsageError(`--lambda: "${s}" is not a number >= 0`);
      return v;
    });
    const gainText = o.maxGain.trim();
    const maxGain = gainText.endsWith('%') ? Number(gainText.slice(0, -1)) / 100 : Number(gainText);
    if (!(maxGain >= 0) || !Number.isFinite(maxGain))
      throw new UsageError(`--max-gain: "${o.maxGain}" is not a number >= 0 (or a percentage)`);
    await startBackend(c);
    const inp = await loadInputs(o);
    const job = cliJob();
    const outFiles: string[] = [];
    try {
      if (o.out) {
        await fs.mkdir(o.out, { recursive: true });
        outFiles.push(...(await writeInputs(o.out, inp)));
      }
      const B = inp.ids.length;
      const base = {
        kind: o.kind,
        model: inp.modelName,
        geometry: inp.geometry,
        data: { spec: o.data, source: inp.source, slices: inp.ids },
        noise: inp.noise,
        seed: o.seed,
      };
      let summary: Record<string, unknown>;
      const perSlice = inp.ids.map((id) => ({ id, cleanError: 0, points: [] as Record<string, number>[] }));
      if (o.kind === 'pga-y' || o.kind === 'pgd-x') {
        const atk = o.kind === 'pga-y' ? pgaY : pgdX;
        const curve = await rhoHatCurve(
          atk,
          inp.model,
          inp.x,
          inp.y,
          grid,
          {
            steps: o.steps,
            stepSize: o.stepSize,
            momentum: o.momentum,
            restarts: o.restarts,
            randomStart: o.randomStart,
            seed: o.seed,
            op: inp.op,
          },
          job,
          {
            onPoint: async (_p, r, k) => {
              if (o.out) outFiles.push(...(await writeAttackOutputs(o.out, `eps${k}`, r, inp)));
            },
          },
        );
        curve.points.forEach((p) => p.slices.forEach((s, b) => perSlice[b].points.push({ ...s })));
        curve.cleanError.forEach((e, b) => (perSlice[b].cleanError = e));
        summary = {
          ...base,
          space: curve.space,
          settings: {
            steps: o.steps ?? 100,
            stepSize: o.stepSize ?? 0.5,
            momentum: o.momentum ?? 0.5,
            restarts: o.restarts,
            randomStart: Boolean(o.randomStart),
          },
          epsSpec: curve.points.map((p) => p.spec),
          eps: curve.points.map((p) => p.eps),
          epsRelative: curve.points.map((p) => p.epsRelative),
          rhoHat: curve.points.map((p) => p.rhoHat),
          cleanRhoHat: mean(curve.cleanError),
          slices: perSlice,
        };
      } else if (o.kind === 'antun-x') {
        const eps: number[] = [];
        const epsRelative: number[] = [];
        const rhoHat: number[] = [];
        for (const [k, lambda] of lambdas.entries()) {
          const r = await antunX.attack(
            inp.model,
            inp.x,
            inp.y,
            {
              eps: 0,
              lambda,
              steps: o.steps,
              stepSize: o.stepSize,
              momentum: o.momentum,
              seed: `${o.seed}/lambda-${k}`,
              op: inp.op,
            },
            job,
          );
          eps.push(mean(r.eps));
          epsRelative.push(mean(r.epsRelative));
          rhoHat.push(mean(r.error));
          r.error.forEach((e, b) => {
            perSlice[b].cleanError = r.cleanError[b];
            perSlice[b].points.push({
              lambda,
              eps: r.eps[b],
              epsRelative: r.epsRelative[b],
              error: e,
              deltaNorm: r.deltaNorm[b],
            });
          });
          if (o.out) outFiles.push(...(await writeAttackOutputs(o.out, `lambda${k}`, r, inp)));
          tf.dispose([r.delta, r.perturbedMeasurement, r.perturbedRecon]);
        }
        summary = {
          ...base,
          space: 'x',
          lambda: lambdas,
          eps,
          epsRelative,
          rhoHat,
          cleanRhoHat: mean(perSlice.map((s) => s.cleanError)),
          slices: perSlice,
        };
      } else if (o.kind === 'mismatch') {
        const { report, result } = await mismatchSweep(
          inp.model,
          inp.x,
          inp.y,
          {
            eps: 0,
            maxAngleDeg: o.maxAngle,
            maxShift: o.maxShift,
            maxGain,
            points: o.points,
            seed: o.seed,
            op: inp.op,
          },
          job,
        );
        if (o.out) outFiles.push(...(await writeAttackOutputs(o.out, 'worst', result, inp)));
        const r = report as MismatchReport;
        result.error.forEach((e, b) => {
          perSlice[b].cleanError = r.cleanError[b];
          perSlice[b].points.push({
            eps: result.eps[b],
            epsRelative: result.epsRelative[b],
            error: e,
            angleDeg: r.worst[b].angleDeg,
            shift: r.worst[b].shift,
            gainBound: r.worst[b].gainBound,
          });
        });
        summary = {
          ...base,
          space: 'operator',
          bounds: r.bounds,
          eps: [mean(result.eps)],
          epsRelative: [mean(result.epsRelative)],
          rhoHat: [mean(result.error)],
          cleanRhoHat: mean(r.cleanError),
          curves: r.curves.map((p) => ({
            parameter: p.parameter,
            value: p.value,
            meanError: p.meanError,
            error: p.error,
            changeRelative: p.changeRelative,
          })),
          worst: r.worst,
          slices: perSlice,
        };
        tf.dispose([result.delta, result.perturbedMeasurement, result.perturbedRecon]);
      } else {
        // generator: G trained on held-out slices per eps (no warm start: each radius trains its own G).
        const train = await loadTrainingSlices(o, inp);
        const norms = referenceNorms('y', inp.x, inp.op);
        const eps: number[] = [];
        const epsRelative: number[] = [];
        const rhoHat: number[] = [];
        const pgaRhoHat: (number | null)[] = [];
        try {
          for (const [k, spec] of grid.entries()) {
            const resolved = norms.map((n) => resolveEps(spec, n));
            const r = await generatorAttack.attack(
              inp.model,
              inp.x,
              inp.y,
              {
                eps: resolved.map((v) => v.eps),
                steps: o.steps,
                seed: `${o.seed}/eps-${k}`,
                op: inp.op,
                trainX: train?.x,
                trainY: train?.y,
              },
              job,
            );
            eps.push(mean(r.eps));
            epsRelative.push(mean(r.epsRelative));
            rhoHat.push(mean(r.error));
            pgaRhoHat.push(r.pga ? r.pga.meanError : null);
            r.error.forEach((e, b) => {
              perSlice[b].cleanError = r.cleanError[b];
              perSlice[b].points.push({
                eps: r.eps[b],
                epsRelative: r.epsRelative[b],
                error: e,
                deltaNorm: r.deltaNorm[b],
                ...(r.pga ? { pgaError: r.pga.error[b] } : {}),
              });
            });
            if (o.out) outFiles.push(...(await writeAttackOutputs(o.out, `eps${k}`, r, inp)));
            tf.dispose([r.delta, r.perturbedMeasurement, r.perturbedRecon]);
            r.generator?.dispose();
          }
        } finally {
          train?.dispose();
        }
        summary = {
          ...base,
          space: 'y',
          heldOut: Boolean(train),
          trainData: train?.spec ?? null,
          epsSpec: grid.map((g) => g.text),
          eps,
          epsRelative,
          rhoHat,
          pgaRhoHat,
          cleanRhoHat: mean(perSlice.map((p) => p.cleanError)),
          slices: perSlice,
        };
      }
      if (o.out) {
        const file = path.join(o.out, 'summary.json');
        await writeFileAtomic(
          file,
          `${JSON.stringify({ ...summary, files: [...outFiles, file] }, null, 2)}\n`,
        );
      }
      if (o.json) printJson(summary);
      else {
        console.log(`${inp.modelName}; ${describeGeometry(inp.geometry)}; ${B} slice(s) from ${inp.source}`);
        console.log(
          `attack ${o.kind}: clean error ||f(y) - x|| (mean) ${(summary.cleanRhoHat as number).toFixed(5)}`,
        );
        const eps = summary.eps as number[];
        const rel = summary.epsRelative as number[];
        const rho = summary.rhoHat as number[];
        const labels = (summary.epsSpec as string[] | undefined) ??
          (summary.lambda as number[] | undefined)?.map((l) => `lambda ${l}`) ?? ['worst case'];
        const pga = summary.pgaRhoHat as (number | null)[] | undefined;
        eps.forEach((e, k) =>
          console.log(
            `  ${labels[k]}: eps ${e.toPrecision(4)} (${(rel[k] * 100).toPrecision(3)}% relative)  rho-hat ${rho[k].toFixed(5)}` +
              (pga?.[k] != null ? ` (pga-y on the same slices: ${pga[k].toFixed(5)})` : ''),
          ),
        );
        if (o.out) console.log(`wrote ${o.out}/summary.json and ${outFiles.length} image and .npy files`);
      }
    } finally {
      inp.dispose();
    }
  });
}
