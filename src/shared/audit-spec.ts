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
 *   attack         the worst-case search and its grid of radii (src/shared/robustness.ts: every option there)
 *   certification  randomized smoothing at each attacked input (papers/002 Table 1, Algorithm 3): sigma grid,
 *                  samples, confidence, the fixed reference of the certified error (src/shared/robustness.ts)
 *   seed, output, phi (patient identifiers in outputs: 'exclude' unless the user opts in), report
 *
 * Attack and certification share one grid of radii in one unit (src/shared/eps.ts: %, HU-equivalent or
 * absolute): at each radius the attack's worst case and the certificate at that attacked input, so a report
 * never shows certificates at radii other than the attacks'. Pure data and zod only: no Node, no tfjs.
 */
import { z } from 'zod';
import { UsageError } from './errors';
import { parseNoiseSpec } from './noise-spec';
import { physicsSchema } from './physics';
import { attackSettingsSchema, certificationSettingsSchema } from './robustness';

export const AUDIT_SPEC_FORMAT = 'ct-audit/audit-spec';
export const AUDIT_SPEC_VERSION = 2;

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
    attack: attackSettingsSchema.prefault({}),
    certification: certificationSettingsSchema.prefault({}),
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
