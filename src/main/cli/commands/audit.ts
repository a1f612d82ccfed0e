/**
 * `ct-audit audit`: the main job (DESIGN.md sections 4-5): models x slices -> attack, certification, summary,
 * images and report in one folder. From a spec file (`--spec audit.json`) or flags; flags override the
 * file. Also the option set and spec building shared with `ct-audit batch` (progress: ../progress.ts).
 */
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { parseAuditSpec, type AuditSpec, type AuditSpecInput } from '@shared/audit-spec';
import type { AuditSummary } from '@shared/audit-results';
import { JobCancelledError, UsageError } from '@shared/errors';
import { runAudit, type AuditOutcome } from '../../engine/audit';
import { parseChoice, parseIntOption, parseNumberOption, printJson, startBackend } from '../context';
import { cliProgress } from '../progress';

export interface AuditCliOptions {
  spec?: string;
  model?: string[];
  data?: string[];
  baseline?: boolean;
  preset?: 'paper' | 'demo';
  size?: number;
  views?: number;
  slices?: number;
  phantoms?: number;
  noise?: string;
  attack?: 'pga-y' | 'pgd-x';
  eps?: string;
  steps?: number;
  stepSize?: number;
  restarts?: number;
  smoothingSamples?: number;
  certify?: boolean;
  space?: 'x' | 'y';
  sigma?: string;
  certEps?: string;
  samples?: number;
  confidence?: number;
  batchSize?: number;
  seed?: string;
  phi?: 'exclude' | 'include';
  worst?: number;
  pdf?: boolean;
  allowNonCt?: boolean;
  name?: string;
  out?: string;
  resume?: boolean;
  json?: boolean;
  quiet?: boolean;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Options of `audit` and `batch` (no defaults here: the spec schema fills them). */
export function addAuditOptions(cmd: Command, o: { data: boolean }): Command {
  cmd
    .option('--spec <file>', 'audit spec (JSON); flags given as well override it')
    .option(
      '--model <dir|fbp>',
      'model to audit, repeatable: a model folder (ct-audit train) or fbp',
      collect,
    );
  if (o.data) {
    cmd.option(
      '--data <spec>',
      'data, repeatable: DICOM file or folder, .npy stack or folder, or "ellipses" (phantoms)',
      collect,
    );
  }
  return cmd
    .option('--no-baseline', 'do not add plain FBP as a baseline model')
    .option(
      '--preset <name>',
      'geometry of FBP-only audits: paper or demo',
      parseChoice('preset', ['paper', 'demo'] as const),
    )
    .option(
      '--size <N>',
      'image side N (FBP-only audits; saved models bring theirs)',
      parseIntOption('size', 8, 2048),
    )
    .option('--views <A>', 'views over [0, 180)', parseIntOption('views', 1, 10000))
    .option('--slices <n>', 'audit at most n slices (the first ones)', parseIntOption('slices', 1))
    .option(
      '--phantoms <n>',
      'number of random-ellipse phantoms for --data ellipses',
      parseIntOption('phantoms', 1),
    )
    .option('--noise <spec>', 'measurement noise: none | gaussian:<sigma> | gaussian:<r>% | poisson:<I0>')
    .option(
      '--attack <kind>',
      'pga-y (measurement space) or pgd-x (image space)',
      parseChoice('attack', ['pga-y', 'pgd-x'] as const),
    )
    .option('--eps <list>', 'attack radii, absolute or relative (1% of ||Ax||), e.g. 0.5%,1%,2%')
    .option('--steps <n>', 'attack steps per radius (default 100)', parseIntOption('steps', 0))
    .option(
      '--step-size <a>',
      'attack step length relative to eps (default 0.5)',
      parseNumberOption('step-size', 0),
    )
    .option('--restarts <n>', 'attack restarts (default 1)', parseIntOption('restarts', 1, 100))
    .option(
      '--smoothing-samples <n>',
      'samples of the smoothed reconstruction at the attacked input (default 8; 0: skip)',
      parseIntOption('smoothing-samples', 0),
    )
    .option('--no-certify', 'skip randomized-smoothing certification')
    .option(
      '--space <x|y>',
      'smoothing / certification space (default x, as papers/002)',
      parseChoice('space', ['x', 'y'] as const),
    )
    .option(
      '--sigma <list>',
      'smoothing noise levels: absolute, or r% of the clean signal RMS (default 1%,2%,4%)',
    )
    .option('--cert-eps <list>', 'certified radii, absolute or relative (default 0.005%,0.01%)')
    .option(
      '--samples <S>',
      'smoothing samples per slice and sigma (default 50)',
      parseIntOption('samples', 1, 1_000_000),
    )
    .option(
      '--confidence <c>',
      'confidence of the certified bound (default 0.99)',
      parseNumberOption('confidence', 0, 1),
    )
    .option('--batch-size <n>', 'noisy copies per forward pass', parseIntOption('batch-size', 1))
    .option('--seed <s>', 'seed of phantoms, noise, attacks and smoothing (default 0)')
    .option(
      '--phi <policy>',
      'patient identifiers in outputs: exclude (default) or include',
      parseChoice('phi', ['exclude', 'include'] as const),
    )
    .option(
      '--worst <k>',
      'worst slices per model with image panels (default 3)',
      parseIntOption('worst', 0, 100),
    )
    .option('--no-pdf', 'do not write report.pdf')
    .option('--allow-non-ct', 'accept non-CT DICOM modalities')
    .option('--name <title>', 'title of the report')
    .requiredOption('--out <dir>', 'output folder')
    .option('--resume', 'continue the audit in --out (same settings)')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress line');
}

async function readSpecFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(
      `--spec ${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
    );
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (e) {
    throw new UsageError(`--spec ${file}: not JSON (${(e as Error).message})`);
  }
}

/** The spec of flags over an optional spec file; undefined when nothing is given (resume from spec.json). */
export async function specFromOptions(o: AuditCliOptions, data?: string[]): Promise<AuditSpec | undefined> {
  const base: Record<string, unknown> = o.spec ? await readSpecFile(o.spec) : {};
  const sub = (k: string) => ({ ...((base[k] as Record<string, unknown> | undefined) ?? {}) });
  const s: Record<string, unknown> = { ...base };
  const dataPart = sub('data');
  const geometry = sub('geometry');
  const attack = sub('attack');
  const cert = sub('certification');
  const report = sub('report');
  const set = (obj: Record<string, unknown>, k: string, v: unknown) => {
    if (v !== undefined) obj[k] = v;
  };
  set(s, 'models', o.model);
  if (o.baseline === false) s.baseline = false;
  const sources = data ?? o.data;
  set(dataPart, 'sources', sources);
  set(dataPart, 'maxSlices', o.slices);
  set(dataPart, 'phantoms', o.phantoms);
  if (o.allowNonCt) dataPart.allowNonCt = true;
  set(geometry, 'preset', o.preset);
  set(geometry, 'size', o.size);
  set(geometry, 'views', o.views);
  set(s, 'noise', o.noise);
  set(attack, 'kind', o.attack);
  set(attack, 'eps', o.eps ? list(o.eps) : undefined);
  set(attack, 'steps', o.steps);
  set(attack, 'stepSize', o.stepSize);
  set(attack, 'restarts', o.restarts);
  set(attack, 'smoothingSamples', o.smoothingSamples);
  if (o.certify === false) cert.enabled = false;
  set(cert, 'space', o.space);
  set(cert, 'sigma', o.sigma ? list(o.sigma) : undefined);
  set(cert, 'eps', o.certEps ? list(o.certEps) : undefined);
  set(cert, 'samples', o.samples);
  set(cert, 'confidence', o.confidence);
  set(cert, 'batchSize', o.batchSize);
  if (o.seed !== undefined) s.seed = /^-?\d+$/.test(o.seed) ? Number(o.seed) : o.seed;
  set(s, 'phi', o.phi);
  set(report, 'worstSlices', o.worst);
  if (o.pdf === false) report.pdf = false;
  set(s, 'name', o.name);
  set(s, 'output', o.out);
  const nothing = !o.spec && !o.model && !sources;
  if (nothing && o.resume) return undefined;
  if (!s.models) throw new UsageError('give --model (repeatable) or a --spec file with "models"');
  if (!dataPart.sources)
    throw new UsageError('give --data (repeatable) or a --spec file with "data.sources"');
  Object.assign(s, { data: dataPart, geometry, attack, certification: cert, report });
  return parseAuditSpec(s as AuditSpecInput);
}

function num(v: number | null | undefined, digits = 4): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toPrecision(digits);
}

/** The rho-hat table and the certification headline of a summary. */
export function printSummary(s: AuditSummary): void {
  if (s.attack) {
    const eps = s.attack.eps;
    const header = ['model', 'clean', ...eps.map((e) => `eps ${e.spec}`)];
    const rows = s.rhoHat.map((r) => [
      r.model,
      num(r.clean.mean),
      ...r.points.map((p) => `${num(p.rhoHat)} ±${num(p.stats.std, 2)}`),
    ]);
    console.log(
      `rho-hat(eps) = mean over ${s.slices.count} slice(s) of Delta_max = ||f(y + delta) - x|| (${s.attack.kind}):`,
    );
    printTable(header, rows);
  }
  const c = s.certification;
  if (c) {
    console.log(
      `certification (${c.space} space, S = ${c.samples}, confidence ${c.confidence}): best sigma per model and radius (mean certified discrepancy, certified PSNR):`,
    );
    const rows = c.bestSigma.map((b) => [
      b.model,
      c.eps.find((e) => e.index === b.epsIndex)?.spec ?? '?',
      b.sigma ?? `none (${b.reason})`,
      num(b.meanCertified),
      b.meanCertifiedPsnr === null ? '-' : `${b.meanCertifiedPsnr.toFixed(2)} dB`,
    ]);
    printTable(['model', 'radius', 'best sigma', 'certified D', 'PSNR'], rows);
  }
}

export function printTable(header: string[], rows: string[][]): void {
  const cells = [header, ...rows];
  const w = header.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  for (const r of cells)
    console.log(`  ${r.map((v, c) => (c === 0 ? v.padEnd(w[c]) : v.padStart(w[c]))).join('  ')}`);
}

export function printOutcome(r: AuditOutcome): void {
  printSummary(r.summary);
  console.log(
    `${r.units.computed} of ${r.units.total} slice x model unit(s) computed${r.units.resumed > 0 ? ` (${r.units.resumed} from the earlier run)` : ''}`,
  );
  for (const k of r.skipped) console.log(`  skipped slice ${k.slice} (${k.id}) for ${k.model}: ${k.reason}`);
  console.log(`audit folder: ${r.outDir} (spec.json, manifest.json, results.jsonl, summary.json, images/)`);
  if (r.report) console.log(`report: ${r.report}`);
  else if (r.reportError) console.log(`no report.pdf: ${r.reportError}`);
}

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description(
      'audit models on slices: pga-y rho-hat(eps), randomized-smoothing certificates, summary, images, PDF report',
    );
  addAuditOptions(cmd, { data: true }).action(async (o: AuditCliOptions, c: Command) => {
    const spec = await specFromOptions(o);
    await startBackend(c);
    const progress = cliProgress({ quiet: o.quiet || o.json });
    let r: AuditOutcome;
    try {
      r = await runAudit({
        spec,
        outDir: o.out,
        resume: o.resume,
        job: progress.job,
        commandLine: process.argv.slice(1),
      });
    } catch (e) {
      progress.done();
      if (e instanceof JobCancelledError) {
        throw new JobCancelledError(
          `audit cancelled; the completed slices are in ${o.out}/results.jsonl — continue with the same command and --resume`,
        );
      }
      throw e;
    }
    progress.done();
    if (o.json) printJson(r.summary);
    else printOutcome(r);
  });
}
