/**
 * Attack and certification settings: the one definition of every option of the robustness evaluation (its
 * name, CLI flag, label, help, unit, bounds and default). The audit spec embeds both objects; the IPC requests
 * of the one-slice audit carry them; the CLI builds its flags from these fields (src/main/cli/robustness-
 * options.ts) and the UI its forms (RobustnessSettingsForm.vue). Adding an option means adding a field here
 * and using it in the engine (engine/audit/evaluate-unit.ts).
 *
 * What is evaluated (papers/000 eq. 8-9, papers/002 Table 1 and Algorithm 3): for every radius eps of the grid,
 * the attack's worst case y' in the eps-ball (sigma = 0), and at that attacked input the randomized-smoothing
 * estimate per sigma: the median smoothed reconstruction (its PSNR/SSIM) and a certificate — with confidence
 * c, the q-quantile (q = 0.5: the median) of the smoothed error l(f(y'' + delta), r) is at most the bound B at
 * EVERY input y'' within eps of y' (a ball that contains the clean measurement). The error is measured against
 * a FIXED reference r (the ground-truth slice by default), so the Gaussian percentile-smoothing lemma behind
 * Corollary 3.2 applies exactly (tests/unit/certify/validity.test.ts checks coverage by brute force).
 * Pure data and zod only.
 */
import { z } from 'zod';
import { parseEps, parseSigma } from './eps';

/** spsa-y / spsa-x: pga-y's and pgd-x's balls searched with forward passes only (what black-box models get). */
export const ATTACK_KINDS = [
  'pga-y',
  'pgd-x',
  'antun-x',
  'mismatch',
  'generator',
  'spsa-y',
  'spsa-x',
] as const;
export type AttackKind = (typeof ATTACK_KINDS)[number];

/**
 * Where each attack's perturbation lives, hence where the smoothing noise and the certified radius live: a
 * certificate covers perturbations of the same space (pga-y, generator, mismatch: the measurement; pgd-x,
 * antun-x: the image, entering as A xi).
 */
export const ATTACK_SPACE: Record<AttackKind, 'x' | 'y'> = {
  'pga-y': 'y',
  'pgd-x': 'x',
  'antun-x': 'x',
  mismatch: 'y',
  generator: 'y',
  'spsa-y': 'y',
  'spsa-x': 'x',
};

/** What the attack's grid means: an l2 radius, a penalty weight (antun-x), or one operator-error box. */
export const ATTACK_GRID: Record<AttackKind, 'radius' | 'lambda' | 'single'> = {
  'pga-y': 'radius',
  'pgd-x': 'radius',
  'antun-x': 'lambda',
  mismatch: 'single',
  generator: 'radius',
  'spsa-y': 'radius',
  'spsa-x': 'radius',
};

export const CERT_REFERENCES = ['truth', 'clean'] as const;
export type CertReference = (typeof CERT_REFERENCES)[number];

interface FieldBase<K extends string> {
  /** Key in the settings object. */
  key: K;
  /** CLI flag without dashes. */
  flag: string;
  /** Label in forms and tables. */
  label: string;
  /** One sentence: CLI help and form tooltip. */
  help: string;
  /** Only for these attack kinds (shown and used only then). */
  appliesTo?: readonly AttackKind[];
}

export type Field<K extends string = string> = FieldBase<K> &
  (
    | { type: 'int'; min: number; max: number; default: number }
    | {
        type: 'number';
        min: number;
        max: number;
        exclusiveMin?: boolean;
        exclusiveMax?: boolean;
        default: number;
      }
    | { type: 'boolean'; default: boolean }
    | { type: 'choice'; choices: readonly string[]; default: string }
    | { type: 'radii'; default: readonly string[] }
    | { type: 'sigmas'; default: readonly string[] }
    | { type: 'numbers'; min: number; default: readonly number[] }
  );

export const ATTACK_FIELDS = [
  {
    key: 'kind',
    flag: 'attack',
    label: 'Attack',
    help: 'pga-y: l2 ball in the measurement (papers/000 eq. 8); pgd-x: l2 ball in the image; antun-x: penalized image perturbation (eq. 3); mismatch: operator errors; generator: a trained perturbation generator G (eq. 7)',
    type: 'choice',
    choices: ATTACK_KINDS,
    default: 'pga-y',
  },
  {
    key: 'eps',
    flag: 'eps',
    label: 'Radii',
    help: 'radii, ascending: 1% of the clean signal norm, 5HU (HU-equivalent RMS) or an absolute l2 norm; each is attacked and certified',
    type: 'radii',
    default: ['0.1%', '0.5%', '1%', '2%'],
  },
  {
    key: 'steps',
    flag: 'steps',
    label: 'Steps per radius',
    help: 'gradient steps of the attack at each radius (warm-started from the previous radius)',
    type: 'int',
    min: 0,
    max: 10000,
    default: 100,
  },
  {
    key: 'stepSize',
    flag: 'step-size',
    label: 'Step size',
    help: 'step length as a fraction of the radius',
    type: 'number',
    min: 0,
    max: 10,
    exclusiveMin: true,
    default: 0.5,
    appliesTo: ['pga-y', 'pgd-x', 'spsa-y', 'spsa-x'],
  },
  {
    key: 'momentum',
    flag: 'momentum',
    label: 'Momentum',
    help: 'momentum of the ascent (papers/000: 0.5 for y-space attacks)',
    type: 'number',
    min: 0,
    max: 0.999,
    default: 0.5,
    appliesTo: ['pga-y', 'pgd-x', 'spsa-y', 'spsa-x'],
  },
  {
    key: 'restarts',
    flag: 'restarts',
    label: 'Restarts',
    help: 'random restarts per radius; the worst case over them is kept',
    type: 'int',
    min: 1,
    max: 100,
    default: 1,
    appliesTo: ['pga-y', 'pgd-x', 'spsa-y', 'spsa-x'],
  },
  {
    key: 'randomStart',
    flag: 'random-start',
    label: 'Random start',
    help: 'start from a random point on the sphere instead of next to 0',
    type: 'boolean',
    default: false,
    appliesTo: ['pga-y', 'pgd-x', 'spsa-y', 'spsa-x'],
  },
  {
    key: 'lambda',
    flag: 'lambda',
    label: 'Penalty weights',
    help: 'antun-x: the weights lambda of Q_y(r) (papers/000 eq. 3), one grid point each',
    type: 'numbers',
    min: 0,
    default: [1],
    appliesTo: ['antun-x'],
  },
  {
    key: 'antunStepSize',
    flag: 'antun-step-size',
    label: 'Learning rate',
    help: 'antun-x: absolute learning rate eta of the ascent on Q_y(r) (Antun et al.: 0.01)',
    type: 'number',
    min: 0,
    max: 10,
    exclusiveMin: true,
    default: 0.01,
    appliesTo: ['antun-x'],
  },
  {
    key: 'antunMomentum',
    flag: 'antun-momentum',
    label: 'Momentum',
    help: 'antun-x: momentum gamma (Antun et al.: 0.9)',
    type: 'number',
    min: 0,
    max: 0.999,
    default: 0.9,
    appliesTo: ['antun-x'],
  },
  {
    key: 'maxAngle',
    flag: 'max-angle',
    label: 'Angle error (deg)',
    help: 'mismatch: largest view-angle offset in degrees',
    type: 'number',
    min: 0,
    max: 10,
    default: 0.5,
    appliesTo: ['mismatch'],
  },
  {
    key: 'maxShift',
    flag: 'max-shift',
    label: 'Detector shift (bins)',
    help: 'mismatch: largest detector shift in bins',
    type: 'number',
    min: 0,
    max: 10,
    default: 0.5,
    appliesTo: ['mismatch'],
  },
  {
    key: 'maxGain',
    flag: 'max-gain',
    label: 'Gain error',
    help: 'mismatch: largest per-view gain error as a fraction (0.02 = 2%)',
    type: 'number',
    min: 0,
    max: 0.5,
    default: 0.02,
    appliesTo: ['mismatch'],
  },
  {
    key: 'trainSlices',
    flag: 'train-slices',
    label: 'G training phantoms',
    help: 'generator: held-out random-ellipse phantoms G is trained on (once per model)',
    type: 'int',
    min: 1,
    max: 10000,
    default: 16,
    appliesTo: ['generator'],
  },
  {
    key: 'generatorSteps',
    flag: 'generator-steps',
    label: 'G training steps',
    help: 'generator: Adam steps on G',
    type: 'int',
    min: 1,
    max: 100000,
    default: 300,
    appliesTo: ['generator'],
  },
] as const satisfies readonly Field[];

export const CERTIFICATION_FIELDS = [
  {
    key: 'enabled',
    flag: 'certify',
    label: 'Certify',
    help: 'randomized-smoothing estimate and certificate at each attacked input (papers/002 Algorithm 3)',
    type: 'boolean',
    default: true,
  },
  {
    key: 'sigma',
    flag: 'sigma',
    label: 'Smoothing noise',
    help: 'noise levels per element: eps/k (sigma = radius/k), 2% (of the clean RMS), 10HU, or absolute; the best is reported per radius',
    type: 'sigmas',
    default: ['eps/0.5', 'eps/1', 'eps/1.5'],
  },
  {
    key: 'samples',
    flag: 'samples',
    label: 'Samples S',
    help: 'noise samples per radius and sigma (papers/002: 1000)',
    type: 'int',
    min: 1,
    max: 1000000,
    default: 100,
  },
  {
    key: 'confidence',
    flag: 'confidence',
    label: 'Confidence c',
    help: 'confidence of the certified bound (papers/002: 0.99)',
    type: 'number',
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
    default: 0.99,
  },
  {
    key: 'quantile',
    flag: 'quantile',
    label: 'Quantile q',
    help: 'certified quantile of the smoothed error (0.5: the median, Corollary 3.2)',
    type: 'number',
    min: 0,
    max: 1,
    exclusiveMin: true,
    exclusiveMax: true,
    default: 0.5,
  },
  {
    key: 'reference',
    flag: 'cert-reference',
    label: 'Error against',
    help: 'the fixed reference of the certified error: truth (the slice) or clean (f of the clean measurement)',
    type: 'choice',
    choices: CERT_REFERENCES,
    default: 'truth',
  },
] as const satisfies readonly Field[];

function zodOf(f: Field): z.ZodType {
  switch (f.type) {
    case 'int':
      return z.number().int().min(f.min).max(f.max).default(f.default);
    case 'number': {
      let s = z.number();
      s = f.exclusiveMin ? s.gt(f.min) : s.min(f.min);
      s = f.exclusiveMax ? s.lt(f.max) : s.max(f.max);
      return s.default(f.default);
    }
    case 'boolean':
      return z.boolean().default(f.default);
    case 'choice':
      return z.enum(f.choices as [string, ...string[]]).default(f.default);
    case 'numbers':
      return z
        .array(z.number().min(f.min))
        .min(1)
        .default([...f.default]);
    case 'radii':
      return z
        .array(
          z.string().superRefine((s, ctx) => {
            try {
              parseEps(s);
            } catch (e) {
              ctx.addIssue({ code: 'custom', message: (e as Error).message });
            }
          }),
        )
        .min(1)
        .default([...f.default]);
    case 'sigmas':
      return z
        .array(
          z.union([z.number(), z.string()]).superRefine((s, ctx) => {
            try {
              parseSigma(s);
            } catch (e) {
              ctx.addIssue({ code: 'custom', message: (e as Error).message });
            }
          }),
        )
        .min(1)
        .default([...f.default]);
  }
}

type FieldValue<F> = F extends { type: 'int' | 'number' }
  ? number
  : F extends { type: 'boolean' }
    ? boolean
    : F extends { type: 'choice'; choices: readonly (infer C)[] }
      ? C
      : F extends { type: 'radii' }
        ? string[]
        : F extends { type: 'sigmas' }
          ? (string | number)[]
          : F extends { type: 'numbers' }
            ? number[]
            : never;

type SettingsOf<Fs extends readonly Field[]> = { [F in Fs[number] as F['key']]: FieldValue<F> };

function objectOf<Fs extends readonly Field[], E extends object = object>(
  fields: Fs,
  extra: Record<string, z.ZodType> = {},
) {
  const shape = { ...Object.fromEntries(fields.map((f) => [f.key, zodOf(f)])), ...extra };
  return z.object(shape).strict() as unknown as z.ZodType<
    SettingsOf<Fs> & E,
    Partial<SettingsOf<Fs>> & Partial<E>
  >;
}

export const attackSettingsSchema = objectOf(ATTACK_FIELDS);
export type AttackSettings = SettingsOf<typeof ATTACK_FIELDS>;

export type CertificationSettings = SettingsOf<typeof CERTIFICATION_FIELDS> & {
  /** Noisy copies per forward pass (default: memory-bounded, at most 8). Performance only. */
  batchSize?: number;
};
export const certificationSettingsSchema = objectOf<typeof CERTIFICATION_FIELDS, { batchSize?: number }>(
  CERTIFICATION_FIELDS,
  { batchSize: z.number().int().positive().optional() },
);

/** The defaults of every field (what a form starts with). */
export function defaultSettings<Fs extends readonly Field[]>(fields: Fs): SettingsOf<Fs> {
  return Object.fromEntries(
    fields.map((f) => [f.key, Array.isArray(f.default) ? [...f.default] : f.default]),
  ) as SettingsOf<Fs>;
}

export const DEFAULT_ATTACK: AttackSettings = defaultSettings(ATTACK_FIELDS);
export const DEFAULT_CERTIFICATION: CertificationSettings = defaultSettings(CERTIFICATION_FIELDS);

/** Whether a field is used by an attack kind. */
export function fieldApplies(f: Pick<Field, 'appliesTo'>, kind: AttackKind): boolean {
  return !f.appliesTo || f.appliesTo.includes(kind);
}

/** The text of a list field in a form or on a command line ("0.1%, 1%"). */
export function formatList(v: readonly (string | number)[]): string {
  return v.map(String).join(', ');
}
