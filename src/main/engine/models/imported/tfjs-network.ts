/**
 * TensorFlow.js networks (tensorflowjs_converter output of Keras or TensorFlow models, or tf.layers models
 * saved by tfjs): a `model.json` with its weight shards next to it. Both run on tfjs ops, so they are
 * white-box. Layers models run with LayersModel.apply (inference mode), graph models with
 * GraphModel.execute (models with control flow, which need executeAsync, are refused). Their layout is NHWC
 * already: an engine image [B,N,N,1] is what a Keras model with input shape (N, N, 1) takes.
 *
 * Node has no file:// handler without tfjs-node, so the files are read here and handed to tfjs through
 * tf.io.fromMemory, as save-load.ts does for the engine's own models.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '@shared/errors';
import { tf } from '../../backend';
import type { GraphIo } from '../onnx/graph';
import type { ImportedNetwork } from './network';

export type TfjsFormat = 'tfjs-layers' | 'tfjs-graph';

export interface TfjsFiles {
  modelJson: tf.io.ModelJSON;
  /** The model.json bytes and each weight shard, in the manifest's order (what the SHA-256 covers). */
  files: { name: string; bytes: Uint8Array }[];
  format: TfjsFormat;
}

/** Reads model.json and its shards; `file` is the model.json path. */
export async function readTfjsFiles(file: string): Promise<TfjsFiles> {
  const read = async (p: string, what: string) => {
    try {
      return new Uint8Array(await fs.readFile(p));
    } catch (e) {
      const code = (e as { code?: string }).code;
      throw new InputError(
        `${p}: cannot read the ${what} (${code === 'ENOENT' ? 'missing' : (code ?? String(e))})`,
        {
          file: p,
        },
      );
    }
  };
  const jsonBytes = await read(file, 'model topology');
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(new TextDecoder().decode(jsonBytes)) as tf.io.ModelJSON;
  } catch (e) {
    throw new InputError(`${file}: not JSON (${(e as Error).message})`, { file });
  }
  if (!modelJson || typeof modelJson !== 'object' || !modelJson.modelTopology) {
    throw new InputError(`${file}: not a TensorFlow.js model (no modelTopology)`, { file });
  }
  const topology = modelJson.modelTopology as { node?: unknown; class_name?: string; model_config?: unknown };
  const format: TfjsFormat =
    modelJson.format === 'graph-model' || Array.isArray(topology.node) ? 'tfjs-graph' : 'tfjs-layers';
  const files = [{ name: path.basename(file), bytes: jsonBytes }];
  for (const p of (modelJson.weightsManifest ?? []).flatMap((g) => g.paths)) {
    if (path.isAbsolute(p) || p.split(/[\\/]/).includes('..')) {
      throw new InputError(`${file}: weight path "${p}" leaves the model's folder`, { file });
    }
    files.push({ name: p, bytes: await read(path.join(path.dirname(file), p), 'weights') });
  }
  return { modelJson, files, format };
}

function artifactsOf(t: TfjsFiles): Promise<tf.io.ModelArtifacts> {
  const shards = t.files.slice(1).map((f) => f.bytes);
  const total = shards.reduce((s, b) => s + b.byteLength, 0);
  const joined = new Uint8Array(total);
  let off = 0;
  for (const b of shards) {
    joined.set(b, off);
    off += b.byteLength;
  }
  return tf.io.getModelArtifactsForJSON(t.modelJson, async (manifest) => [
    manifest.flatMap((g) => g.weights),
    joined.buffer,
  ]);
}

function shapeOf(s: readonly (number | null | undefined)[] | undefined): (number | null)[] | null {
  return s ? s.map((d) => (typeof d === 'number' && d >= 0 ? d : null)) : null;
}

export class TfjsNetwork implements ImportedNetwork {
  readonly differentiable = true;

  private constructor(
    private readonly model: tf.LayersModel | tf.GraphModel,
    readonly inputs: GraphIo[],
    readonly output: GraphIo,
    readonly parameterCount: number,
    readonly ops: string[],
    private readonly file: string,
  ) {}

  static async load(t: TfjsFiles, file: string): Promise<TfjsNetwork> {
    const artifacts = await artifactsOf(t);
    if (t.format === 'tfjs-layers') {
      let m: tf.LayersModel;
      try {
        m = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
      } catch (e) {
        throw new InputError(
          `${file}: the layers model cannot be built (${(e as Error).message.split('\n')[0]})`,
        );
      }
      if (m.outputs.length !== 1) {
        m.dispose();
        throw new InputError(
          `${file}: the network has ${m.outputs.length} outputs; one (the image) is expected`,
        );
      }
      const inputs = m.inputs.map((s, i) => ({
        name: m.inputNames[i],
        shape: shapeOf(s.shape),
        elemType: 1,
      }));
      const output = { name: m.outputNames[0], shape: shapeOf(m.outputs[0].shape), elemType: 1 };
      const ops = [...new Set(m.layers.map((l) => l.getClassName()))].sort();
      return new TfjsNetwork(m, inputs, output, m.countParams(), ops, file);
    }
    let g: tf.GraphModel;
    try {
      g = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (e) {
      throw new InputError(
        `${file}: the graph model cannot be built (${(e as Error).message.split('\n')[0]})`,
      );
    }
    if (g.outputs.length !== 1) {
      g.dispose();
      throw new InputError(
        `${file}: the network has ${g.outputs.length} outputs; one (the image) is expected`,
      );
    }
    const inputs = g.inputs.map((s) => ({ name: s.name, shape: shapeOf(s.shape), elemType: 1 }));
    const output = { name: g.outputs[0].name, shape: shapeOf(g.outputs[0].shape), elemType: 1 };
    const nodes = ((t.modelJson.modelTopology as { node?: { op?: string }[] }).node ?? []).map(
      (n) => n.op ?? '',
    );
    const params = Object.values(g.weights).reduce((s, ts) => s + ts.reduce((a, w) => a + w.size, 0), 0);
    return new TfjsNetwork(g, inputs, output, params, [...new Set(nodes)].filter(Boolean).sort(), file);
  }

  run(feeds: Record<string, tf.Tensor4D>): tf.Tensor4D {
    const xs = this.inputs.map((io) => {
      const t = feeds[io.name];
      if (!t) throw new InputError(`${this.file}: no tensor for the network input "${io.name}"`);
      return io.shape?.length === 3 ? tf.reshape(t, t.shape.slice(0, 3)) : t;
    });
    let y: tf.Tensor;
    try {
      y =
        this.model instanceof tf.GraphModel
          ? (this.model.execute(
              xs.length === 1 ? xs[0] : Object.fromEntries(this.inputs.map((io, i) => [io.name, xs[i]])),
            ) as tf.Tensor)
          : (this.model.apply(xs.length === 1 ? xs[0] : xs, { training: false }) as tf.Tensor);
    } catch (e) {
      throw new InputError(
        `${this.file}: the network failed to run (${(e as Error).message.split('\n')[0]})`,
      );
    }
    const s = y.shape as number[];
    if (y.rank === 3) return tf.reshape(y, [s[0], s[1], s[2], 1]);
    if (y.rank !== 4 || y.shape[3] !== 1) {
      throw new InputError(
        `${this.file}: the network's output is [${y.shape.join(',')}]; an image [batch, height, width, 1] is expected`,
      );
    }
    return y as tf.Tensor4D;
  }

  dispose(): void {
    this.model.dispose();
  }
}
