/**
 * `ct-audit reproduce smoothing` (issue 12): the analogue of papers/002 Tables 1 and 2 on two tasks,
 *
 *   denoise  Fashion-MNIST at 32 x 32 (papers/002's DIV2K/BSD68 are not available), A = I, trained with Gaussian
 *            noise sigma_b = 15 and tested at sigma_b = 2 (Table 1(a)'s setting), beside Table 1(a);
 *   ct       random-ellipse phantoms, parallel-beam CT (FBPConvNet), no noise, tested on the bundled CT slices
 *            and held-out phantoms, beside Table 1(b) (compressed sensing: the paper's underdetermined task).
 *
 * Models: Ord, Smt-Adv and Smt-Grad at several training sigmas, Adv (pgd, image space) and Jcb (jacobian), all
 * for ord's step count (ord trained until it is 1 dB above the initial reconstruction: step-accounting.ts).
 * Units: papers/002's grey levels (smoothing-paper.ts explains the reading) become HU-equivalent entries of
 * src/shared/eps.ts with the data range read as 1000 HU, which on [0, 1] images is the per-pixel value g / 255
 * and on CT (water = 1) g / 255 of the air-to-water contrast: one conversion for both tasks.
 *
 * Evaluation: the audit's own preparation and evaluation unit (audit/prepare.ts, audit/evaluate-unit.ts: the
 * pgd-x attack's worst case at every radius, then randomized smoothing at the attacked input per test sigma
 * with the certificate of the smoothed median error against the slice), in memory. Table 2 re-certifies at the
 * best sigma of its radius with the unit's own seed (so the same noise draws, hence the same median; checked)
 * at two radii: the attacked one and the one the paper's printed ratio certifies.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpec } from '@shared/audit-spec';
import type { ResultLine } from '@shared/audit-results';
import { CtAuditError, UsageError } from '@shared/errors';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { parseNoiseSpec } from '@shared/noise-spec';
import type { ReproduceReport, SettingDifference } from '@shared/reproduce-verdict';
import { packageRoot } from '../app-version';
import { tf } from '../backend';
import { certify } from '../certify';
import { openDataSource, PAPER_DATASETS_NOTE, type DataSource } from '../data';
import { writeFileAtomic } from '../io/npy';
import { noJob, type JobContext } from '../job-context';
import { DEMO_SLICES } from '../audit/demo';
import { evaluateUnit } from '../audit/evaluate-unit';
import { measureSlice, prepareAudit } from '../audit/prepare';
import { checkAccounting, plannedSteps } from './step-accounting';
import { trainPlanned, type ModelPlan, type TrainedRecord, type TrainSetup } from './train-plan';
import {
  greyToHu,
  PAPER_TABLE_1A,
  PAPER_TABLE_1B,
  PAPER_TRAINING,
  trueRatio,
  unitReading,
  type PaperTable1,
  type UnitReadingRow,
} from './smoothing-paper';
import {
  SMOOTHING_PRESETS,
  type SmoothingPreset,
  type SmoothingPresetName,
  type SmoothingTask,
} from './smoothing-presets';
import {
  smoothingReports,
  table1,
  table1Rows,
  table2Row,
  table2Rows,
  type Table1Row,
  type Table2Row,
  type Table2Slice,
} from './smoothing-table';

export interface SmoothingOptions {
  outDir: string;
  preset?: SmoothingPresetName;
  tasks?: readonly SmoothingTask[];
  overrides?: Partial<SmoothingPreset>;
  /** Data specs (tests: a folder of IDX files). Defaults: fashion-mnist:train / fashion-mnist:test. */
  data?: { denoiseTrain?: string; denoiseTest?: string };
  job?: JobContext;
}

export interface SmoothingTaskOutcome {
  task: SmoothingTask;
  description: string;
  paper: PaperTable1;
  /** Test radii and sigmas in grey levels and as our entries. */
  radii: { grey: number; entry: string; l2: number }[];
  sigmas: { grey: number; entry: string }[];
  models: TrainedRecord[];
  ordSteps: number;
  slices: number;
  table1: Table1Row[];
  /** Table 2's radius (grey levels) and rows. */
  table2Eps: number;
  table2: Table2Row[];
  reports: { table1: ReproduceReport; table2: ReproduceReport };
  seconds: { train: number; evaluate: number };
}

export interface SmoothingOutcome {
  preset: SmoothingPreset;
  /** The pixel-range reading and the numbers behind it (smoothing-paper.ts). */
  units: { statement: string; reading: UnitReadingRow[]; table2TrueRatio: number };
  datasetsNote: string;
  tasks: SmoothingTaskOutcome[];
  seconds: number;
}

export const UNITS_STATEMENT =
  'papers/002 says images are in [0, 1] (PSNR = 10 log10(1/MSE)); its eps, sigma and sigma_b are grey levels on 0..255 ' +
  '(sigma = 10 on [0, 1] would make smoothed PSNRs of -20 dB, not 28). We read eps as the per-pixel RMS of the ' +
  'perturbation in grey levels: Table 1(a) then implies an error gain of ~1 per unit of perturbation RMS, while ' +
  'the other reading (an l2 norm in grey levels) needs ~250 (table below). Ours: eps_l2 = (eps/255) sqrt(n), ' +
  'sigma = sigma/255 per pixel on [0, 1] images; on CT the same fractions of 1000 HU (air to water).';

const LABELS: Record<string, string> = { ord: 'Ord', pgd: 'Adv (pgd)', jacobian: 'Jcb (jacobian)' };

/** A row label in the paper's words: Ord, Smt-Adv sigma_tr = 10, Adv (pgd), ... */
export function modelLabel(name: string): string {
  const m = /^(smt-adv|smt-grad)-s(\d+(?:\.\d+)?)$/.exec(name);
  if (m) return `${m[1] === 'smt-adv' ? 'Smt-Adv' : 'Smt-Grad'}, sigma_tr = ${m[2]}`;
  return LABELS[name] ?? name;
}

/** The models of a preset: ord, Smt-Adv / Smt-Grad per training sigma, and pgd / jacobian (names as Table 1). */
export function smoothingPlans(
  p: SmoothingPreset,
  size: number,
  task: SmoothingTask,
): Omit<ModelPlan, 'steps'>[] {
  // Training radius: papers/002 B, denoising (eps 5) for the denoising task, compressed sensing (eps 1) for CT.
  const t = task === 'denoise' ? PAPER_TRAINING.denoise : PAPER_TRAINING.cs;
  const epsL2 = (t.eps / 255) * size;
  const plans: Omit<ModelPlan, 'steps'>[] = [{ name: 'ord', method: 'ord', hyper: {} }];
  for (const s of p.smtAdvSigmas)
    plans.push({
      name: `smt-adv-s${s}`,
      method: 'smt-adv',
      hyper: { epsAbsolute: epsL2, sigmaAbsolute: s / 255, steps: p.smtAdv.steps, samples: p.smtAdv.samples },
    });
  for (const s of p.smtGradSigmas)
    plans.push({
      name: `smt-grad-s${s}`,
      method: 'smt-grad',
      hyper: { sigmaMaxAbsolute: s / 255, samples: p.smtGradSamples, tStep: t.tStep },
    });
  if (p.baselines) {
    plans.push({
      name: 'pgd',
      method: 'pgd',
      hyper: { epsAbsolute: epsL2, steps: p.pgdSteps, space: 'image' },
    });
    plans.push({ name: 'jacobian', method: 'jacobian', hyper: {} });
  }
  return plans;
}

interface TaskSetup {
  task: SmoothingTask;
  description: string;
  geometry: Geometry;
  train: string | DataSource;
  trainKey: string;
  trainNoise: string;
  stepsPerEpoch?: number;
  augment?: boolean;
  test: { sources: string[]; maxSlices?: number; phantoms?: number; noise: string };
  paper: PaperTable1;
}

async function taskSetup(p: SmoothingPreset, task: SmoothingTask, o: SmoothingOptions): Promise<TaskSetup> {
  if (task === 'denoise') {
    const spec = o.data?.denoiseTrain ?? 'fashion-mnist:train';
    const src = await openDataSource(spec, { signal: o.job?.signal });
    if (!src.refs) throw new UsageError(`--data ${spec}: a finite image set is needed for denoising`);
    const refs = src.refs.slice(0, p.trainImages);
    const sigmaB = PAPER_TRAINING.denoise.sigmaB / 255;
    return {
      task,
      description: `denoising (A = I) on ${path.basename(spec)} at 32 x 32: trained with sigma_b = 15 on the first ${refs.length} images, tested at sigma_b = 2 on ${p.testImages} test images`,
      geometry: makeGeometry({ size: 32, views: 32, physics: { kind: 'denoise' } }),
      train: { ...src, refs },
      trainKey: `${spec}[0:${refs.length}]`,
      trainNoise: `gaussian:${sigmaB}`,
      augment: false,
      test: {
        sources: [o.data?.denoiseTest ?? 'fashion-mnist:test'],
        maxSlices: p.testImages,
        noise: `gaussian:${(PAPER_TABLE_1A.sigmaB as number) / 255}`,
      },
      paper: PAPER_TABLE_1A,
    };
  }
  const root = packageRoot();
  return {
    task,
    description: `CT (parallel beam, ${p.size} x ${p.size}, ${p.views} views, FBPConvNet) trained on random-ellipse phantoms, tested on the 4 bundled CT slices and ${p.ctPhantoms} held-out phantoms, no noise`,
    geometry: makeGeometry({ size: p.size, views: p.views }),
    train: 'ellipses',
    trainKey: 'ellipses',
    trainNoise: 'none',
    stepsPerEpoch: p.stepsPerEpoch,
    test: {
      sources: [...DEMO_SLICES.map((s) => path.join(root, s)), 'ellipses'],
      phantoms: p.ctPhantoms,
      noise: 'none',
    },
    paper: PAPER_TABLE_1B,
  };
}

function differences(p: SmoothingPreset, t: TaskSetup, ordSteps: number): SettingDifference[] {
  const d = PAPER_TRAINING.denoise;
  return [
    {
      setting: 'data',
      paper:
        t.task === 'denoise'
          ? 'DIV2K (train), BSD68 (test), 256 x 256'
          : 'Train400, Set11 (compressed sensing, m/n = 0.1)',
      ours: t.description,
      why:
        t.task === 'denoise'
          ? PAPER_DATASETS_NOTE
          : 'papers/002 has no CT task; CT is what this project audits',
    },
    {
      setting: 'estimator and training',
      paper: `${t.task === 'denoise' ? 'DPDNN' : 'ISTA-Net++'}, 100 epochs, batch ${t.task === 'denoise' ? d.batch : 64}, Adam ${t.task === 'denoise' ? d.lr : 1e-4}`,
      ours: `FBPConvNet-style U-Net (${p.model}), ${ordSteps} steps for every model (ord until +${p.minGainDb} dB over the initial reconstruction), batch ${p.batchSize}, Adam ${p.learningRate} constant`,
      why: 'a CPU budget; equal steps for every method',
    },
    {
      setting: 'inner iterations and samples',
      paper: `Adv/Smt-Adv T_itr ${d.steps}, r ${d.stepSize}; Smt S ${d.samples}, T_step ${d.tStep}`,
      ours: `pgd ${p.pgdSteps} steps, smt-adv ${p.smtAdv.steps} steps x ${p.smtAdv.samples} samples, smt-grad ${p.smtGradSamples} samples, T_step ${d.tStep} (normalized steps of 0.5 eps)`,
      why: 'each inner step and sample is a forward and backward pass',
    },
    {
      setting: 'test attack',
      paper: `PGD, T_itr ${d.steps}, r ${d.stepSize}; S ${PAPER_TRAINING.testSamples}, c ${PAPER_TRAINING.confidence}`,
      ours: `pgd-x, ${p.attackSteps} steps per radius (warm-started), S ${p.samples}, c ${PAPER_TRAINING.confidence}; certificate of the smoothed median error against the slice (a fixed reference), not the discrepancy to f(y')`,
      why: 'a CPU budget; Corollary 3.2 holds for a fixed function of the input (DESIGN.md section 4)',
    },
  ];
}

async function runTask(
  p: SmoothingPreset,
  task: SmoothingTask,
  o: SmoothingOptions,
  job: JobContext,
): Promise<SmoothingTaskOutcome> {
  const t0 = performance.now();
  const t = await taskSetup(p, task, o);
  const size = t.geometry.size;
  const setup: TrainSetup = {
    root: path.join(o.outDir, task, 'models'),
    data: t.train,
    dataKey: t.trainKey,
    geometry: t.geometry,
    preset: p.model,
    batchSize: p.batchSize,
    stepsPerEpoch: t.stepsPerEpoch,
    learningRate: p.learningRate,
    seed: 0,
    noise: parseNoiseSpec(t.trainNoise),
    augment: t.augment,
  };
  const plans = smoothingPlans(p, size, task);
  const ord = await trainPlanned(
    {
      ...plans[0],
      steps: p.initialSteps,
      until: { initialSteps: p.initialSteps, maxSteps: p.maxSteps, minGainDb: p.minGainDb },
    },
    setup,
    job,
  );
  const N = ord.account.steps;
  const models: TrainedRecord[] = [ord];
  for (const plan of plans.slice(1)) {
    job.throwIfCancelled();
    models.push(
      await trainPlanned(
        { ...plan, steps: plannedSteps(plan.method, N, plan.hyper, ord.stepsPerEpoch) },
        setup,
        job,
      ),
    );
  }
  checkAccounting(
    models.map((m) => m.account),
    N,
  );
  const tTrain = performance.now();

  const radiiGrey = [...t.paper.radii];
  const sigmasGrey = [...p.testSigmas[task]];
  const spec: AuditSpec = parseAuditSpec({
    name: `reproduce smoothing (${task})`,
    models: models.map((m) => ({ path: m.dir, name: m.name })),
    baseline: false,
    data: { sources: t.test.sources, maxSlices: t.test.maxSlices, phantoms: t.test.phantoms ?? 4 },
    noise: t.test.noise,
    attack: {
      kind: 'pgd-x',
      eps: radiiGrey.map(greyToHu),
      steps: p.attackSteps,
      stepSize: Math.min(0.5, 2.5 / Math.max(1, p.attackSteps)),
    },
    certification: {
      enabled: true,
      sigma: sigmasGrey.map(greyToHu),
      samples: p.samples,
      confidence: PAPER_TRAINING.confidence,
      reference: 'truth',
    },
    seed: 0,
    report: { pdf: false },
  });
  const prep = await prepareAudit(spec, { signal: job.signal });
  const lines: ResultLine[] = [];
  // Table 2: the attacked inputs at its radius (the paper's middle radius) for its models.
  const k2 = Math.floor(radiiGrey.length / 2);
  const table2Models = ['ord', 'jacobian', 'pgd', 'smt-adv-s10', 'smt-grad-s10'];
  const attacked = new Map<
    string,
    { slice: number; seedId: string; yPrime: Float32Array; xv: Float32Array }[]
  >();
  try {
    for (const [si, s] of prep.slices.entries()) {
      const xv = await s.source.load(s.ref, size);
      const { x, y } = measureSlice(prep, spec, s, xv);
      try {
        for (const [mi, m] of prep.models.entries()) {
          job.throwIfCancelled();
          job.progress({
            phase: `evaluate ${task}`,
            step: si * prep.models.length + mi,
            total: prep.slices.length * prep.models.length,
            message: `slice ${si + 1} of ${prep.slices.length}, ${m.name}`,
          });
          const r = await evaluateUnit(
            { index: s.index, id: s.id, seedId: s.seedId, group: s.group },
            m,
            x,
            y,
            {
              spec,
              op: prep.op,
              job,
            },
          );
          lines.push(...r.lines);
          if (table2Models.includes(m.name)) {
            const yv = y.dataSync() as Float32Array;
            const d = r.images.points[k2].perturbation;
            const list = attacked.get(m.name) ?? [];
            list.push({ slice: s.index, seedId: s.seedId, yPrime: yv.map((v, i) => v + d[i]), xv });
            attacked.set(m.name, list);
          }
        }
      } finally {
        tf.dispose([x, y]);
      }
    }
    const pixels = size * size;
    const { rows, perSlice } = table1({ lines, pixels, radii: radiiGrey, sigmas: sigmasGrey });
    // Table 2 (file comment).
    const t2: Table2Row[] = [];
    const A = t.geometry.views;
    const D = t.geometry.detectors;
    for (const name of table2Models) {
      const m = prep.models.find((x) => x.name === name);
      const row = rows.find((r) => r.name === name);
      const list = attacked.get(name);
      if (!m || !row || !list) continue;
      const sigmaGrey = row.cells[k2].bestSigma;
      const j = sigmasGrey.indexOf(sigmaGrey);
      const slices: Table2Slice[] = [];
      for (const a of list) {
        const line = lines.find(
          (l) => l.model.name === name && l.slice.index === a.slice && l.epsIndex === k2,
        );
        const ps = line?.certification?.perSigma.find((c) => c.sigmaIndex === j);
        if (!line || !ps)
          throw new CtAuditError('INTERNAL', `smoothing: no line for ${name}, slice ${a.slice}`);
        const yPrime = tf.tensor4d(a.yPrime, [1, A, D, 1]);
        const x = tf.tensor4d(a.xv, [1, size, size, 1]);
        try {
          const [[atAttack], [atRatio]] = await certify(
            m.model,
            yPrime,
            {
              reference: x,
              sigma: ps.sigmaValue,
              samples: spec.certification.samples,
              confidence: spec.certification.confidence,
              quantile: spec.certification.quantile,
              space: 'x',
              seed: `${spec.seed}/${a.seedId}/${name}/certify/eps-${k2}`,
              op: prep.op,
              radii: [line.eps.value, radiiGrey[k2] / 255],
            },
            job,
          );
          // Same seed and sigma as the evaluation unit: the same draws, hence the same median.
          if (Math.abs(atAttack.median - ps.median) > 1e-6 * Math.max(1e-12, ps.median))
            throw new CtAuditError(
              'INTERNAL',
              `smoothing: re-certification of ${name}, slice ${a.slice} drew other noise (median ${atAttack.median} vs ${ps.median})`,
            );
          slices.push({
            median: atAttack.median,
            certifiedAttack: atAttack.abstain ? null : atAttack.certified,
            certifiedRatio: atRatio.abstain ? null : atRatio.certified,
            maxRadius: atAttack.maxRadius,
            attackRadius: line.eps.value,
          });
        } finally {
          tf.dispose([yPrime, x]);
        }
      }
      t2.push(table2Row(name, radiiGrey[k2], sigmaGrey, slices));
    }
    const notes = [
      `ord: ${N} steps; clean validation PSNR ${ord.validation?.psnr.toFixed(2)} dB vs the initial reconstruction's ${ord.validation?.fbpPsnr.toFixed(2)} dB (gain needed ${p.minGainDb} dB: ${ord.cleared ? 'reached' : 'NOT reached'})`,
      `Table 1's radius headers are lost in our copy of the paper: eps = ${radiiGrey.join(', ')} are inferred (smoothing-paper.ts)`,
      ...(task === 'ct'
        ? [
            'papers/002 has no CT task: Table 1(b) (compressed sensing) is printed beside ours as the nearest underdetermined problem; its numbers are not expected to match',
          ]
        : []),
    ];
    const reports = smoothingReports({
      task,
      paper: t.paper,
      table1Rows: table1Rows(t.paper, perSlice, p.alpha),
      table2Rows: table2Rows(t2, trueRatio(radiiGrey[k2], t2[0]?.sigma ?? sigmasGrey[0], size)),
      differences: differences(p, t, N),
      notes,
    });
    return {
      task,
      description: t.description,
      paper: t.paper,
      radii: radiiGrey.map((g) => ({ grey: g, entry: greyToHu(g), l2: (g / 255) * size })),
      sigmas: sigmasGrey.map((g) => ({ grey: g, entry: greyToHu(g) })),
      models,
      ordSteps: N,
      slices: prep.slices.length,
      table1: rows,
      table2Eps: radiiGrey[k2],
      table2: t2,
      reports,
      seconds: { train: (tTrain - t0) / 1000, evaluate: (performance.now() - tTrain) / 1000 },
    };
  } finally {
    prep.dispose();
  }
}

export async function runSmoothing(o: SmoothingOptions): Promise<SmoothingOutcome> {
  const job = o.job ?? noJob();
  const t0 = performance.now();
  const p: SmoothingPreset = { ...SMOOTHING_PRESETS[o.preset ?? 'quick'], ...o.overrides };
  await fs.mkdir(o.outDir, { recursive: true });
  const tasks: SmoothingTaskOutcome[] = [];
  for (const task of o.tasks ?? (['denoise', 'ct'] as const)) tasks.push(await runTask(p, task, o, job));
  const outcome: SmoothingOutcome = {
    preset: p,
    units: {
      statement: UNITS_STATEMENT,
      reading: unitReading(),
      table2TrueRatio: trueRatio(10, 13),
    },
    datasetsNote: PAPER_DATASETS_NOTE,
    tasks,
    seconds: (performance.now() - t0) / 1000,
  };
  await writeFileAtomic(path.join(o.outDir, 'smoothing.json'), `${JSON.stringify(outcome, null, 2)}\n`);
  return outcome;
}
