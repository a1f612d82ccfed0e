/**
 * The audit spec (DESIGN.md sections 4-5): what an audit runs, as JSON a user can write by hand, validated with
 * zod. `parseAuditSpec` fills every default, and the filled spec is what the audit writes back to
 * `spec.json`, so an audit folder always states every setting it ran with (and re-parsing it is a no-op).
 *
 *   models         one or several reconstructors to compare: 'fbp' or a model folder (ct-audit train);
 *                  plain FBP is added as a baseline unless `baseline: false`
 *   data           DICOM files/folders, .npy stacks/folders, or 'ellipses' (random phantoms), in order
 *   geometry       for FBP-only audits (saved models bring their own; a given size/views/physics must match
 *                  them); `physics` names the forward model (physics.ts: radon, denoise, cs), default radon
 *   noise          measurement noise of y = A x (+ noise), as src/shared/noise-spec.ts
 *   attack         the worst-case search and its eps grid (absolute, or relative to ||A x|| / ||x||)
 *   certification  randomized smoothing (papers/002 Algorithms 3-4): sigma grid, radii, samples, confidence
 *   seed, output, phi (patient identifiers in outputs: 'exclude' unless the user opts in), report
 *
 * Why the certification radii are a grid of their own: a smoothing certificate is informative only at radii
 * comparable to the per-pixel noise sigma (papers/002: eps = 5 with sigma = 10 on 0..255 images), i.e. at
 * relative sizes ~sigma_rel / sqrt(n), two orders of magnitude below the perturbations an attack is run at
 * (1% of ||A x||); at the attack's radii every sigma that keeps images readable abstains (measured:
 * ct-audit certify --space y on a 128x128 slice). Pure data and zod only: no Node, no tfjs.
 */
import { z } from 'zod';
import { parseEps } from './eps';
import { UsageError } from './errors';
import { parseNoiseSpec } from './noise-spec';
import { physicsSchema } from './physics';

export const AUDIT_SPEC_FORMAT = 'ct-audit/audit-spec';
export const AUDIT_SPEC_VERSION = 1;

/** A radius entry ("0.5" absolute, "1%" relative to the clean signal's norm), checked by src/shared/eps.ts. */
const epsEntry = z.string().superRefine((s, ctx) => {
  try {
    parseEps(s);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
  }
});

/**
 * A smoothing noise level: a number (absolute, in the units of the smoothing space) or "r%" (r percent of the
 * RMS of the clean signal in that space, per slice: the unit the smt-* training methods use).
 */
const sigmaEntry = z.union([z.number().positive(), z.string()]).superRefine((s, ctx) => {
  if (typeof s === 'number') return;
  const t = s.trim();
  const rel = t.endsWith('%');
  const v = Number(rel ? t.slice(0, -1) : t);
  if (t === '' || !(v > 0) || !Number.isFinite(v)) {
    ctx.addIssue({
      code: 'custom',
      message: `sigma "${s}": give a positive number or a percentage such as 2%`,
    });
  }
});

/** Names of models in files and seeds: letters, digits, dot, dash, underscore. */
export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const modelEntry = z.object({
  /** 'fbp' or a model folder written by `ct-audit train`. */
  path: z.string().min(1),
  /** Key in results, file names and seeds; default: 'fbp' or the folder's name. */
  name: z
    .string()
    .regex(MODEL_NAME_PATTERN, 'model names use letters, digits, ".", "-" and "_" (at most 64)')
    .optional(),
});

const dataSchema = z.object({
  /** DICOM files/folders (recursive), .npy stacks or folders of .npy, 'ellipses'. At least one. */
  sources: z.array(z.string().min(1)).min(1),
  /** At most this many slices in all (the first ones, in source order). */
  maxSlices: z.number().int().positive().optional(),
  /** Number of random-ellipse phantoms for an 'ellipses' source (held-out stream 'test'). */
  phantoms: z.number().int().positive().default(4),
  /** Accept non-CT DICOM modalities (values are then not HU). */
  allowNonCt: z.boolean().default(false),
});

const geometrySchema = z.object({
  preset: z.enum(['paper', 'demo']).default('demo'),
  size: z.number().int().min(8).max(2048).optional(),
  views: z.number().int().min(1).max(10000).optional(),
  physics: physicsSchema.optional(),
});

const attackSchema = z.object({
  /** pga-y: l2 ball in the measurement (eq. 8 of papers/000); pgd-x: l2 ball in the image. */
  kind: z.enum(['pga-y', 'pgd-x']).default('pga-y'),
  /** Radii, ascending (warm starts); relative entries are of ||A x|| (pga-y) or ||x|| (pgd-x). */
  eps: z.array(epsEntry).min(1).default(['0.5%', '1%', '2%']),
  steps: z.number().int().min(0).max(100000).default(100),
  stepSize: z.number().positive().default(0.5),
  momentum: z.number().min(0).max(0.999).default(0.5),
  restarts: z.number().int().min(1).max(100).default(1),
  randomStart: z.boolean().default(false),
  /**
   * Noise samples of the smoothed reconstruction at the attacked input, per sigma (the mean of f(y' + noise),
   * eq. 9 of papers/002): what smoothing does to the attack's worst case. 0: skip.
   */
  smoothingSamples: z.number().int().min(0).max(10000).default(8),
});

const certificationSchema = z.object({
  enabled: z.boolean().default(true),
  /** Where the smoothing noise and the certified radius live: 'x' as papers/002 (noise enters as A delta). */
  space: z.enum(['x', 'y']).default('x'),
  sigma: z.array(sigmaEntry).min(1).default(['1%', '2%', '4%']),
  /** Certified radii (absolute, or relative to ||x|| / ||A x||); see the file comment for why not the attack's. */
  eps: z.array(epsEntry).min(1).default(['0.005%', '0.01%']),
  samples: z.number().int().min(1).max(1000000).default(50),
  confidence: z.number().gt(0).lt(1).default(0.99),
  quantile: z.number().gt(0).lt(1).default(0.5),
  /** Noisy copies per forward pass (default: memory-bounded, at most 8). */
  batchSize: z.number().int().positive().optional(),
});

const reportSchema = z.object({
  /** Worst slices per model with image panels (by Delta_max at the largest attack radius). */
  worstSlices: z.number().int().min(0).max(100).default(3),
  pdf: z.boolean().default(true),
});

export const auditSpecSchema = z
  .object({
    format: z.literal(AUDIT_SPEC_FORMAT).default(AUDIT_SPEC_FORMAT),
    version: z.literal(AUDIT_SPEC_VERSION).default(AUDIT_SPEC_VERSION),
    /** A title for the report. */
    name: z.string().max(200).optional(),
    models: z.array(z.union([z.string().min(1), modelEntry])).min(1),
    /** Add plain FBP (at the models' geometry) when no model is 'fbp'. */
    baseline: z.boolean().default(true),
    data: dataSchema,
    geometry: geometrySchema.prefault({}),
    noise: z
      .string()
      .default('none')
      .superRefine((s, ctx) => {
        try {
          parseNoiseSpec(s);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: (e as Error).message });
        }
      }),
    attack: attackSchema.prefault({}),
    certification: certificationSchema.prefault({}),
    seed: z.union([z.number().int(), z.string().min(1)]).default(0),
    /** The audit folder (the CLI's --out wins). */
    output: z.string().min(1).optional(),
    /** Patient identifiers (names, IDs, dates, institution) in outputs: only with 'include'. */
    phi: z.enum(['exclude', 'include']).default('exclude'),
    report: reportSchema.prefault({}),
  })
  .strict();

export type AuditSpecInput = z.input<typeof auditSpecSchema>;
type ParsedSpec = z.output<typeof auditSpecSchema>;

export interface AuditModelSpec {
  path: string;
  name: string;
}

/** A spec with every default filled and every model named (what spec.json holds). */
export type AuditSpec = Omit<ParsedSpec, 'models'> & { models: AuditModelSpec[] };

/** A spec that does not validate (CLI exit 2); `issues` lists every problem as "path: message". */
export class AuditSpecError extends UsageError {
  readonly issues: string[];
  constructor(message: string, issues: string[]) {
    super(message, { issues });
    this.issues = issues;
  }
}

function defaultModelName(path: string): string {
  if (path === 'fbp') return 'fbp';
  const base =
    path
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() ?? 'model';
  const clean = base.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  return (clean || 'model').slice(0, 56);
}

/**
 * Validate a spec (parsed JSON) and fill its defaults: model names ('fbp' or the folder name, made unique by
 * -2, -3...), the FBP baseline (first, when `baseline` and no model is 'fbp'). Idempotent:
 * parseAuditSpec(parseAuditSpec(s)) equals parseAuditSpec(s).
 */
export function parseAuditSpec(json: unknown): AuditSpec {
  const r = auditSpecSchema.safeParse(json);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AuditSpecError(
      `audit spec: ${issues[0]}${issues.length > 1 ? ` (and ${issues.length - 1} more)` : ''}`,
      issues,
    );
  }
  const s = r.data;
  const entries = s.models.map((m) => (typeof m === 'string' ? { path: m } : m));
  if (s.baseline && !entries.some((m) => m.path === 'fbp')) entries.unshift({ path: 'fbp', name: 'fbp' });
  const used = new Set<string>();
  for (const m of entries) if (m.name) used.add(m.name);
  const models: AuditModelSpec[] = entries.map((m) => {
    if (m.name) return { path: m.path, name: m.name };
    const base = defaultModelName(m.path);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return { path: m.path, name };
  });
  const names = models.map((m) => m.name);
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup)
    throw new AuditSpecError(`audit spec: two models are named "${dup}"; give each a unique name`, [
      `models: duplicate name ${dup}`,
    ]);
  return { ...s, models };
}

/** The spec as written to spec.json (stable key order: the schema's). */
export function formatAuditSpec(spec: AuditSpec): string {
  return `${JSON.stringify(spec, null, 2)}\n`;
}

/** sigma entry -> { absolute } or { relative } (fraction of the RMS of the clean signal). */
export function parseSigmaEntry(s: number | string): { absolute: number } | { relative: number } {
  if (typeof s === 'number') return { absolute: s };
  const t = s.trim();
  return t.endsWith('%') ? { relative: Number(t.slice(0, -1)) / 100 } : { absolute: Number(t) };
}

/** The text of a sigma entry as shown in tables ("2%" or "0.05"). */
export function formatSigmaEntry(s: number | string): string {
  return typeof s === 'number' ? String(s) : s.trim();
}
