/**
 * The model card (`card.json`, DESIGN.md section 5): what a saved model is and how it was made — geometry,
 * architecture, FBP settings, normalization, training method with every hyperparameter, seed, data
 * description and split, metrics, software versions and backend, and a SHA-256 of the weights. Loading
 * validates the card and refuses a model whose geometry differs from the requested one, naming the field.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { InputError } from '@shared/errors';
import { physicsOf, type Geometry } from '@shared/geometry';
import { describePhysics, physicsSchema, samePhysics } from '@shared/physics';
import { ImportedModelSchema } from '@shared/model-import';

export const CARD_FILE = 'card.json';
export const CARD_FORMAT = 'ct-audit/model-card';
export const CARD_FORMAT_VERSION = 1;

const scalar = z.union([z.number(), z.string(), z.boolean()]);

const geometrySchema = z.object({
  size: z.number().int(),
  views: z.number().int(),
  detectors: z.number().int(),
  detectorSpacing: z.number(),
  /** The forward model (src/shared/physics.ts); absent for parallel-beam CT (cards written before it). */
  physics: physicsSchema.optional(),
});

const metricsSchema = z.object({
  epoch: z.number().int(),
  step: z.number().int(),
  psnr: z.number(),
  ssim: z.number(),
  fbpPsnr: z.number(),
  fbpSsim: z.number(),
  slices: z.number().int(),
});
export type ValidationMetrics = z.infer<typeof metricsSchema>;

const splitSideSchema = z.object({ slices: z.number().int(), groups: z.array(z.string()) });

const trainingSchema = z.object({
  method: z.string(),
  hyper: z.record(z.string(), scalar),
  optimizer: z.record(z.string(), scalar),
  batchSize: z.number().int(),
  steps: z.number().int(),
  stepsPerEpoch: z.number().int(),
  epochs: z.number(),
  completedSteps: z.number().int(),
  status: z.enum(['complete', 'cancelled', 'diverged']),
  seed: z.string(),
  noise: z.record(z.string(), scalar),
  augment: z.boolean(),
  data: z.object({
    kind: z.string(),
    source: z.string(),
    description: z.string(),
    split: z.object({
      mode: z.string(),
      validationFraction: z.number(),
      train: splitSideSchema,
      validation: splitSideSchema,
    }),
    warnings: z.array(z.string()),
  }),
  durationSeconds: z.number(),
  medianStepMs: z.number(),
});
export type TrainingRecord = z.infer<typeof trainingSchema>;

const cardSchema = z.object({
  format: z.literal(CARD_FORMAT),
  formatVersion: z.number().int(),
  kind: z.enum(['fbp', 'linear', 'fbpconvnet', 'imported']),
  description: z.string(),
  createdAt: z.string(),
  geometry: geometrySchema,
  architecture: z.record(z.string(), z.unknown()),
  fbp: z.object({ filter: z.string(), cutoff: z.number(), backprojector: z.string() }).nullable(),
  normalization: z.object({ unit: z.string(), offset: z.number(), scale: z.number() }),
  training: trainingSchema.nullable(),
  metrics: z.object({ validation: z.array(metricsSchema), final: metricsSchema.nullable() }),
  software: z.object({
    app: z.string(),
    versions: z.record(z.string(), z.string()),
    backend: z.string(),
    provider: z.string(),
    platform: z.string(),
    /** The GPU adapter (webgpu backend), e.g. "nvidia hopper (NVIDIA H200)". */
    adapter: z.string().optional(),
  }),
  weights: z.object({ files: z.array(z.string()), bytes: z.number().int(), sha256: z.string() }),
  /** Imported networks (kind 'imported'): the import card, the source file's format and hash, access. */
  imported: ImportedModelSchema.optional(),
});
export type ModelCard = z.infer<typeof cardSchema>;

export const CANONICAL_UNIT = 'canonical x = max(0, 1 + HU/1000) (attenuation relative to water)';

/** SHA-256 (hex) of the weights (or of an imported model's files) as written in the card. */
export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Validates parsed JSON as a model card; `where` names the file in errors. */
export function parseCard(json: unknown, where: string): ModelCard {
  const r = cardSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InputError(
      `${where}: not a valid model card (${issue.path.join('.') || '(root)'}: ${issue.message})`,
      { file: where },
    );
  }
  return r.data;
}

export async function readCard(dir: string): Promise<ModelCard> {
  const file = path.join(dir, CARD_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(
      code === 'ENOENT'
        ? `${dir}: no ${CARD_FILE} here (is this a model folder written by ct-audit train?)`
        : `${file}: cannot be read (${code ?? String(e)})`,
      { file },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`, { file });
  }
  return parseCard(json, file);
}

/** An imported network whose card says it works at whatever geometry the audit uses. */
export function followsOurGeometry(card: ModelCard): boolean {
  return card.imported?.card.geometry === 'follows-ours';
}

/**
 * Throws InputError naming the first geometry field where the card and the request differ (nothing to check
 * for a model that follows the requested geometry).
 */
export function checkCardGeometry(card: ModelCard, requested: Geometry, where: string): void {
  if (followsOurGeometry(card)) return;
  const trained = physicsOf(card.geometry);
  if (!samePhysics(trained, physicsOf(requested))) {
    throw new InputError(
      `${where}: the model was trained for ${describePhysics(trained)}, but ${describePhysics(physicsOf(requested))} was requested; ` +
        `use the model's physics or train a model for this one`,
      { field: 'physics' },
    );
  }
  for (const field of ['size', 'views', 'detectors', 'detectorSpacing'] as const) {
    if (card.geometry[field] !== requested[field]) {
      throw new InputError(
        `${where}: the model was trained for geometry ${field} = ${card.geometry[field]}, but ${requested[field]} was requested; ` +
          `use the model's geometry (size ${card.geometry.size}, views ${card.geometry.views}, detectors ${card.geometry.detectors}) or train a model for this one`,
        { field, model: card.geometry[field], requested: requested[field] },
      );
    }
  }
}
