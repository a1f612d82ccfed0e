/**
 * Save and load reconstructors (DESIGN.md section 5): a model folder holds
 *   model.json    the U-Net in the standard tfjs layers format (topology + weights manifest)
 *   weights.bin   its weights (float32, the manifest's order)
 *   card.json     the model card (card.ts), written last: a folder with a valid card is a complete model
 * Node has no file:// handler without tfjs-node, so saving goes through tf.io.withSaveHandler and loading
 * through tf.io.fromMemory; the bytes are exactly what tfjs' own handlers write and read, so the folder
 * also loads with tfjs-node's `file://` handler and in a browser. Every file is written to a temporary name
 * and renamed.
 *
 *   saveReconstructor(model, dir, fields) -> card      fields: training record, metrics (card.ts)
 *   loadReconstructor('fbp' | dir, geometry?, opts?)    'fbp' -> FbpReconstructor (geometry required);
 *                                                       dir -> the saved model; refuses a geometry mismatch
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '@shared/errors';
import type { Geometry } from '@shared/geometry';
import { adapterLabel, backendInfo, tf } from '../backend';
import { registerFusedBatchNorm } from './batch-norm';
import { writeFileAtomic } from '../io/npy';
import type { FbpOptions } from '../physics';
import {
  CANONICAL_UNIT,
  CARD_FILE,
  CARD_FORMAT,
  CARD_FORMAT_VERSION,
  checkCardGeometry,
  followsOurGeometry,
  readCard,
  sha256,
  type ModelCard,
  type TrainingRecord,
  type ValidationMetrics,
} from './card';
import { FbpConvNet, type FbpConvNetConfig } from './fbpconvnet';
import { FbpReconstructor } from './fbp-reconstructor';
import { loadImportedModel } from './imported/load-imported';
import type { Reconstructor } from './reconstructor';
import type { UnetConfig } from './unet';
import { APP_VERSION } from '../app-version';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

export interface CardFields {
  training?: TrainingRecord | null;
  validation?: ValidationMetrics[];
}

export function softwareInfo(): ModelCard['software'] {
  const info = backendInfo();
  return {
    app: APP_VERSION,
    versions: info.versions,
    backend: info.backend,
    provider: info.provider,
    platform: info.platform,
    ...(info.webgpu ? { adapter: adapterLabel(info.webgpu) } : {}),
  };
}

function joinWeights(data: tf.io.WeightData | undefined): Uint8Array {
  if (!data) return new Uint8Array(0);
  return new Uint8Array(tf.io.CompositeArrayBuffer.join(data));
}

/** Writes model.json + weights.bin + card.json for an FBPConvNet; returns the card. */
export async function saveReconstructor(
  model: Reconstructor,
  dir: string,
  fields: CardFields = {},
): Promise<ModelCard> {
  if (!(model instanceof FbpConvNet)) {
    throw new UsageError(
      `save: only FBPConvNet models can be saved in the layers format (got ${model.kind})`,
    );
  }
  await fs.mkdir(dir, { recursive: true });
  let weightBytes: Uint8Array = new Uint8Array(0);
  await model.unet.save(
    tf.io.withSaveHandler(async (artifacts) => {
      weightBytes = joinWeights(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(path.join(dir, WEIGHTS_BIN), weightBytes);
      await writeFileAtomic(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const validation = fields.validation ?? [];
  const c = model.config;
  const card: ModelCard = {
    format: CARD_FORMAT,
    formatVersion: CARD_FORMAT_VERSION,
    kind: model.kind,
    description: model.describe(),
    createdAt: new Date().toISOString(),
    geometry: { ...model.geometry },
    architecture: {
      name: 'FBPConvNet (Jin et al. 2017): FBP, then a residual U-Net',
      preset: c.preset,
      unet: { ...c.unet },
      parameters: model.parameterCount(),
      headInit: 'zeros (the untrained model is plain FBP)',
    },
    fbp: { ...c.fbp },
    normalization: { unit: CANONICAL_UNIT, ...c.normalization },
    training: fields.training ?? null,
    metrics: { validation, final: validation.length > 0 ? validation[validation.length - 1] : null },
    software: softwareInfo(),
    weights: { files: [MODEL_JSON, WEIGHTS_BIN], bytes: weightBytes.length, sha256: sha256(weightBytes) },
  };
  await writeFileAtomic(path.join(dir, CARD_FILE), `${JSON.stringify(card, null, 2)}\n`);
  return card;
}

async function readFileOr(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(
      `${file}: cannot read the ${what} (${code === 'ENOENT' ? 'missing' : (code ?? String(e))})`,
      {
        file,
      },
    );
  }
}

/**
 * The saved model and its card (the geometry is checked first when given). An imported model whose card
 * follows our geometry is built at `geometry`, else at `opts.follow`, else at the geometry it was imported
 * with.
 */
export async function loadModel(
  dir: string,
  geometry?: Geometry,
  opts: { follow?: Geometry } = {},
): Promise<{ model: Reconstructor; card: ModelCard }> {
  const card = await readCard(dir);
  if (geometry) checkCardGeometry(card, geometry, dir);
  if (card.kind === 'imported') {
    const model = await loadImportedModel(dir, card, geometry ?? opts.follow);
    // Worker threads rebuild a model from its folder (certify/smoothing-pool.ts); one that follows the audit's
    // geometry would be rebuilt at its default one, so it stays in this thread.
    if (!followsOurGeometry(card)) model.origin = { kind: 'saved', dir: path.resolve(dir) };
    return { model, card };
  }
  if (card.kind !== 'fbpconvnet') {
    throw new InputError(
      `${dir}: model kind "${card.kind}" cannot be loaded from a folder (only fbpconvnet and imported)`,
    );
  }
  const jsonFile = path.join(dir, MODEL_JSON);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(
      (await readFileOr(jsonFile, 'model topology')).toString('utf8'),
    ) as tf.io.ModelJSON;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${jsonFile}: not JSON (${(e as Error).message})`, { file: jsonFile });
  }
  const weightFiles = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
  const parts: Buffer[] = [];
  for (const p of weightFiles) parts.push(await readFileOr(path.join(dir, p), 'weights'));
  const bytes = Buffer.concat(parts);
  if (sha256(bytes) !== card.weights.sha256) {
    throw new InputError(
      `${dir}: the weights (${weightFiles.join(', ')}) do not match the SHA-256 in ${CARD_FILE}: the files were changed or truncated`,
    );
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [
    manifest.flatMap((g) => g.weights),
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  ]);
  let unet: tf.LayersModel;
  registerFusedBatchNorm(); // batch-norm layers of a loaded model train with the closed-form gradient too
  try {
    unet = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (e) {
    throw new InputError(`${jsonFile}: the layers model cannot be built (${(e as Error).message})`);
  }
  const arch = card.architecture as { preset?: string; unet?: UnetConfig };
  if (!card.fbp || !arch.unet) {
    unet.dispose();
    throw new InputError(`${dir}: ${CARD_FILE} lacks the FBP settings or the U-Net configuration`);
  }
  const config: FbpConvNetConfig = {
    preset: (arch.preset ?? 'custom') as FbpConvNetConfig['preset'],
    unet: arch.unet,
    fbp: card.fbp as FbpConvNetConfig['fbp'],
    normalization: { offset: card.normalization.offset, scale: card.normalization.scale },
  };
  const model = new FbpConvNet(card.geometry, config, unet);
  model.origin = { kind: 'saved', dir: path.resolve(dir) };
  return { model, card };
}

/**
 * `'fbp'` -> plain FBP for `geometry` (required; `opts.fbp` sets filter/cutoff); a folder -> the saved model,
 * refused with an InputError naming the field when its geometry differs from `geometry`.
 */
export async function loadReconstructor(
  dirOrFbp: string,
  geometry?: Geometry,
  opts: { fbp?: FbpOptions } = {},
): Promise<Reconstructor> {
  if (dirOrFbp === 'fbp') {
    if (!geometry) throw new UsageError("loadReconstructor('fbp') needs a geometry");
    return new FbpReconstructor(geometry, opts.fbp);
  }
  return (await loadModel(dirOrFbp, geometry)).model;
}
