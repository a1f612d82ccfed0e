/**
 * `ct-audit reproduce ct-robustness` (issue 12): every training method on the same phantoms for the same
 * number of robust optimisation steps as ord takes, ord trained until it has clearly left FBP, one audit of all
 * of them next to FBP (pga-y rho-hat(eps) and randomized smoothing at every attacked radius), and the papers'
 * claim (ct-claims.ts) decided per method by paired tests over the slices.
 *
 * Order: ord first, in rounds until its clean validation PSNR is minGainDb above FBP's (its final step count N
 * is the budget); then every other method for N steps that use its robustness term (minmax: its warm-up
 * epochs in front, so N adversarial steps after them); the count of every method's steps is checked
 * (checkAccounting) before the audit runs. Everything lands in `<out>/models/<method>/` (with accounting.json)
 * and `<out>/audit/`; `<out>/reproduce.json` holds the outcome.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec } from '@shared/audit-spec';
import type { AuditSummary } from '@shared/audit-results';
import { makeGeometry } from '@shared/geometry';
import {
  inconclusive,
  makeReport,
  type ComparisonRow,
  type ReproduceReport,
  type SettingDifference,
} from '@shared/reproduce-verdict';
import { UsageError } from '@shared/errors';
import { packageRoot } from '../app-version';
import { writeFileAtomic } from '../io/npy';
import { noJob, type JobContext } from '../job-context';
import { DEMO_SLICES } from '../audit/demo';
import { readResults, RESULTS_FILE } from '../audit/result-store';
import { runAudit, type AuditOutcome } from '../audit/runner';
import { METHOD_NAMES, type MethodName } from '../training';
import { CLAIM_VERBATIM, claimTable, type ClaimRow } from './ct-claims';
import {
  CT_ROBUSTNESS_PRESETS,
  type CtRobustnessPreset,
  type CtRobustnessPresetName,
} from './ct-robustness-presets';
import { paperRadii, type PaperRadius } from './paper-radii';
import { checkAccounting, plannedSteps } from './step-accounting';
import { trainPlanned, type TrainedRecord } from './train-plan';

export interface CtRobustnessOptions {
  outDir: string;
  preset?: CtRobustnessPresetName;
  /** Overrides of the preset (tests: tiny sizes; CLI flags). */
  overrides?: Partial<CtRobustnessPreset>;
  job?: JobContext;
  commandLine?: string[];
}

export interface CtRobustnessOutcome {
  preset: CtRobustnessPreset;
  /** Every model with its step count (ord first). */
  models: TrainedRecord[];
  /** ord's step count N: the robust steps every claimed method took at least. */
  ordSteps: number;
  ordCleared: boolean;
  audit: Pick<AuditOutcome, 'outDir' | 'report' | 'units'> & { summary: AuditSummary };
  claims: ClaimRow[];
  radii: { paper: PaperRadius[]; ours: { spec: string; relative: number | null; hu: number | null }[] };
  /** What this preset can and cannot show, computed from its settings. */
  scope: string[];
  report: ReproduceReport;
  seconds: { train: number; audit: number; total: number };
}

function fmt(v: number | null, digits = 3): string {
  return v === null || !Number.isFinite(v) ? 'n/a' : Number(v.toPrecision(digits)).toString();
}

/** What a preset can and cannot show (printed with every run). */
export function presetScope(p: CtRobustnessPreset, slices: number, ordSteps: number): string[] {
  const minP = Math.min(1, 2 / 2 ** slices);
  return [
    `can show: whether each robust method's worst-case error Delta_max is lower than ord's on the same ${slices} slices ` +
      `(${p.size}x${p.size} pixels, ${p.views} views, ${p.model} U-Net, ${ordSteps} steps), with a paired test: ` +
      `the smallest two-sided p with ${slices} slices is ${fmt(minP, 2)}, so an ordering at alpha ${p.alpha} ` +
      (minP < p.alpha ? 'is reachable' : 'is NOT reachable (too few slices)'),
    "cannot show: the papers' absolute numbers (no clinical training data: random-ellipse phantoms; a " +
      `${p.model} network trained for ${ordSteps} steps, not FBPConvNet for 100 epochs), nor behaviour at the ` +
      `paper geometry (512 x 512, 143 views)` +
      (p.name === 'quick' ? '; pgd and smt-adv use fewer inner steps / samples than their defaults' : ''),
  ];
}

function differences(p: CtRobustnessPreset): SettingDifference[] {
  const out: SettingDifference[] = [
    {
      setting: 'data',
      paper: 'papers/000 (slides 001): 884 clinical CT slices for training, 221 for evaluation, 143 views',
      ours: `random-ellipse phantoms for training; audit on the 4 bundled CT slices + ${p.phantoms} held-out phantoms at ${p.size}x${p.size}, ${p.views} views`,
      why: 'no clinical training set ships with the project; a CPU budget',
    },
    {
      setting: 'training length',
      paper: 'papers/002 B: 100 epochs per method; papers/000: not stated for CT',
      ours: `ord until its clean validation PSNR is ${p.minGainDb} dB above FBP's (from ${p.initialSteps} steps, at most ${p.maxSteps}); every other method as many robust steps`,
      why: 'equal optimisation steps, never inside a warm-up, and a model that has actually learned something',
    },
    {
      setting: 'learning rate',
      paper: 'papers/000: Adam 1e-4 (beta1 0.5); papers/002 B: 5e-4 / 1e-4, constant',
      ours: `Adam ${p.learningRate}, constant`,
      why: 'runs of hundreds of steps, not 100 epochs',
    },
    {
      setting: 'radii',
      paper: 'papers/000: absolute l2 norms on [-1, 1] images (MNIST 1-3, CelebA 2-10); none stated for CT',
      ours: `${p.eps.join(', ')} of ||A x|| (HU-equivalent printed with the radii table)`,
      why: 'an absolute norm of a sinogram in pixel-length units means nothing across geometries; the relative size and the HU-equivalent do',
    },
  ];
  if (Object.keys(p.hyper).length > 0)
    out.push({
      setting: 'method settings',
      paper: 'papers/002 B: T_itr 100, S 15',
      ours: Object.entries(p.hyper)
        .map(
          ([m, h]) =>
            `${m} ${Object.entries(h ?? {})
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`,
        )
        .join('; '),
      why: 'a CPU step budget (each inner step and sample is a forward and backward pass)',
    });
  return out;
}

/** The comparison rows of the report: one per claimed method, the verdict from its paired tests. */
function reportRows(claims: readonly ClaimRow[], ordCleared: boolean, gateReason: string): ComparisonRow[] {
  return claims
    .filter((c) => c.claim === 'lower')
    .map((c) => {
      const ratios = c.comparisons.map((x) => x.ratio ?? NaN);
      const worst = Math.max(...ratios.filter(Number.isFinite));
      const row: ComparisonRow = {
        quantity: `rho-hat(${c.method}) / rho-hat(ord)`,
        paper: 1,
        paperText: `< 1 at every eps (${c.source})`,
        ours: Number.isFinite(worst) ? worst : NaN,
        oursText: c.comparisons
          .map((x) => `${x.spec}: ${fmt(x.ratio, 4)} (p ${fmt(x.signFlip.p, 2)})`)
          .join(', '),
        unit: '',
        verdict: c.verdict ?? 'inconclusive',
        rule: `paired sign-flip test per eps over the slices: ${c.why}`,
      };
      return ordCleared ? row : inconclusive(row, gateReason);
    });
}

export async function runCtRobustness(o: CtRobustnessOptions): Promise<CtRobustnessOutcome> {
  const job = o.job ?? noJob();
  const t0 = performance.now();
  const p: CtRobustnessPreset = { ...CT_ROBUSTNESS_PRESETS[o.preset ?? 'quick'], ...o.overrides };
  for (const m of p.methods)
    if (!(METHOD_NAMES as readonly string[]).includes(m))
      throw new UsageError(`methods: unknown method "${m}"; choose from ${METHOD_NAMES.join(', ')}`);
  if (!p.methods.includes('ord'))
    throw new UsageError('methods: ord is the reference and must be among them');
  const geometry = makeGeometry({ size: p.size, views: p.views });
  const setup = {
    root: path.join(o.outDir, 'models'),
    data: 'ellipses',
    dataKey: 'ellipses',
    geometry,
    preset: p.model,
    batchSize: p.batchSize,
    stepsPerEpoch: p.stepsPerEpoch,
    learningRate: p.learningRate,
    seed: 0,
  };
  const hyperOf = (m: MethodName) => ({ ...(p.hyper[m] ?? {}) });
  const ord = await trainPlanned(
    {
      name: 'ord',
      method: 'ord',
      hyper: hyperOf('ord'),
      steps: p.initialSteps,
      until: { initialSteps: p.initialSteps, maxSteps: p.maxSteps, minGainDb: p.minGainDb },
    },
    setup,
    job,
  );
  const N = ord.account.steps;
  const models: TrainedRecord[] = [ord];
  for (const m of p.methods) {
    if (m === 'ord') continue;
    job.throwIfCancelled();
    const hyper = hyperOf(m);
    models.push(
      await trainPlanned(
        { name: m, method: m, hyper, steps: plannedSteps(m, N, hyper, p.stepsPerEpoch) },
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

  const root = packageRoot();
  const auditDir = path.join(o.outDir, 'audit');
  const spec = parseAuditSpec({
    name: `reproduce ct-robustness (${p.name}): every method for ${N} robust steps`,
    models: models.map((m) => ({ path: m.dir, name: m.name })),
    data: { sources: [...DEMO_SLICES.map((s) => path.join(root, s)), 'ellipses'], phantoms: p.phantoms },
    attack: { kind: 'pga-y', eps: [...p.eps], steps: p.attackSteps },
    certification: { enabled: true, samples: p.samples, sigma: [...p.sigma] },
    report: { worstSlices: 1, pdf: p.pdf },
    seed: 0,
    output: auditDir,
  });
  // A retrained model invalidates the audit; otherwise a killed audit resumes.
  const fresh = models.some((m) => !m.reused);
  if (fresh) await fs.rm(auditDir, { recursive: true, force: true });
  const audit = await runAudit({ spec, outDir: auditDir, resume: !fresh, job, commandLine: o.commandLine });
  const { lines } = await readResults(path.join(auditDir, RESULTS_FILE));
  const claims = claimTable(lines, { alpha: p.alpha });
  const tAudit = performance.now();

  const gain = ord.validation ? ord.validation.psnr - ord.validation.fbpPsnr : NaN;
  const ordCleared = ord.cleared === true;
  const gateReason = `ord's clean validation PSNR is only ${fmt(gain)} dB above FBP's (< ${p.minGainDb} dB after ${N} steps): the models have not left FBP`;
  const epsSummary = audit.summary.attack?.eps ?? [];
  const report = makeReport({
    experiment: `reproduce ct-robustness (${p.name})`,
    source: {
      paper: 'papers/000 and papers/002',
      where: 'section 4 (claims, no CT numbers)',
      verbatim: CLAIM_VERBATIM,
    },
    rows: reportRows(claims, ordCleared, gateReason),
    differences: differences(p),
    notes: [
      `ord: ${N} steps in ${ord.rounds?.length ?? 1} round(s); clean validation PSNR ${fmt(ord.validation?.psnr ?? null, 4)} dB vs FBP ${fmt(ord.validation?.fbpPsnr ?? null, 4)} dB on the same ${ord.validation?.slices ?? 0} phantoms (gain ${fmt(gain)} dB, needed ${p.minGainDb})`,
      `every robust method took >= ${N} robust steps (minmax after its warm-up): ${models
        .filter((m) => m.account.robustSteps > 0)
        .map((m) => `${m.name} ${m.account.robustSteps}`)
        .join(', ')}`,
    ],
  });
  const outcome: CtRobustnessOutcome = {
    preset: p,
    models,
    ordSteps: N,
    ordCleared,
    audit: { outDir: audit.outDir, report: audit.report, units: audit.units, summary: audit.summary },
    claims,
    radii: {
      paper: paperRadii(),
      ours: epsSummary.map((e) => ({ spec: e.spec, relative: e.meanRelative, hu: e.meanHu })),
    },
    scope: presetScope(p, audit.summary.slices.count, N),
    report,
    seconds: {
      train: (tTrain - t0) / 1000,
      audit: (tAudit - tTrain) / 1000,
      total: (performance.now() - t0) / 1000,
    },
  };
  await writeFileAtomic(path.join(o.outDir, 'reproduce.json'), `${JSON.stringify(outcome, null, 2)}\n`);
  return outcome;
}
