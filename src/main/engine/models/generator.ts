/**
 * PerturbationGenerator G (papers/000 section 2.3.1, eq. 7; DESIGN.md section 4): measurements [B,...] ->
 * additive perturbations of the same shape. Two architectures:
 *
 *   'conv'   sinograms [B,A,D,1]: 3x3 convolutions with ReLU and a linear 3x3 head (no dilations: tfjs has
 *            no gradient for dilated conv2d). A convolution is translation-equivariant, so it cannot place a
 *            fixed pattern on the detector by itself, while the worst perturbations of FBP-based models are
 *            largely input-independent patterns (the top singular vectors of the reconstruction map). The
 *            input therefore carries fixed coordinate channels (CoordConv, Liu et al. 2018): detector
 *            coordinate s in [-1, 1], the detector Nyquist pattern (-1)^d that the ramp filter amplifies most,
 *            and cos/sin of the view angle.
 *   'dense'  any item shape (vectors [B,m] of small problems, or small sinograms): the paper's fully-connected
 *            generator ("multiple fully-connected and ReLU layers", 5 layers for MNIST).
 *
 * Scale: G(y)_b = gain * rms(y_b) * net(features(y_b / rms(y_b))). The network sees O(1) inputs whatever the
 * units, G is scale-equivariant (G(c y) = c G(y), like a relative budget eps_b = r ||y_b||), and with
 * gain = r an output of unit RMS has norm r ||y_b|| = eps_b, so G starts near the budget. `gain` and the
 * architecture are plain config saved next to the network.
 *
 * The network is a standard tf.layers model (no custom layers): save/load write `model.json` + `weights.bin`
 * in the tfjs layers format (loadable by tfjs-node's file:// handler and in browsers) plus `generator.json`
 * (the config and the weights' SHA-256).
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError, ShapeError, UsageError } from '@shared/errors';
import { tf } from '../backend';
import { writeFileAtomic } from '../io/npy';
import type { Seed } from '../random';
import { layerSeed } from './unet';

export type GeneratorArchitecture = 'conv' | 'dense';
export const GENERATOR_ARCHITECTURES: readonly GeneratorArchitecture[] = ['conv', 'dense'];

export interface ConvGeneratorConfig {
  architecture: 'conv';
  /** Item shape [A, D, 1] (views, detectors). */
  itemShape: [number, number, 1];
  /** Hidden channels per convolution. */
  channels: number;
  /** Convolutions in all (hidden ones + the head), >= 1. */
  layers: number;
  /** Add the fixed coordinate channels (file comment). */
  coordinates: boolean;
  gain: number;
}

export interface DenseGeneratorConfig {
  architecture: 'dense';
  /** Item shape, e.g. [m] for vectors or [A, D, 1] for sinograms. */
  itemShape: number[];
  /** Widths of the hidden ReLU layers (the head is linear with prod(itemShape) units). */
  hidden: number[];
  gain: number;
}

export type GeneratorConfig = ConvGeneratorConfig | DenseGeneratorConfig;

export const CONV_GENERATOR_DEFAULTS = { channels: 16, layers: 4, coordinates: true, gain: 0.01 };
/** papers/000 section 4: 5 fully-connected layers for MNIST (4 hidden + the output layer). */
export const DENSE_GENERATOR_DEFAULTS = { hidden: [128, 128, 128, 128], gain: 0.01 };

const COORD_CHANNELS = 4;

function checkInt(what: string, v: number, min: number, max = 4096): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UsageError(`generator: ${what} must be an integer in [${min}, ${max}], got ${v}`);
  }
}

function checkConfig(c: GeneratorConfig): void {
  if (!(c.gain > 0) || !Number.isFinite(c.gain)) {
    throw new UsageError(`generator: gain must be a positive number, got ${c.gain}`);
  }
  if (c.architecture === 'conv') {
    const [A, D, ch] = c.itemShape;
    checkInt('views', A, 1, 100_000);
    checkInt('detectors', D, 1, 100_000);
    if (ch !== 1)
      throw new UsageError(`generator: conv item shape must be [A, D, 1], got [${c.itemShape.join(',')}]`);
    checkInt('channels', c.channels, 1);
    checkInt('layers', c.layers, 1, 32);
  } else if (c.architecture === 'dense') {
    if (c.itemShape.length < 1) throw new UsageError('generator: dense item shape must not be empty');
    c.itemShape.forEach((v) => checkInt('item dimension', v, 1, 1_000_000));
    c.hidden.forEach((v) => checkInt('hidden width', v, 1, 65_536));
  } else {
    throw new UsageError(
      `generator: unknown architecture "${String((c as { architecture: unknown }).architecture)}" (${GENERATOR_ARCHITECTURES.join(', ')})`,
    );
  }
}

function buildNet(c: GeneratorConfig, seed: Seed): tf.LayersModel {
  if (c.architecture === 'conv') {
    const [A, D] = c.itemShape;
    const inChannels = 1 + (c.coordinates ? COORD_CHANNELS : 0);
    const input = tf.input({ shape: [A, D, inChannels], name: 'g_input' });
    let t: tf.SymbolicTensor = input;
    for (let k = 0; k < c.layers - 1; k++) {
      const name = `g_conv${k}`;
      t = tf.layers
        .conv2d({
          name,
          filters: c.channels,
          kernelSize: 3,
          padding: 'same',
          kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(seed, name) }),
        })
        .apply(t) as tf.SymbolicTensor;
      t = tf.layers.leakyReLU({ name: `${name}_lrelu`, alpha: 0.2 }).apply(t) as tf.SymbolicTensor;
    }
    const head = tf.layers
      .conv2d({
        name: 'g_head',
        filters: 1,
        kernelSize: 3,
        padding: 'same',
        kernelInitializer: tf.initializers.glorotNormal({ seed: layerSeed(seed, 'g_head') }),
      })
      .apply(t) as tf.SymbolicTensor;
    return tf.model({ name: 'perturbation_generator', inputs: input, outputs: head });
  }
  const n = c.itemShape.reduce((a, b) => a * b, 1);
  const input = tf.input({ shape: c.itemShape, name: 'g_input' });
  let t: tf.SymbolicTensor =
    c.itemShape.length > 1
      ? (tf.layers.flatten({ name: 'g_flatten' }).apply(input) as tf.SymbolicTensor)
      : input;
  c.hidden.forEach((units, k) => {
    const name = `g_dense${k}`;
    t = tf.layers
      .dense({
        name,
        units,
        activation: 'relu',
        kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(seed, name) }),
      })
      .apply(t) as tf.SymbolicTensor;
  });
  t = tf.layers
    .dense({
      name: 'g_head',
      units: n,
      kernelInitializer: tf.initializers.glorotNormal({ seed: layerSeed(seed, 'g_head') }),
    })
    .apply(t) as tf.SymbolicTensor;
  if (c.itemShape.length > 1) {
    t = tf.layers.reshape({ name: 'g_reshape', targetShape: c.itemShape }).apply(t) as tf.SymbolicTensor;
  }
  return tf.model({ name: 'perturbation_generator', inputs: input, outputs: t });
}

/** The fixed coordinate channels [1, A, D, 4]: s, (-1)^d, cos(theta), sin(theta) (file comment). */
function coordinateChannels(A: number, D: number): tf.Tensor4D {
  const v = new Float32Array(A * D * COORD_CHANNELS);
  for (let a = 0; a < A; a++) {
    const theta = (a * Math.PI) / A;
    for (let d = 0; d < D; d++) {
      const o = (a * D + d) * COORD_CHANNELS;
      v[o] = D > 1 ? (2 * d) / (D - 1) - 1 : 0;
      v[o + 1] = d % 2 === 0 ? 1 : -1;
      v[o + 2] = Math.cos(theta);
      v[o + 3] = Math.sin(theta);
    }
  }
  return tf.tensor4d(v, [1, A, D, COORD_CHANNELS]);
}

export interface CreateConvGeneratorOptions {
  channels?: number;
  layers?: number;
  coordinates?: boolean;
  gain?: number;
  seed?: Seed;
}

export interface CreateDenseGeneratorOptions {
  hidden?: number[];
  gain?: number;
  seed?: Seed;
}

export const GENERATOR_FILE = 'generator.json';
export const GENERATOR_MODEL_JSON = 'model.json';
export const GENERATOR_WEIGHTS_BIN = 'weights.bin';

interface GeneratorFile {
  format: 'ct-audit-perturbation-generator';
  formatVersion: 1;
  config: GeneratorConfig;
  weights: { files: string[]; bytes: number; sha256: string };
}

/** G: measurements [B, ...itemShape] -> perturbations of the same shape (file comment). */
export class PerturbationGenerator {
  readonly config: GeneratorConfig;
  readonly net: tf.LayersModel;
  private readonly coords?: tf.Tensor4D;

  /** Wraps a built network (e.g. loaded); takes ownership of it. */
  constructor(config: GeneratorConfig, net: tf.LayersModel) {
    checkConfig(config);
    this.config = config;
    this.net = net;
    if (config.architecture === 'conv' && config.coordinates) {
      this.coords = coordinateChannels(config.itemShape[0], config.itemShape[1]);
    }
  }

  /** A convolutional G for sinograms [B, views, detectors, 1]. */
  static conv(views: number, detectors: number, o: CreateConvGeneratorOptions = {}): PerturbationGenerator {
    const config: ConvGeneratorConfig = {
      architecture: 'conv',
      itemShape: [views, detectors, 1],
      channels: o.channels ?? CONV_GENERATOR_DEFAULTS.channels,
      layers: o.layers ?? CONV_GENERATOR_DEFAULTS.layers,
      coordinates: o.coordinates ?? CONV_GENERATOR_DEFAULTS.coordinates,
      gain: o.gain ?? CONV_GENERATOR_DEFAULTS.gain,
    };
    checkConfig(config);
    return new PerturbationGenerator(config, buildNet(config, o.seed ?? 0));
  }

  /** The paper's fully-connected G for items of shape `itemShape` (e.g. [m] for y in R^m). */
  static dense(itemShape: number[], o: CreateDenseGeneratorOptions = {}): PerturbationGenerator {
    const config: DenseGeneratorConfig = {
      architecture: 'dense',
      itemShape: [...itemShape],
      hidden: [...(o.hidden ?? DENSE_GENERATOR_DEFAULTS.hidden)],
      gain: o.gain ?? DENSE_GENERATOR_DEFAULTS.gain,
    };
    checkConfig(config);
    return new PerturbationGenerator(config, buildNet(config, o.seed ?? 0));
  }

  get itemShape(): readonly number[] {
    return this.config.itemShape;
  }

  private checkInput(y: tf.Tensor): void {
    const s = this.config.itemShape;
    const ok = y.rank === s.length + 1 && y.shape[0] >= 1 && s.every((v, i) => y.shape[i + 1] === v);
    if (!ok) {
      throw new ShapeError(`generator: expected [B,${s.join(',')}], got [${y.shape.join(',')}]`, {
        expected: ['B', ...s],
        got: y.shape,
      });
    }
  }

  /** G(y): differentiable with respect to the weights (and y). Does not dispose y; caller owns the result. */
  apply<T extends tf.Tensor>(y: T): T {
    this.checkInput(y);
    return tf.tidy(() => {
      const axes = Array.from({ length: y.rank - 1 }, (_, k) => k + 1);
      const yf = y.dtype === 'float32' ? y : tf.cast(y, 'float32');
      // Per-item RMS; the division uses a floored copy, so an all-zero measurement gives a zero
      // perturbation (not NaN).
      const rms = tf.sqrt(tf.mean(tf.square(yf), axes, true));
      let input: tf.Tensor = tf.div(yf, tf.maximum(rms, 1e-12));
      if (this.coords) {
        const B = y.shape[0];
        input = tf.concat([input, tf.tile(this.coords, [B, 1, 1, 1])], 3);
      }
      const out = this.net.apply(input) as tf.Tensor;
      return tf.mul(out, tf.mul(rms, this.config.gain)) as T;
    });
  }

  trainableVariables(): tf.Variable[] {
    return this.net.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  parameterCount(): number {
    return this.net.countParams();
  }

  describe(): string {
    const c = this.config;
    return c.architecture === 'conv'
      ? `conv generator (${c.layers} 3x3 convolutions, ${c.channels} channels${c.coordinates ? ', coordinate channels' : ''}, gain ${c.gain}; ${this.parameterCount()} parameters)`
      : `dense generator (hidden ${c.hidden.join('-') || 'none'}, gain ${c.gain}; ${this.parameterCount()} parameters)`;
  }

  /** Weights by their (stable, layer-derived) names, copies owned by the caller (for checkpoints). */
  getWeights(): tf.NamedTensorMap {
    const out: tf.NamedTensorMap = {};
    for (const w of this.net.weights) out[w.originalName] = w.read().clone();
    return out;
  }

  /** Sets every weight from `weights` (keys as getWeights); a missing or mis-shaped weight is an InputError. */
  setWeights(weights: tf.NamedTensorMap): void {
    const values = this.net.weights.map((w) => {
      const v = weights[w.originalName];
      if (!v) throw new InputError(`generator: state lacks weight "${w.originalName}"`);
      if (v.shape.length !== w.shape.length || v.shape.some((d, i) => d !== w.shape[i])) {
        throw new InputError(
          `generator: weight "${w.originalName}" has shape [${v.shape.join(',')}], expected [${w.shape.join(',')}]`,
        );
      }
      return v;
    });
    this.net.setWeights(values);
  }

  dispose(): void {
    this.net.dispose();
    this.coords?.dispose();
  }
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Writes model.json + weights.bin (tfjs layers format) and generator.json into `dir` (temp names, renamed). */
export async function saveGenerator(g: PerturbationGenerator, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  let bytes = new Uint8Array(0);
  await g.net.save(
    tf.io.withSaveHandler(async (artifacts) => {
      bytes = artifacts.weightData
        ? new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData))
        : bytes;
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format ?? 'layers-model',
        generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
        convertedBy: artifacts.convertedBy ?? null,
        weightsManifest: [{ paths: [`./${GENERATOR_WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeFileAtomic(path.join(dir, GENERATOR_WEIGHTS_BIN), bytes);
      await writeFileAtomic(path.join(dir, GENERATOR_MODEL_JSON), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const file: GeneratorFile = {
    format: 'ct-audit-perturbation-generator',
    formatVersion: 1,
    config: g.config,
    weights: {
      files: [GENERATOR_MODEL_JSON, GENERATOR_WEIGHTS_BIN],
      bytes: bytes.length,
      sha256: sha256(bytes),
    },
  };
  await writeFileAtomic(path.join(dir, GENERATOR_FILE), `${JSON.stringify(file, null, 2)}\n`);
}

async function readOr(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(
      `${file}: cannot read the ${what} (${code === 'ENOENT' ? 'missing' : (code ?? String(e))})`,
    );
  }
}

/** Loads a generator saved by saveGenerator; checks the format and the weights' SHA-256. */
export async function loadGenerator(dir: string): Promise<PerturbationGenerator> {
  const metaFile = path.join(dir, GENERATOR_FILE);
  let meta: GeneratorFile;
  let modelJson: tf.io.ModelJSON;
  try {
    meta = JSON.parse((await readOr(metaFile, 'generator description')).toString('utf8')) as GeneratorFile;
    modelJson = JSON.parse(
      (await readOr(path.join(dir, GENERATOR_MODEL_JSON), 'generator topology')).toString('utf8'),
    ) as tf.io.ModelJSON;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${dir}: generator files are not valid JSON (${(e as Error).message})`);
  }
  if (meta.format !== 'ct-audit-perturbation-generator' || meta.formatVersion !== 1) {
    throw new InputError(
      `${metaFile}: not a ct-audit perturbation generator (format ${String(meta.format)})`,
    );
  }
  const paths = (modelJson.weightsManifest ?? []).flatMap((g) => g.paths);
  const bytes = Buffer.concat(
    await Promise.all(paths.map((p) => readOr(path.join(dir, p), 'generator weights'))),
  );
  if (sha256(bytes) !== meta.weights.sha256) {
    throw new InputError(`${dir}: the generator weights do not match the SHA-256 in ${GENERATOR_FILE}`);
  }
  const artifacts = await tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => [
    manifest.flatMap((g) => g.weights),
    bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
  ]);
  const net = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  return new PerturbationGenerator(meta.config, net);
}
