/**
 * `ct-audit import` (and the UI's Models: Import...): an ONNX or TensorFlow.js network plus its import card
 * -> a model folder that every audit path loads like a trained one (DESIGN.md section 5):
 *
 *   <out>/model.onnx                 the file as given (or model.json + its weight shards)
 *   <out>/card.json                  kind 'imported': geometry, FBP, intensity mapping, provenance (file
 *                                    SHA-256, format, producer, opset, ops), white-box / black-box; last
 *
 * Before anything is written the network is built (every ONNX node mapped onto tfjs ops for white-box; a
 * session in onnxruntime-node for black-box), wrapped as a Reconstructor at the card's geometry, run once,
 * and for white-box differentiated once, so a folder that exists always loads and audits.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '@shared/errors';
import { makeGeometry, presetGeometry, type Geometry } from '@shared/geometry';
import {
  describeIntensity,
  intensityAffine,
  parseImportCard,
  SOURCE_FORMAT_TEXT,
  type ImportCard,
  type ImportedModel,
} from '@shared/model-import';
import { tf } from '../../backend';
import { writeFileAtomic } from '../../io/npy';
import { CANONICAL_UNIT, CARD_FILE, CARD_FORMAT, CARD_FORMAT_VERSION, type ModelCard } from '../card';
import { DEFAULT_FBP_SETTINGS } from '../fbpconvnet';
import { softwareInfo } from '../save-load';
import { assignInputs, ImportedReconstructor } from './imported-reconstructor';
import { ONNX_FILE, openNetwork, readSource, sourceSha256, type SourceFiles } from './open-network';
import type { GraphIo } from '../onnx/graph';

export interface ImportModelOptions {
  /** The network: a .onnx file or a TensorFlow.js model.json (its weight shards next to it). */
  source: string;
  /** The import card as parsed JSON (validated here), and where it came from for messages. */
  card: unknown;
  cardFile?: string;
  /** The model folder to write (must not hold a model yet). */
  outDir: string;
  /** For a card with geometry 'follows-ours': the geometry recorded as the model's default. */
  geometry?: Geometry;
}

export interface ImportModelResult {
  card: ModelCard;
  outDir: string;
  /** Plain-language notes (e.g. why the model is black-box). */
  notes: string[];
}

/** The stored geometry: the card's, or for 'follows-ours' the given one, the network's declared size, or demo. */
function resolveGeometry(
  card: ImportCard,
  given: Geometry | undefined,
  inputs: readonly GraphIo[],
  roles: Record<string, string>,
  format: string,
): Geometry {
  if (card.geometry !== 'follows-ours') {
    const g = card.geometry;
    return makeGeometry({
      size: g.size,
      views: g.views,
      detectors: g.detectors,
      detectorSpacing: g.detectorSpacing,
    });
  }
  if (given) return given;
  const image = inputs.find((i) => roles[i.name] === 'image');
  const s = image?.shape;
  const n = s ? (format === 'onnx' ? s[s.length - 1] : s.length === 4 ? s[2] : s[s.length - 1]) : null;
  if (typeof n === 'number' && n > 1 && card.input === 'fbp-image') {
    const demo = presetGeometry('demo');
    return makeGeometry({ size: n, views: Math.max(1, Math.round((demo.views * n) / demo.size)) });
  }
  return presetGeometry('demo');
}

function fileNamesFor(s: SourceFiles): string[] {
  return s.format === 'onnx' ? [ONNX_FILE] : s.files.map((f) => f.name);
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

export async function importModel(o: ImportModelOptions): Promise<ImportModelResult> {
  const cardWhere = o.cardFile ?? 'import card';
  const card = parseImportCard(o.card, cardWhere);
  if (await exists(path.join(o.outDir, CARD_FILE))) {
    throw new UsageError(`${o.outDir} holds a model already (card.json); choose another --out folder`, {
      outDir: o.outDir,
    });
  }
  const source = await readSource(o.source);
  const opened = await openNetwork(source, card.access, o.source);
  const notes: string[] = [];
  let model: ImportedReconstructor | undefined;
  try {
    const roles = assignInputs(card, opened.network.inputs, o.source);
    const geometry = resolveGeometry(card, o.geometry, opened.network.inputs, roles, opened.format);
    const name = path.basename(path.resolve(o.outDir));
    const { sha256, bytes } = sourceSha256(source);
    const imported: ImportedModel = {
      card,
      source: {
        format: opened.format,
        fileName: path.basename(o.source),
        sha256,
        bytes,
        producer: opened.producer,
        irVersion: opened.irVersion,
        opset: opened.opset,
        ops: opened.ops,
      },
      access: card.access,
      unsupported: opened.unsupported,
      io: {
        inputs: opened.network.inputs.map((i) => ({
          name: i.name,
          role: roles[i.name] as 'image' | 'sinogram',
          shape: i.shape,
        })),
        output: { name: opened.network.output.name, shape: opened.network.output.shape },
      },
    };
    model = new ImportedReconstructor(geometry, opened.network, { name, imported }, o.source);
    checkRuns(model, o.source);
    if (opened.unsupported.length > 0) {
      notes.push(
        `black-box: ${opened.unsupported.length} node(s) cannot be mapped onto tfjs ops (${opened.unsupported.join(', ')}); attacks on it are gradient-free (spsa)`,
      );
    }
    const { a, b } = intensityAffine(card.intensity);
    const files = fileNamesFor(source);
    const stored: ModelCard = {
      format: CARD_FORMAT,
      formatVersion: CARD_FORMAT_VERSION,
      kind: 'imported',
      description: model.describe(),
      createdAt: new Date().toISOString(),
      geometry: { ...geometry },
      architecture: {
        name: `imported ${SOURCE_FORMAT_TEXT[opened.format]} network`,
        format: opened.format,
        parameters: model.parameterCount(),
        ops: opened.ops,
      },
      fbp:
        card.input === 'sinogram' ? null : { ...card.fbp, backprojector: DEFAULT_FBP_SETTINGS.backprojector },
      // The network's image unit u = a x + b, in the card's (offset, scale) convention: u = (x - offset) / scale.
      normalization: {
        unit: `${describeIntensity(card.intensity)} (engine: ${CANONICAL_UNIT})`,
        offset: 0 - b / a,
        scale: 1 / a,
      },
      training: null,
      metrics: { validation: [], final: null },
      software: softwareInfo(),
      weights: { files, bytes, sha256 },
      imported,
    };
    await fs.mkdir(o.outDir, { recursive: true });
    for (const [k, f] of source.files.entries()) {
      const target = path.join(o.outDir, files[k]);
      await fs.mkdir(path.dirname(target), { recursive: true });
      await writeFileAtomic(target, f.bytes);
    }
    await writeFileAtomic(path.join(o.outDir, CARD_FILE), `${JSON.stringify(stored, null, 2)}\n`);
    return { card: stored, outDir: o.outDir, notes };
  } finally {
    if (model) model.dispose();
    else opened.network.dispose();
  }
}

/**
 * One forward pass on a zero sinogram (shapes, units), and for a white-box model one gradient: what attacks
 * need. A network that fails here is refused at import rather than in the middle of an audit.
 */
function checkRuns(model: ImportedReconstructor, file: string): void {
  const g = model.geometry;
  tf.tidy(() => {
    const y = tf.zeros([1, g.views, g.detectors, 1]) as tf.Tensor4D;
    model.reconstruct(y);
    if (!model.differentiable) return;
    try {
      tf.grad((v: tf.Tensor) => tf.sum(model.reconstruct(v as tf.Tensor4D)))(y);
    } catch (e) {
      throw new InputError(
        `${file}: the network runs but tfjs cannot differentiate it (${(e as Error).message.split('\n')[0]}); attacks need gradients`,
      );
    }
  });
}
