/**
 * The forward model y = A x (+ b) a geometry stands for (DESIGN.md section 3): plain data with its zod schema,
 * shared by card.json, the audit spec, the CLI and the UI. The engine builds the operator from it
 * (engine/physics/make-operator.ts).
 *
 *   radon    parallel-beam CT (default): A = the Radon transform, measurements [A views, D detector bins]
 *   denoise  A = I (papers/002 section 4, "denoising, where A = I and b is Gaussian noise with level sigma_b");
 *            the noise b is the measurement noise (noise-spec.ts: gaussian:<sigma_b>), not part of A
 *   cs       compressed sensing (papers/002 section 4, ISTA-Net's block CS): the image is tiled into
 *            `block` x `block` blocks and each block is measured by one seeded Gaussian matrix
 *            Phi in R^(m x block^2), m = round(ratio * block^2); measurements [blocks, m]
 *
 * Why block 32 by default, not ISTA-Net's 33: FBPConvNet's U-Net halves the image `depth` times, so N must be a
 * multiple of 2^depth, and an image tiled by 33-blocks has N = 33 k, odd unless k is even: the smallest sizes
 * that work are 132 (tiny, depth 2) and 264 (small, depth 3), 17x and 68x the pixels of a 32 x 32 Fashion-MNIST
 * image. 33 comes from ISTA-Net's 1089 = 33^2 columns, not from the problem; at ratio 0.1 the two give the
 * same compression (102/1024 = 0.0996 vs 109/1089 = 0.1001). `block: 33` stays available (e.g. with the
 * `linear` model, or N = 132).
 *
 * Why the pseudo-inverse A^+ y = Phi^T (Phi Phi^T)^-1 y as the initial reconstruction (the "FBP" of FBPConvNet)
 * by default, not A^T y (ISTA-Net++'s and papers/000's input): A^+ A is the orthogonal projector onto the row
 * space, so A^+ A x is x's component that the data determine, in x's own units, and the residual U-Net learns
 * the null-space part, as FBPConvNet's U-Net learns what FBP misses. A^T A x is (n/m) ~ 10 times larger on that
 * space (E Phi Phi^T = (n/m) I for N(0, 1/m) entries), so the residual connection would start from an image
 * ten times too bright. Phi Phi^T is well conditioned (Marchenko-Pastur: kappa ~ ((1 + sqrt(m/n)) /
 * (1 - sqrt(m/n)))^2 ~ 3.7 at m/n = 0.1), so A^+ does not amplify noise. `init: 'adjoint'` gives A^T y.
 */
import { z } from 'zod';
import { UsageError } from './errors';

export const PHYSICS_KINDS = ['radon', 'denoise', 'cs'] as const;
export type PhysicsKind = (typeof PHYSICS_KINDS)[number];

/** papers/002 section 4: m/n = 0.1 is its compressed-sensing ratio in Tables 1-2. */
export const CS_DEFAULT_RATIO = 0.1;
/** 32 rather than ISTA-Net's 33: see the file comment. */
export const CS_DEFAULT_BLOCK = 32;
export const CS_INITS = ['pinv', 'adjoint'] as const;
export type CsInit = (typeof CS_INITS)[number];

export const physicsSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('radon') }),
  z.strictObject({ kind: z.literal('denoise') }),
  z.strictObject({
    kind: z.literal('cs'),
    /** m / n per block, in (0, 1]. */
    ratio: z.number().gt(0).max(1).default(CS_DEFAULT_RATIO),
    /** Block side in pixels; the image side must be a multiple of it. */
    block: z.number().int().min(2).max(128).default(CS_DEFAULT_BLOCK),
    /** Seed of Phi: the same seed gives the same matrix on every machine. */
    seed: z.union([z.number().int(), z.string().min(1).max(200)]).default(0),
    /** Initial reconstruction: pseudo-inverse (default) or adjoint. */
    init: z.enum(CS_INITS).default('pinv'),
  }),
]);

export type Physics = z.output<typeof physicsSchema>;
export type PhysicsInput = z.input<typeof physicsSchema>;
export type CsPhysics = Extract<Physics, { kind: 'cs' }>;

export const RADON_PHYSICS: Physics = { kind: 'radon' };

/** Validates physics given as plain data (IPC, JSON) and fills the defaults; UsageError on bad input. */
export function makePhysics(input: PhysicsInput | undefined): Physics {
  if (input === undefined) return RADON_PHYSICS;
  const r = physicsSchema.safeParse(input);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UsageError(`physics: ${i.path.join('.') || 'kind'}: ${i.message}`);
  }
  return r.data;
}

/** m = round(ratio * block^2) measurements per block, at least 1. */
export function csMeasurementsPerBlock(p: Pick<CsPhysics, 'ratio' | 'block'>): number {
  return Math.max(1, Math.round(p.ratio * p.block * p.block));
}

/**
 * `--physics` text -> Physics: `radon`, `denoise`, `cs`, or `cs:key=value,...` with keys ratio, block, seed,
 * init (e.g. `cs:ratio=0.1,block=33,seed=7`).
 */
export function parsePhysics(text: string): Physics {
  const t = text.trim();
  const [kind, rest] = t.includes(':') ? [t.slice(0, t.indexOf(':')), t.slice(t.indexOf(':') + 1)] : [t, ''];
  const usage = `physics "${text}" not understood: use radon, denoise, cs or cs:ratio=0.1,block=32,seed=0,init=pinv`;
  if (!(PHYSICS_KINDS as readonly string[]).includes(kind)) throw new UsageError(usage);
  if (kind !== 'cs') {
    if (rest !== '') throw new UsageError(`${usage} (${kind} takes no parameters)`);
    return makePhysics({ kind: kind as 'radon' | 'denoise' });
  }
  const o: Record<string, string | number> = { kind: 'cs' };
  for (const part of rest.split(',').filter((s) => s.trim() !== '')) {
    const [k, v] = part.split('=').map((s) => s.trim());
    if (!k || v === undefined || !['ratio', 'block', 'seed', 'init'].includes(k)) throw new UsageError(usage);
    const num = Number(v);
    o[k] = k === 'init' || (k === 'seed' && !/^-?\d+$/.test(v)) ? v : num;
  }
  return makePhysics(o as PhysicsInput);
}

/** The inverse of parsePhysics (parsePhysics(formatPhysics(p)) equals p). */
export function formatPhysics(p: Physics): string {
  if (p.kind !== 'cs') return p.kind;
  return `cs:ratio=${p.ratio},block=${p.block},seed=${p.seed},init=${p.init}`;
}

/** One line for reports and logs. */
export function describePhysics(p: Physics): string {
  switch (p.kind) {
    case 'radon':
      return 'parallel-beam CT (Radon transform)';
    case 'denoise':
      return 'denoising (A = I)';
    case 'cs': {
      const m = csMeasurementsPerBlock(p);
      return (
        `compressed sensing: seeded Gaussian ${m} x ${p.block * p.block} per ${p.block}x${p.block} block ` +
        `(m/n = ${(m / (p.block * p.block)).toFixed(4)}, seed ${p.seed}), initial reconstruction ` +
        (p.init === 'pinv' ? 'A^+ y' : 'A^T y')
      );
    }
  }
}

/** Whether two physics descriptions are the same forward model. */
export function samePhysics(a: Physics, b: Physics): boolean {
  return formatPhysics(a) === formatPhysics(b);
}
