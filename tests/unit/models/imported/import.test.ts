/**
 * Importing networks (ONNX white-box and black-box, TensorFlow.js layers and graph models) as Reconstructors:
 * the card's unit conversion, residual and input roles against hand formulas on FBP, round trips through
 * model folders that `loadModel` (and so every audit path) reads, geometry refusals naming the field, the
 * stored provenance, black-box forward passes equal to white-box ones, and flat tensor counts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '../../../../src/shared/errors';
import { makeGeometry } from '../../../../src/shared/geometry';
import { parseImportCard } from '../../../../src/shared/model-import';
import { initBackend, tf } from '../../../../src/main/engine/backend';
import { checkCardGeometry, loadModel, readCard } from '../../../../src/main/engine/models';
import { importModel } from '../../../../src/main/engine/models/imported/import-model';
import { RadonOperator } from '../../../../src/main/engine/physics';
import { randn } from '../../helpers/arrays';
import { tempDir } from '../../audit/helpers';
import { maxRelDiff, modelBytes, ONNX_FIXTURES, type ModelSpec } from '../onnx/onnx-builder';

let dir: string;
const G32 = makeGeometry({ size: 32, views: 12 });

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('import');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function writeOnnx(name: string, spec: ModelSpec): Promise<string> {
  const file = path.join(dir, `${name}.onnx`);
  await fs.writeFile(file, modelBytes(spec));
  return file;
}

/** An image network with free spatial size: y0 = k * image + c (Mul, Add). */
function affineNet(k: number, c: number): ModelSpec {
  return {
    nodes: [
      { op: 'Mul', inputs: ['image', 'k'], outputs: ['m'] },
      { op: 'Add', inputs: ['m', 'c'], outputs: ['out'] },
    ],
    inputs: [
      { name: 'image', shape: [1, 1, 32, 32] },
      { name: 'k', shape: [], data: [k] },
      { name: 'c', shape: [], data: [c] },
    ],
    outputs: ['out'],
  };
}

function sinogram(g = G32, seed = 's'): tf.Tensor4D {
  const op = new RadonOperator(g);
  return tf.tidy(() =>
    op.forward(tf.abs(tf.tensor4d(randn(seed, 2 * g.size * g.size), [2, g.size, g.size, 1]))),
  );
}

function fbpOf(y: tf.Tensor4D, g = G32): Float32Array {
  const op = new RadonOperator(g);
  return tf.tidy(
    () => op.fbp(y, { filter: 'ram-lak', cutoff: 1, backprojector: 'pixel' }).dataSync() as Float32Array,
  );
}

describe('import cards', () => {
  it('are validated with the field named', () => {
    const base = { input: 'fbp-image', geometry: { size: 32, views: 12 }, intensity: { unit: 'hu' } };
    expect(parseImportCard(base, 'c.json')).toMatchObject({
      access: 'white-box',
      residual: false,
      sinogramScale: 1,
    });
    const bad: [object, string][] = [
      [{ ...base, input: 'volume' }, 'c.json: not a valid import card (input: '],
      [
        { ...base, intensity: { unit: 'unit-window', window: { minHu: 100, maxHu: -100 } } },
        '(intensity.window: maxHu must be above minHu)',
      ],
      [
        { ...base, geometry: { size: 32, views: 12, angularRangeDeg: 360 } },
        'c.json: geometry.angularRangeDeg is 360; the engine simulates 12 views over [0, 180) degrees only',
      ],
      [
        { ...base, input: 'sinogram', residual: true },
        'c.json: residual is true, but a sinogram-input network has no image input',
      ],
      [{ ...base, extra: 1 }, 'c.json: not a valid import card ((root): Unrecognized key: "extra")'],
    ];
    for (const [card, message] of bad) {
      expect(() => parseImportCard(card, 'c.json')).toThrow(InputError);
      expect(() => parseImportCard(card, 'c.json')).toThrow(message);
    }
  });
});

describe('the wrapper converts units once on the way in and out', () => {
  it('HU, windows and residual against hand formulas on FBP', async () => {
    const y = sinogram();
    const fbp = fbpOf(y);
    const cases: { card: object; k: number; c: number; expected: (x: number) => number }[] = [
      // u = 1000 x - 1000 (HU); net 2u + 5; back: x' = (2u + 5 + 1000) / 1000 = 2x - 1 + 0.005
      { card: { intensity: { unit: 'hu' } }, k: 2, c: 5, expected: (x) => 2 * x - 1 + 0.005 },
      // u = (HU + 1000) / 2000 = x / 2 over [-1000, 1000]; net u; back x.
      {
        card: { intensity: { unit: 'unit-window', window: { minHu: -1000, maxHu: 1000 } } },
        k: 1,
        c: 0,
        expected: (x) => x,
      },
      // u = 2 (HU - 0) / 400 - 1 = 5 x - 6 (window 0..400 HU); net 0 * u + 0.5, residual: out = 0.5 + u.
      {
        card: { intensity: { unit: 'symmetric-window', window: { minHu: 0, maxHu: 400 } }, residual: true },
        k: 0,
        c: 0.5,
        expected: (x) => x + 0.1,
      },
    ];
    for (const [i, c] of cases.entries()) {
      const file = await writeOnnx(`affine${i}`, affineNet(c.k, c.c));
      const out = path.join(dir, `affine${i}`);
      await importModel({
        source: file,
        card: { input: 'fbp-image', geometry: { size: 32, views: 12 }, ...c.card },
        outDir: out,
      });
      const { model } = await loadModel(out);
      const got = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
      expect(maxRelDiff(got, fbp.map(c.expected)), JSON.stringify(c.card)).toBeLessThan(1e-5);
      model.dispose();
    }
    y.dispose();
  });
});

describe('ONNX models through model folders', () => {
  it('white-box: provenance in card.json, loads through loadModel, tensor counts flat, refuses another geometry naming the field', async () => {
    const out = path.join(dir, 'unet');
    const r = await importModel({
      source: `${ONNX_FIXTURES}unet_bn.onnx`,
      card: {
        input: 'fbp-image',
        geometry: { size: 32, views: 12 },
        intensity: { unit: 'attenuation' },
        provenance: { exporter: 'torch.onnx.export 1.13' },
      },
      outDir: out,
    });
    const bytes = await fs.readFile(`${ONNX_FIXTURES}unet_bn.onnx`);
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(await fs.readdir(out)).toEqual(['card.json', 'model.onnx']);
    const card = await readCard(out);
    expect(card).toEqual(r.card);
    expect(card.kind).toBe('imported');
    expect(card.weights).toEqual({ files: ['model.onnx'], bytes: bytes.length, sha256: sha });
    expect(card.imported).toMatchObject({
      access: 'white-box',
      unsupported: [],
      source: {
        format: 'onnx',
        fileName: 'unet_bn.onnx',
        sha256: sha,
        producer: 'pytorch 1.13.0',
        opset: 13,
        irVersion: 7,
      },
      io: {
        inputs: [{ name: 'image', role: 'image', shape: ['batch', 1, 32, 32] }],
        output: { name: 'out' },
      },
    });
    expect(card.imported!.source.ops).toEqual([
      'Add',
      'BatchNormalization',
      'Concat',
      'Conv',
      'ConvTranspose',
      'MaxPool',
      'Relu',
    ]);

    const before = tf.memory().numTensors;
    const { model } = await loadModel(out, G32);
    expect(model.describe()).toBe(
      'Imported ONNX model unet_bn.onnx (fbp-image input, attenuation relative to water, x = 1 + HU/1000; white-box)',
    );
    const held = tf.memory().numTensors;
    const y = sinogram();
    for (let k = 0; k < 2; k++) {
      tf.tidy(() => {
        model.reconstruct(y);
        tf.grad((v: tf.Tensor) => tf.sum(model.reconstruct(v as tf.Tensor4D)))(y);
      });
      expect(tf.memory().numTensors).toBe(held + 1);
    }
    y.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);

    const other = makeGeometry({ size: 32, views: 20 });
    await expect(loadModel(out, other)).rejects.toThrow(
      `${out}: the model was trained for geometry views = 12, but 20 was requested`,
    );
    expect(() => checkCardGeometry(card, other, out)).toThrow(InputError);
    // A card whose geometry contradicts the network's declared input is refused at import, naming the field.
    await expect(
      importModel({
        source: `${ONNX_FIXTURES}unet_bn.onnx`,
        card: { input: 'fbp-image', geometry: { size: 64, views: 12 }, intensity: { unit: 'hu' } },
        outDir: path.join(dir, 'unet64'),
      }),
    ).rejects.toThrow(
      'geometry.size is 64, but the network\'s image input "image" is declared [batch,1,32,32]',
    );
    await expect(fs.stat(path.join(dir, 'unet64'))).rejects.toThrow();
    // An existing model folder is not overwritten.
    await expect(
      importModel({
        source: `${ONNX_FIXTURES}unet_bn.onnx`,
        card: { input: 'fbp-image', geometry: { size: 32, views: 12 }, intensity: { unit: 'hu' } },
        outDir: out,
      }),
    ).rejects.toThrow(UsageError);
  });

  it('a changed model file is refused at load', async () => {
    const out = path.join(dir, 'tampered');
    await importModel({
      source: `${ONNX_FIXTURES}tconv_groups.onnx`,
      card: { input: 'fbp-image', geometry: { size: 20, views: 10 }, intensity: { unit: 'attenuation' } },
      outDir: out,
    });
    const f = path.join(out, 'model.onnx');
    const b = await fs.readFile(f);
    b[b.length - 10] ^= 1;
    await fs.writeFile(f, b);
    await expect(loadModel(out)).rejects.toThrow('do not match the SHA-256 in card.json');
  });

  it('sinogram input: the network reads sinogramScale y', async () => {
    const g = makeGeometry({ size: 12, views: 6, detectors: 17 });
    const out = path.join(dir, 'sino');
    await importModel({
      source: `${ONNX_FIXTURES}sino_net.onnx`,
      card: {
        input: 'sinogram',
        geometry: { size: 12, views: 6, detectors: 17 },
        intensity: { unit: 'attenuation' },
        sinogramScale: 0.5,
      },
      outDir: out,
    });
    const { model } = await loadModel(out);
    const { OnnxNetwork } = await import('../../../../src/main/engine/models/onnx/onnx-network');
    const net = OnnxNetwork.fromBytes(await fs.readFile(`${ONNX_FIXTURES}sino_net.onnx`), 'sino_net.onnx');
    const y = sinogram(g, 'sino');
    const got = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
    const want = tf.tidy(
      () => net.run({ sinogram: tf.mul(y, 0.5) as tf.Tensor4D }).dataSync() as Float32Array,
    );
    expect(maxRelDiff(got, want)).toBeLessThan(1e-6);
    tf.dispose(y);
    net.dispose();
    model.dispose();
  });

  it('black-box: an unmappable network runs through onnxruntime, forward only; a mappable one gives the white-box output', async () => {
    await expect(
      importModel({
        source: `${ONNX_FIXTURES}blackbox_cumsum.onnx`,
        card: { input: 'fbp-image', geometry: 'follows-ours', intensity: { unit: 'attenuation' } },
        outDir: path.join(dir, 'bbw'),
      }),
    ).rejects.toThrow('CumSum (node "/CumSum"); set "access": "black-box" in the card');
    const out = path.join(dir, 'bb');
    const g16 = makeGeometry({ size: 16, views: 8 });
    const r = await importModel({
      source: `${ONNX_FIXTURES}blackbox_cumsum.onnx`,
      card: {
        input: 'fbp-image',
        geometry: 'follows-ours',
        intensity: { unit: 'attenuation' },
        access: 'black-box',
      },
      outDir: out,
      geometry: g16,
    });
    expect(r.card.geometry).toEqual(g16);
    expect(r.card.imported).toMatchObject({ access: 'black-box', unsupported: ['CumSum (node "/CumSum")'] });
    expect(r.notes[0]).toContain('black-box');
    const before = tf.memory().numTensors;
    const { model } = await loadModel(out);
    expect(model.differentiable).toBe(false);
    const y = sinogram(g16, 'bb');
    const got = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
    // Reference: the exported network's function, x + 0.01 cumsum(conv(relu(conv x))), is not available in
    // tfjs here, so compare with onnxruntime's public API on the same FBP image.
    const { runOrt } = await import('../onnx/onnx-builder');
    const [ref] = await runOrt(new Uint8Array(await fs.readFile(`${ONNX_FIXTURES}blackbox_cumsum.onnx`)), {
      image: { shape: [2, 1, 16, 16], data: fbpOf(y, g16) },
    });
    expect(maxRelDiff(got, ref.data)).toBeLessThan(1e-5);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before); // the model holds no tensors: onnxruntime has them
    // No gradient reaches y through onnxruntime (checked last: tfjs leaves tape tensors behind when grad throws).
    const y1 = sinogram(g16, 'bb1');
    expect(() =>
      tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(model.reconstruct(v as tf.Tensor4D)))(y1)),
    ).toThrow('Cannot compute gradient');
    y1.dispose();
    model.dispose();

    // The same U-Net white-box and black-box.
    const card = { input: 'fbp-image', geometry: { size: 32, views: 12 }, intensity: { unit: 'hu' } };
    await importModel({ source: `${ONNX_FIXTURES}unet_bn.onnx`, card, outDir: path.join(dir, 'uw') });
    await importModel({
      source: `${ONNX_FIXTURES}unet_bn.onnx`,
      card: { ...card, access: 'black-box' },
      outDir: path.join(dir, 'ub'),
    });
    const w = (await loadModel(path.join(dir, 'uw'))).model;
    const b = (await loadModel(path.join(dir, 'ub'))).model;
    const y2 = sinogram();
    const a1 = tf.tidy(() => w.reconstruct(y2).dataSync() as Float32Array);
    const a2 = tf.tidy(() => b.reconstruct(y2).dataSync() as Float32Array);
    expect(maxRelDiff(a1, a2)).toBeLessThan(1e-5);
    tf.dispose(y2);
    w.dispose();
    b.dispose();
  });

  it('follows-ours: built at the requested geometry; a fixed input size still refuses another, naming the field', async () => {
    const spec = affineNet(1, 0);
    spec.inputs[0] = { name: 'image', shape: [1, 1, 32, 32] };
    const file = await writeOnnx('free', spec);
    const m = (await import('../../../../src/main/engine/models/onnx/proto')).decodeModelProto(
      await fs.readFile(file),
      file,
    );
    // Make the spatial dimensions symbolic, as torch.onnx.export with dynamic_axes writes them.
    m.graph!.input![0].type!.tensor_type!.shape = {
      dim: [{ dim_param: 'b' }, { dim_value: 1 }, { dim_param: 'h' }, { dim_param: 'w' }],
    };
    const { encodeModelProto } = await import('../../../../src/main/engine/models/onnx/proto');
    await fs.writeFile(file, encodeModelProto(m));
    const out = path.join(dir, 'free');
    const r = await importModel({
      source: file,
      card: { input: 'fbp-image', geometry: 'follows-ours', intensity: { unit: 'hu' } },
      outDir: out,
    });
    expect(r.card.geometry).toEqual(makeGeometry({ size: 128, views: 36 })); // demo: nothing else known
    const g = makeGeometry({ size: 24, views: 10 });
    const { model } = await loadModel(out, g);
    expect(model.geometry).toEqual(g);
    const y = sinogram(g, 'f');
    expect(
      maxRelDiff(
        tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array),
        fbpOf(y, g),
      ),
    ).toBeLessThan(1e-5);
    y.dispose();
    model.dispose();
    const fixed = path.join(dir, 'fixed');
    await importModel({
      source: `${ONNX_FIXTURES}tconv_groups.onnx`,
      card: { input: 'fbp-image', geometry: 'follows-ours', intensity: { unit: 'hu' } },
      outDir: fixed,
    });
    expect((await readCard(fixed)).geometry.size).toBe(20);
    await expect(loadModel(fixed, g)).rejects.toThrow(
      'geometry.size is 24, but the network\'s image input "image" is declared [batch,1,20,20]',
    );
  });
});
