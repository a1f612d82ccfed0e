/**
 * `minmax` (Algorithm 1 of papers/000, eq. 7) on the tiny FBPConvNet at N 16 / 12 views: loss decreases,
 * determinism, no tensor leak per step, warm-up, the hinge pushing ||G(y)|| into the eps-ball, sub-batch
 * split, and a checkpoint round trip (getState/setState) that continues identically.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { makeGeometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { PerturbationGenerator } from '../../../src/main/engine/models/generator';
import {
  createMinmaxMethod,
  subBatchSizes,
  type MinmaxMethod,
} from '../../../src/main/engine/training/methods/minmax';
import { budgets, generatorAscentStep } from '../../../src/main/engine/models/generator-objective';
import { tinyMethodSetup, type TinyMethodSetup } from '../helpers/method-setup';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const g = makeGeometry({ size: 16, views: 12 });

/** A tiny model, its optimizer and a batch of 4 ellipse phantoms with y = A x. */
function setup(seed: number, learningRate = 1e-3): TinyMethodSetup {
  return tinyMethodSetup(g, seed, { optimizer: () => tf.train.adam(learningRate, 0.5, 0.999), epoch: 1 });
}

const HP = { generatorChannels: 4, generatorLayers: 3, generatorLearningRate: 1e-3, epsRelative: 0.02 };

async function runSteps(seed: number, steps: number, learningRate = 1e-3) {
  const s = setup(seed, learningRate);
  const m = createMinmaxMethod(HP);
  await m.init(s.ctx);
  const results = [];
  for (let t = 0; t < steps; t++) results.push(m.step(s.batch, { ...s.ctx, step: t }));
  m.dispose();
  s.dispose();
  return results;
}

describe('minmax method', () => {
  it('decreases its loss on a batch, is deterministic for a seed, and reports every term', async () => {
    const a = await runSteps(3, 10, 1e-2);
    const b = await runSteps(3, 10, 1e-2);
    expect(a.map((r) => r.loss)).toEqual(b.map((r) => r.loss));
    expect(a[9].loss).toBeLessThan(0.8 * a[0].loss);
    for (const k of [
      'mseClean',
      'mseAdversarial',
      'generatorObjective',
      'hinge',
      'gNormRelative',
      'warmup',
    ]) {
      expect(Number.isFinite(a[0].terms[k]), k).toBe(true);
    }
    // total = clean + lambda1 * adversarial (lambda1 = 1).
    expect(a[0].loss).toBeCloseTo(a[0].terms.mseClean + a[0].terms.mseAdversarial, 6);
  });

  it('leaks no tensors per step (after the optimizers created their slots)', async () => {
    const s = setup(1);
    const m = createMinmaxMethod(HP);
    await m.init(s.ctx);
    m.step(s.batch, s.ctx);
    const before = tf.memory().numTensors;
    m.step(s.batch, { ...s.ctx, step: 1 });
    m.step(s.batch, { ...s.ctx, step: 2 });
    expect(tf.memory().numTensors).toBe(before);
    const st = await m.getState();
    expect(tf.memory().numTensors).toBe(before); // live variables, nothing new
    expect(Object.keys(st).some((k) => k.startsWith('generator/'))).toBe(true);
    m.dispose();
    s.dispose();
  });

  it('warm-up epochs train the clean term only and leave G unchanged', async () => {
    const s = setup(2);
    const m = createMinmaxMethod({ ...HP, warmupEpochs: 2 });
    await m.init({ ...s.ctx, epoch: 0 });
    const w0 = m.generator()!.getWeights();
    const r = m.step(s.batch, { ...s.ctx, epoch: 1 });
    expect(r.terms.warmup).toBe(1);
    expect(Object.keys(r.terms).sort()).toEqual(['mseClean', 'warmup']);
    const w1 = m.generator()!.getWeights();
    for (const k of Object.keys(w0))
      expect(Array.from(w1[k].dataSync())).toEqual(Array.from(w0[k].dataSync()));
    tf.dispose([...Object.values(w0), ...Object.values(w1)]);
    const r2 = m.step(s.batch, { ...s.ctx, epoch: 2 });
    expect(r2.terms.warmup).toBe(0);
    m.dispose();
    s.dispose();
  });

  it("eq. (7)'s hinge pushes ||G(y)|| into the eps-ball from 5x outside", () => {
    const s = setup(4);
    const eps = budgets(s.batch.y, 0.02);
    const gen = PerturbationGenerator.conv(g.views, g.detectors, {
      channels: 4,
      layers: 3,
      gain: 0.3,
      seed: 4,
    });
    const opt = tf.train.adam(1e-2, 0.5, 0.999);
    const f = (y: tf.Tensor4D) => s.ctx.model.apply(y, true, { updateStats: false });
    const ratio = () =>
      tf.tidy(() => {
        const d = gen.apply(s.batch.y);
        const n = tf.sqrt(tf.sum(tf.square(d), [1, 2, 3], true));
        return Array.from(tf.div(n, eps).dataSync());
      });
    expect(Math.min(...ratio())).toBeGreaterThan(2);
    let hinge = Infinity;
    for (let t = 0; t < 60; t++)
      hinge = generatorAscentStep(gen, opt, f, s.batch.x, s.batch.y, eps, 1, -0.1).hinge;
    const r = ratio();
    expect(Math.max(...r)).toBeLessThan(1.1);
    expect(Math.max(...r)).toBeGreaterThan(0.5); // pinned near the boundary, not collapsed: the loss pushes out
    expect(hinge).toBeLessThan(0.2);
    tf.dispose([eps]);
    opt.dispose();
    gen.dispose();
    s.dispose();
  });

  it('G stays near the budget during training (gNormRelative ~ 1)', async () => {
    const a = await runSteps(5, 6);
    for (const r of a) expect(r.terms.gNormRelative).toBeLessThan(1.5);
    expect(a[5].terms.gNormRelative).toBeGreaterThan(0.3);
  });

  it('getState/setState continue a run identically (checkpoint round trip)', async () => {
    const s1 = setup(6);
    const m1 = createMinmaxMethod(HP);
    await m1.init(s1.ctx);
    m1.step(s1.batch, s1.ctx);
    m1.step(s1.batch, s1.ctx);
    // Copy the state (as a checkpoint would) into a fresh method whose model has the same weights.
    const st = await m1.getState();
    const copy: tf.NamedTensorMap = {};
    for (const [k, v] of Object.entries(st)) copy[k] = v.clone();
    const s2 = setup(6);
    s1.ctx.model.trainableVariables().forEach((v, i) => s2.ctx.model.trainableVariables()[i].assign(v));
    const m2 = createMinmaxMethod(HP);
    await m2.init(s2.ctx);
    await m2.setState(copy);
    tf.dispose(Object.values(copy));
    const gOut = (m: MinmaxMethod) => tf.tidy(() => Array.from(m.generator()!.apply(s1.batch.y).dataSync()));
    expect(gOut(m2)).toEqual(gOut(m1));
    // Same G and G-optimizer state (moments, beta products): the next step moves G identically.
    const r1 = m1.step(s1.batch, s1.ctx);
    const r2 = m2.step(s2.batch, s2.ctx);
    expect(r2.terms.generatorObjective).toBeCloseTo(r1.terms.generatorObjective, 6);
    expect(gOut(m2)).toEqual(gOut(m1));
    m1.dispose();
    m2.dispose();
    s1.dispose();
    s2.dispose();
  });

  it('splits batches into K near-equal sub-batches and rejects lambda2 >= 0', () => {
    expect(subBatchSizes(10, 4)).toEqual([3, 3, 2, 2]);
    expect(subBatchSizes(2, 4)).toEqual([1, 1]);
    expect(() => createMinmaxMethod({ lambda2: 0.1 })).toThrow(UsageError);
    expect(() => createMinmaxMethod({ nonsense: 1 })).toThrow(/no such hyperparameter/);
    const m = createMinmaxMethod();
    expect(m.hyper).toMatchObject({ lambda1: 1, lambda2: -0.1, subBatches: 4, generatorLearningRate: 1e-4 });
  });
});
