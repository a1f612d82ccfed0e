/**
 * The closed-form batch-norm gradient (models/batch-norm.ts) against autodiff through tf.layers' own
 * BatchNormalization (tf.moments + tf.batchNorm) on the cpu backend: same outputs, same gradients with
 * respect to x, gamma and beta (float32: relative 1e-5), same moving statistics; a whole U-Net training
 * step with both classes; model.json unchanged and loaded models using the fused class; no leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  FusedBatchNormalization,
  batchNormTraining,
  registerFusedBatchNorm,
} from '../../../src/main/engine/models/batch-norm';
import { buildResidualUnet } from '../../../src/main/engine/models/unet';
import { randn, relErr } from '../helpers/arrays';

const TOL = 1e-5;
const EPS = 1e-3;

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

/** The reference: what tf.layers computes in training mode, differentiated by tfjs's autodiff. */
function reference(x: tf.Tensor, gamma: tf.Tensor1D, beta: tf.Tensor1D): tf.Tensor {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const { mean, variance } = tf.moments(x, axes);
  return tf.batchNorm(x, mean, variance, beta, gamma, EPS);
}

const SHAPES = [
  [4, 8, 8, 3],
  [2, 5, 6],
  [10, 4],
  [1, 16, 16, 5],
];

describe('batchNormTraining', () => {
  for (const shape of SHAPES) {
    it(`equals autodiff through tf.moments + tf.batchNorm (shape [${shape}])`, () => {
      const C = shape[shape.length - 1];
      const n = shape.reduce((a, b) => a * b, 1);
      // A mean far from zero relative to the spread (3 vs 0.5) checks the centred sums.
      const xv = randn(`x${shape}`, n).map((v, i) => 3 + 0.5 * v + 0.1 * (i % C));
      const x = tf.tensor(xv, shape);
      const gamma = tf.tensor1d(randn(`g${shape}`, C).map((v) => 1 + 0.3 * v));
      const beta = tf.tensor1d(randn(`b${shape}`, C));
      const w = tf.tensor(randn(`w${shape}`, n), shape);
      const t0 = tf.memory().numTensors;
      const lossOf =
        (f: (a: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => tf.Tensor) =>
        (a: tf.Tensor, g: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(f(a, g as tf.Tensor1D, b as tf.Tensor1D), w)) as tf.Scalar;
      const fused = (a: tf.Tensor, g: tf.Tensor1D, b: tf.Tensor1D) => {
        const r = batchNormTraining(a, g, b, EPS);
        tf.dispose([r.mean, r.variance]);
        return r.y;
      };
      const ours = tf.grads(lossOf(fused))([x, gamma, beta]);
      const ref = tf.grads(lossOf(reference))([x, gamma, beta]);
      ['x', 'gamma', 'beta'].forEach((name, i) => {
        expect(relErr(ours[i].dataSync(), ref[i].dataSync()), `d/d${name}`).toBeLessThanOrEqual(TOL);
      });
      const r = batchNormTraining(x, gamma, beta, EPS);
      const y0 = tf.tidy(() => reference(x, gamma, beta));
      const m = tf.moments(
        x,
        x.shape.slice(0, -1).map((_, i) => i),
      );
      // Same ops in the same order as tf.layers: identical values.
      expect(Array.from(r.y.dataSync())).toEqual(Array.from(y0.dataSync()));
      expect(Array.from(r.mean.dataSync())).toEqual(Array.from(m.mean.dataSync()));
      expect(Array.from(r.variance.dataSync())).toEqual(Array.from(m.variance.dataSync()));
      tf.dispose([...ours, ...ref, r.y, r.mean, r.variance, y0, m.mean, m.variance]);
      expect(tf.memory().numTensors, 'tensors left').toBe(t0);
      tf.dispose([x, gamma, beta, w]);
    });
  }
});

/** A small conv + BN + ReLU net with the given BN layer class, and seeded weights shared by both. */
function smallNet(useFused: boolean, momentum: number): tf.LayersModel {
  const input = tf.input({ shape: [8, 8, 2] });
  const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', useBias: false });
  const args = { momentum, name: 'bn' };
  const bn = useFused ? new FusedBatchNormalization(args) : tf.layers.batchNormalization(args);
  const out = tf.layers.reLU().apply(bn.apply(conv.apply(input)) as tf.SymbolicTensor) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  model.setWeights(
    model.weights.map((v, i) => {
      const r = randn(
        `w${i}`,
        v.shape.reduce((a, b) => a! * b!, 1)!,
      );
      const role = v.name.split('/').pop() ?? '';
      const f = role.startsWith('gamma')
        ? (t: number) => 1 + 0.3 * t
        : role.startsWith('moving_variance')
          ? (t: number) => 1 + 0.1 * Math.abs(t)
          : (t: number) => 0.5 * t;
      return tf.tensor(r.map(f), v.shape as number[]);
    }),
  );
  return model;
}

describe('FusedBatchNormalization (the layer)', () => {
  it('trains like tf.layers BatchNormalization: loss, weight gradients, moving statistics', () => {
    const x = tf.tensor4d(randn('net-x', 3 * 8 * 8 * 2), [3, 8, 8, 2]);
    const target = tf.tensor4d(randn('net-t', 3 * 8 * 8 * 4), [3, 8, 8, 4]);
    const run = (fused: boolean) => {
      const model = smallNet(fused, 0.9);
      const t0 = tf.memory().numTensors;
      const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.meanSquaredError(target, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar,
        vars,
      );
      const out = {
        loss: value.dataSync()[0],
        grads: vars.map((v) => grads[v.name].dataSync().slice()),
        moving: model
          .getWeights()
          .slice(-2)
          .map((w) => w.dataSync().slice()),
        inference: tf.tidy(() => (model.apply(x, { training: false }) as tf.Tensor).dataSync().slice()),
      };
      tf.dispose([value, ...Object.values(grads)]);
      const leaked = tf.memory().numTensors - t0;
      model.dispose();
      return { ...out, leaked };
    };
    const ours = run(true);
    const ref = run(false);
    expect(Math.abs(ours.loss - ref.loss) / ref.loss).toBeLessThanOrEqual(TOL);
    ours.grads.forEach((g, i) => expect(relErr(g, ref.grads[i]), `gradient ${i}`).toBeLessThanOrEqual(TOL));
    ours.moving.forEach((m, i) => expect(relErr(m, ref.moving[i]), `moving ${i}`).toBeLessThanOrEqual(1e-6));
    expect(relErr(ours.inference, ref.inference)).toBeLessThanOrEqual(1e-6);
    expect(ours.leaked).toBe(0);
    tf.dispose([x, target]);
  });

  it('momentum 1 leaves the moving statistics untouched (FbpConvNet updateStats: false)', () => {
    const model = smallNet(true, 1);
    const before = model
      .getWeights()
      .slice(-2)
      .map((w) => w.dataSync().slice());
    tf.tidy(() => model.apply(tf.ones([2, 8, 8, 2]), { training: true }) as tf.Tensor);
    const after = model
      .getWeights()
      .slice(-2)
      .map((w) => w.dataSync().slice());
    expect(after).toEqual(before);
    model.dispose();
  });

  it('keeps the standard model.json and is what a loaded U-Net uses', async () => {
    registerFusedBatchNorm();
    const net = buildResidualUnet(
      { size: 16, baseChannels: 2, depth: 1, convsPerBlock: 1, bnMomentum: 0.9 },
      1,
    );
    const bnLayers = net.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    expect(bnLayers.length).toBeGreaterThan(0);
    expect(bnLayers.every((l) => l instanceof FusedBatchNormalization)).toBe(true);
    let saved: tf.io.ModelArtifacts | undefined;
    await net.save(
      tf.io.withSaveHandler(
        async (a) => (
          (saved = a),
          { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
        ),
      ),
    );
    const json = JSON.stringify(saved!.modelTopology);
    expect(json).toContain('"class_name":"BatchNormalization"');
    expect(json).not.toContain('Fused');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved!));
    const loadedBn = loaded.layers.filter((l) => l.getClassName() === 'BatchNormalization');
    expect(loadedBn.every((l) => l instanceof FusedBatchNormalization)).toBe(true);
    const x = tf.tensor4d(randn('u', 2 * 16 * 16), [2, 16, 16, 1]);
    const a = tf.tidy(() => (net.apply(x, { training: false }) as tf.Tensor).dataSync());
    const b = tf.tidy(() => (loaded.apply(x, { training: false }) as tf.Tensor).dataSync());
    expect(Array.from(b)).toEqual(Array.from(a));
    tf.dispose(x);
    net.dispose();
    loaded.dispose();
  });
});
