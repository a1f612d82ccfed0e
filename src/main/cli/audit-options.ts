/**
 * The options of the audit-shaped commands (`audit`, `batch`, `attack`, `certify`) and the audit spec they
 * build: a spec file (`--spec audit.json`) and flags, flags winning. The attack and certification flags come
 * from their one definition (robustness-options.ts).
 */
import { promises as fs } from 'node:fs';
import type { Command } from 'commander';
import { parseAuditSpec, type AuditSpec, type AuditSpecInput } from '@shared/audit-spec';
import { UsageError } from '@shared/errors';
import { parseChoice, parseIntOption } from './context';
import { addRobustnessOptions, robustnessFromOptions } from './robustness-options';
import { parsePhysics } from '@shared/physics';

/** What the flags hold (the robustness flags are src/shared/robustness.ts's fields, read generically). */
export interface AuditCliOptions extends Record<string, unknown> {
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

/** Options of `audit`, `batch`, `attack` and `certify` (no defaults here: the spec schema fills them). */
export function addAuditOptions(cmd: Command, o: { data: boolean; outOptional?: boolean }): Command {
  cmd
    .option('--spec <file>', 'audit spec (JSON); flags given as well override it')
    .option(
      '--model <dir|fbp>',
      'model to audit, repeatable: a model folder (ct-audit train or ct-audit import) or fbp',
      collect,
    );
  if (o.data) {
    cmd.option(
      '--data <spec>',
      'data, repeatable: DICOM file or folder, .npy stack or folder, or "ellipses" (phantoms)',
      collect,
    );
  }
  cmd
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
    .option(
      '--physics <p>',
      'forward model: radon (CT, default), denoise (A = I) or cs[:ratio=0.1,block=32,seed=0,init=pinv]',
    )
    .option('--slices <n>', 'audit at most n slices (the first ones)', parseIntOption('slices', 1))
    .option(
      '--phantoms <n>',
      'number of random-ellipse phantoms for --data ellipses',
      parseIntOption('phantoms', 1),
    )
    .option('--noise <spec>', 'measurement noise: none | gaussian:<sigma> | gaussian:<r>% | poisson:<I0>')
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
    .option(
      '--out <dir>',
      o.outOptional
        ? 'audit folder (default: a temporary one, removed afterwards)'
        : 'output folder (required)',
    )
    .option('--resume', 'continue the audit in --out (same settings)')
    .option('--json', 'print the summary as JSON')
    .option('--quiet', 'no progress line');
  return addRobustnessOptions(cmd);
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
export async function specFromOptions(
  o: AuditCliOptions,
  data?: string[],
  under: Record<string, unknown> = {},
): Promise<AuditSpec | undefined> {
  const file: Record<string, unknown> = o.spec ? await readSpecFile(o.spec) : {};
  // The command's defaults lie under the file, the file under the flags.
  const base: Record<string, unknown> = { ...under, ...file };
  for (const [k, v] of Object.entries(under)) {
    if (v && typeof v === 'object' && !Array.isArray(v) && file[k] && typeof file[k] === 'object') {
      base[k] = { ...(v as object), ...(file[k] as object) };
    }
  }
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
  set(geometry, 'physics', o.physics !== undefined ? parsePhysics(o.physics as string) : undefined);
  set(s, 'noise', o.noise);
  const r = robustnessFromOptions(o);
  Object.assign(attack, r.attack);
  Object.assign(cert, r.certification);
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
