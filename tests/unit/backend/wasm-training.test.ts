/**
 * End to end on wasm with the registered kernels: a training step of the small residual U-Net (raw ops
 * and tf.layers with batch normalisation in training mode) gives the same loss and the same gradients as
 * on cpu (relative 1e-4, as in wasm-kernels.test.ts), the gradient with respect to the input (what
 * attacks use) too, Adam's minimize and model.fit run, and nothing leaks.
 */
import { describe, expect, it } from 'vitest';
import { tf } from '../../../src/main/engine/backend';
import {
  describeParams,
  randomHost,
  relErr,
  useBackend,
  type BackendName,
  type HostTensor,
} from './compare-backends';
import { layersUnet, rawUnet, rawUnetHostParams, type RawParams } from './small-unet';

const TOL = 1e-4;
const [B, S, C] = [4, 16, 8];
const xHost = randomHost('unet-x', [B, S, S, 1]);
const yHost = randomHost('unet-y', [B, S, S, 1]);
const tensorOf = (h: HostTensor) => tf.tensor(h.values, h.shape);
const mse = (y: tf.Tensor, yHat: tf.Tensor) => tf.losses.meanSquaredError(y, yHat) as tf.Scalar;

interface StepResult {
  loss: number;
  grads: Record<string, Float32Array>;
  inputGrad: Float32Array;
  afterAdam: Record<string, Float32Array>;
  leakedTensors: number;
  leakedDataIds: number;
}

async function rawStep(name: BackendName, host: Record<string, HostTensor>): Promise<StepResult> {
  await useBackend(name);
  const backend = tf.backend();
  const tensors0 = tf.memory().numTensors;
  const ids0 = backend.numDataIds();
  const p: RawParams = tf.tidy(() =>
    Object.fromEntries(Object.entries(host).map(([k, h]) => [k, tf.variable(tensorOf(h))])),
  );
  const names = Object.keys(p);
  const x = tensorOf(xHost) as tf.Tensor4D;
  const y = tensorOf(yHost);

  const { value, grads } = tf.variableGrads(() => mse(y, rawUnet(p, x)), Object.values(p));
  const result: Omit<StepResult, 'leakedTensors' | 'leakedDataIds'> = {
    loss: value.dataSync()[0],
    grads: Object.fromEntries(names.map((k) => [k, grads[p[k].name].dataSync() as Float32Array])),
    inputGrad: tf.tidy(
      () =>
        tf
          .grad((xx: tf.Tensor) => mse(y, rawUnet(p, xx as tf.Tensor4D)))(x)
          .dataSync() as Float32Array,
    ),
    afterAdam: {},
  };
  tf.dispose([value, ...Object.values(grads)]);

  const adam = tf.train.adam(1e-3);
  adam.minimize(() => mse(y, rawUnet(p, x)), false, Object.values(p));
  result.afterAdam = Object.fromEntries(names.map((k) => [k, p[k].dataSync() as Float32Array]));
  adam.dispose();
  tf.dispose([x, y, ...Object.values(p)]);
  return {
    ...result,
    leakedTensors: tf.memory().numTensors - tensors0,
    leakedDataIds: backend.numDataIds() - ids0,
  };
}

describe('raw-op residual U-Net', () => {
  it(`training step B${B} ${S}x${S} c${C}: same loss, gradients, input gradient and Adam step as cpu`, async () => {
    const host = rawUnetHostParams(C, 'raw-unet');
    const wasm = await rawStep('wasm', host);
    const cpu = await rawStep('cpu', host);
    expect(relErr([wasm.loss], [cpu.loss]), `loss ${wasm.loss} vs ${cpu.loss}`).toBeLessThanOrEqual(TOL);
    for (const k of Object.keys(host)) {
      const msg = describeParams({ param: k, shape: host[k].shape });
      expect(relErr(wasm.grads[k], cpu.grads[k]), `gradient: ${msg}`).toBeLessThanOrEqual(TOL);
      expect(relErr(wasm.afterAdam[k], cpu.afterAdam[k]), `after Adam: ${msg}`).toBeLessThanOrEqual(TOL);
    }
    expect(relErr(wasm.inputGrad, cpu.inputGrad), 'input gradient').toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], 'leak on wasm').toEqual([0, 0]);
    expect([cpu.leakedTensors, cpu.leakedDataIds], 'leak on cpu').toEqual([0, 0]);
  });
});

/** Seeded weights for the layers U-Net, by position and role (layer names differ between instances). */
function layersHostWeights(model: tf.LayersModel): HostTensor[] {
  return model.weights.map((w, i) => {
    const h = randomHost(`layers-unet/${i}`, w.shape as number[]);
    const role = w.name.split('/').pop() ?? '';
    const shape = w.shape as number[];
    const map = (f: (v: number) => number) => ({ ...h, values: h.values.map(f) });
    if (role.startsWith('kernel')) return map((v) => v * Math.sqrt(2 / (shape[0] * shape[1] * shape[3])));
    if (role.startsWith('gamma')) return map((v) => 1 + 0.1 * v);
    if (role.startsWith('moving_variance')) return map((v) => 1 + 0.1 * Math.abs(v));
    return map((v) => 0.05 * v); // bias, beta, moving_mean
  });
}

interface LayersResult {
  loss: number;
  grads: Float32Array[];
  inputGrad: Float32Array;
  movingMean: Float32Array;
  movingMeanIndex: number;
  leakedTensors: number;
  leakedDataIds: number;
}

async function layersStep(
  name: BackendName,
  weightsFrom?: HostTensor[],
): Promise<LayersResult & { host: HostTensor[] }> {
  await useBackend(name);
  const backend = tf.backend();
  const tensors0 = tf.memory().numTensors;
  const ids0 = backend.numDataIds();
  const model = layersUnet(C, S);
  const host = weightsFrom ?? layersHostWeights(model);
  const ws = host.map(tensorOf);
  model.setWeights(ws);
  tf.dispose(ws);
  const x = tensorOf(xHost);
  const y = tensorOf(yHost);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  // Training mode: batch normalisation uses the batch's statistics (and updates its moving averages).
  const { value, grads } = tf.variableGrads(
    () => mse(y, model.apply(x, { training: true }) as tf.Tensor),
    vars,
  );
  const result = {
    loss: value.dataSync()[0],
    grads: vars.map((v) => grads[v.name].dataSync() as Float32Array),
    inputGrad: tf.tidy(
      () =>
        tf
          .grad((xx: tf.Tensor) => mse(y, model.apply(xx, { training: false }) as tf.Tensor))(x)
          .dataSync() as Float32Array,
    ),
    movingMeanIndex: model.weights.findIndex((w) => w.name.includes('moving_mean')),
    movingMean: model.weights
      .find((w) => w.name.includes('moving_mean'))!
      .read()
      .dataSync() as Float32Array,
  };
  tf.dispose([value, ...Object.values(grads), x, y]);
  model.dispose();
  return {
    ...result,
    host,
    leakedTensors: tf.memory().numTensors - tensors0,
    leakedDataIds: backend.numDataIds() - ids0,
  };
}

describe('tf.layers U-Net with batch normalisation', () => {
  it(`training-mode step B${B} ${S}x${S} c${C}: same loss, gradients and input gradient as cpu`, async () => {
    const wasm = await layersStep('wasm');
    const cpu = await layersStep('cpu', wasm.host);
    expect(relErr([wasm.loss], [cpu.loss]), `loss ${wasm.loss} vs ${cpu.loss}`).toBeLessThanOrEqual(TOL);
    // A conv bias followed by training-mode batch normalisation has gradient exactly 0 (the batch mean
    // is subtracted); both backends give float32 noise (~1e-7) there, which has no relative error to
    // speak of, so such gradients are only checked to be below 1e-5 of the whole gradient's norm.
    const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
    const floor = 1e-5 * Math.hypot(...cpu.grads.map(norm));
    const weights = layersUnet(C, S);
    const names = weights.trainableWeights.map((w) => w.name);
    weights.dispose();
    wasm.grads.forEach((g, i) => {
      const msg = describeParams({ weight: i, name: names[i], size: g.length });
      if (norm(cpu.grads[i]) < floor) expect(norm(g), `zero gradient: ${msg}`).toBeLessThan(floor);
      else expect(relErr(g, cpu.grads[i]), `gradient: ${msg}`).toBeLessThanOrEqual(TOL);
    });
    expect(relErr(wasm.inputGrad, cpu.inputGrad), 'input gradient').toBeLessThanOrEqual(TOL);
    // Training mode updated the moving averages, identically on both backends.
    const initialMean = wasm.host[wasm.movingMeanIndex].values;
    expect(relErr(wasm.movingMean, initialMean), 'moving mean updated').toBeGreaterThan(1e-3);
    expect(relErr(wasm.movingMean, cpu.movingMean), 'moving mean').toBeLessThanOrEqual(TOL);
    expect([wasm.leakedTensors, wasm.leakedDataIds], 'leak on wasm').toEqual([0, 0]);
  });

  it('model.fit (Adam) runs on wasm, lowers the loss and leaks nothing', async () => {
    await useBackend('wasm');
    const backend = tf.backend();
    const tensors0 = tf.memory().numTensors;
    const ids0 = backend.numDataIds();
    const model = layersUnet(C, S);
    model.compile({ optimizer: 'adam', loss: 'meanSquaredError' });
    const x = tensorOf(xHost);
    const y = tensorOf(yHost);
    const history = await model.fit(x, y, { epochs: 5, batchSize: 2, verbose: 0, shuffle: false });
    const losses = history.history.loss as number[];
    expect(losses.every(Number.isFinite), `losses ${losses}`).toBe(true);
    expect(losses[losses.length - 1], `losses ${losses}`).toBeLessThan(losses[0]);
    tf.dispose([x, y]);
    model.dispose();
    expect([tf.memory().numTensors - tensors0, backend.numDataIds() - ids0], 'leak').toEqual([0, 0]);
  });
});
