/**
 * TensorFlow.js models imported as Reconstructors: a tf.layers model saved in the standard layers format
 * (what tensorflowjs_converter writes for Keras models) and a graph model written by hand in the converter's
 * format (GraphDef JSON + weight shard), each against the same network applied directly with tfjs ops, with
 * gradients through it and flat tensor counts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '../../../../src/shared/geometry';
import { initBackend, tf } from '../../../../src/main/engine/backend';
import { loadModel, readCard } from '../../../../src/main/engine/models';
import { importModel } from '../../../../src/main/engine/models/imported/import-model';
import { RadonOperator } from '../../../../src/main/engine/physics';
import { randn } from '../../helpers/arrays';
import { tempDir } from '../../audit/helpers';
import { maxRelDiff } from '../onnx/onnx-builder';

const G = makeGeometry({ size: 16, views: 8 });
let dir: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('tfjs');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

function sinogram(): tf.Tensor4D {
  const op = new RadonOperator(G);
  return tf.tidy(() => op.forward(tf.abs(tf.tensor4d(randn('t', 2 * 256), [2, 16, 16, 1]))));
}

function fbp(y: tf.Tensor4D): tf.Tensor4D {
  return new RadonOperator(G).fbp(y, { filter: 'ram-lak', cutoff: 1, backprojector: 'pixel' });
}

const card = { input: 'fbp-image', geometry: { size: 16, views: 8 }, intensity: { unit: 'attenuation' } };

describe('TensorFlow.js models', () => {
  it('layers model: reconstructs as the network applied to FBP, differentiable, flat tensor counts', async () => {
    const input = tf.input({ shape: [16, 16, 1] });
    const h = tf.layers
      .conv2d({
        filters: 4,
        kernelSize: 3,
        padding: 'same',
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotNormal({ seed: 1 }),
      })
      .apply(input);
    const o = tf.layers
      .conv2d({ filters: 1, kernelSize: 1, kernelInitializer: tf.initializers.glorotNormal({ seed: 2 }) })
      .apply(h);
    const net = tf.model({
      inputs: input,
      outputs: tf.layers.add().apply([input, o as tf.SymbolicTensor]) as tf.SymbolicTensor,
    });
    const src = path.join(dir, 'keras');
    await fs.mkdir(src, { recursive: true });
    await net.save(
      tf.io.withSaveHandler(async (a) => {
        await fs.writeFile(
          path.join(src, 'group1-shard1of1.bin'),
          new Uint8Array(tf.io.CompositeArrayBuffer.join(a.weightData!)),
        );
        const json = {
          modelTopology: a.modelTopology,
          format: 'layers-model',
          generatedBy: 'keras v2.15.0',
          convertedBy: 'TensorFlow.js Converter v4.22.0',
          weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: a.weightSpecs }],
        };
        await fs.writeFile(path.join(src, 'model.json'), JSON.stringify(json));
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const out = path.join(dir, 'keras-model');
    const r = await importModel({ source: path.join(src, 'model.json'), card, outDir: out });
    expect(r.card.imported).toMatchObject({
      access: 'white-box',
      source: {
        format: 'tfjs-layers',
        producer: 'keras v2.15.0, TensorFlow.js Converter v4.22.0',
        opset: null,
      },
    });
    expect(r.card.imported!.source.ops).toEqual(['Add', 'Conv2D', 'InputLayer']);
    expect((await fs.readdir(out)).sort()).toEqual(['card.json', 'group1-shard1of1.bin', 'model.json']);
    expect((await readCard(out)).weights.files).toEqual(['model.json', 'group1-shard1of1.bin']);

    const before = tf.memory().numTensors;
    const { model } = await loadModel(out, G);
    const held = tf.memory().numTensors;
    const y = sinogram();
    const got = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
    const want = tf.tidy(() => (net.apply(fbp(y)) as tf.Tensor).dataSync() as Float32Array);
    expect(maxRelDiff(got, want)).toBeLessThan(1e-6);
    const g1 = tf.tidy(
      () =>
        tf
          .grad((v: tf.Tensor) => tf.sum(model.reconstruct(v as tf.Tensor4D)))(y)
          .dataSync() as Float32Array,
    );
    const g2 = tf.tidy(
      () =>
        tf
          .grad((v: tf.Tensor) => tf.sum(net.apply(fbp(v as tf.Tensor4D)) as tf.Tensor))(y)
          .dataSync() as Float32Array,
    );
    expect(maxRelDiff(g1, g2)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(held + 1);
    y.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    net.dispose();
  });

  it('graph model (converter format): reconstructs as conv + relu + input, differentiable', async () => {
    const w = randn('w', 9);
    const src = path.join(dir, 'graph');
    await fs.mkdir(src, { recursive: true });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const dims = (d: number[]) => ({ dim: d.map((n) => ({ size: String(n) })) });
    const modelJson = {
      format: 'graph-model',
      generatedBy: '2.15.0',
      convertedBy: 'TensorFlow.js Converter v4.22.0',
      modelTopology: {
        node: [
          {
            name: 'x',
            op: 'Placeholder',
            attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([-1, 16, 16, 1]) } },
          },
          {
            name: 'w',
            op: 'Const',
            attr: {
              value: { tensor: { dtype: 'DT_FLOAT', tensorShape: dims([3, 3, 1, 1]) } },
              dtype: { type: 'DT_FLOAT' },
            },
          },
          {
            name: 'conv',
            op: 'Conv2D',
            input: ['x', 'w'],
            attr: {
              T: { type: 'DT_FLOAT' },
              strides: { list: { i: ['1', '1', '1', '1'] } },
              padding: { s: b64('SAME') },
              data_format: { s: b64('NHWC') },
              dilations: { list: { i: ['1', '1', '1', '1'] } },
            },
          },
          { name: 'relu', op: 'Relu', input: ['conv'], attr: { T: { type: 'DT_FLOAT' } } },
          { name: 'out', op: 'AddV2', input: ['relu', 'x'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
        library: {},
        versions: { producer: 1 },
      },
      weightsManifest: [
        { paths: ['group1-shard1of1.bin'], weights: [{ name: 'w', shape: [3, 3, 1, 1], dtype: 'float32' }] },
      ],
    };
    await fs.writeFile(path.join(src, 'model.json'), JSON.stringify(modelJson));
    await fs.writeFile(path.join(src, 'group1-shard1of1.bin'), new Uint8Array(w.buffer));
    const out = path.join(dir, 'graph-model');
    const r = await importModel({ source: path.join(src, 'model.json'), card, outDir: out });
    expect(r.card.imported!.source).toMatchObject({
      format: 'tfjs-graph',
      ops: ['AddV2', 'Const', 'Conv2D', 'Placeholder', 'Relu'],
    });
    const { model } = await loadModel(out);
    const y = sinogram();
    const wt = tf.tensor4d(w, [3, 3, 1, 1]);
    const direct = (v: tf.Tensor4D) => {
      const x = fbp(v);
      return tf.add(tf.relu(tf.conv2d(x, wt, 1, 'same')), x);
    };
    const got = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
    expect(
      maxRelDiff(
        got,
        tf.tidy(() => direct(y).dataSync() as Float32Array),
      ),
    ).toBeLessThan(1e-6);
    const g1 = tf.tidy(
      () =>
        tf
          .grad((v: tf.Tensor) => tf.sum(model.reconstruct(v as tf.Tensor4D)))(y)
          .dataSync() as Float32Array,
    );
    const g2 = tf.tidy(
      () =>
        tf
          .grad((v: tf.Tensor) => tf.sum(direct(v as tf.Tensor4D)))(y)
          .dataSync() as Float32Array,
    );
    expect(maxRelDiff(g1, g2)).toBeLessThan(1e-5);
    tf.dispose([y, wt]);
    model.dispose();
    // Black-box is for ONNX (onnxruntime); a tfjs model is refused with the field named.
    await expect(
      importModel({
        source: path.join(src, 'model.json'),
        card: { ...card, access: 'black-box' },
        outDir: path.join(dir, 'gbb'),
      }),
    ).rejects.toThrow(
      'black-box access runs ONNX models through onnxruntime; a TensorFlow.js model runs white-box',
    );
    // A weight path leaving the folder is refused.
    await fs.writeFile(
      path.join(src, 'evil.json'),
      JSON.stringify({
        ...modelJson,
        weightsManifest: [{ paths: ['../x.bin'], weights: modelJson.weightsManifest[0].weights }],
      }),
    );
    await expect(
      importModel({ source: path.join(src, 'evil.json'), card, outDir: path.join(dir, 'evil') }),
    ).rejects.toThrow('weight path "../x.bin" leaves the model\'s folder');
  });
});
