/**
 * Every training method (the five of this module and minmax / smt-adv / smt-grad): each trains the `tiny` FBPConvNet
 * for a few steps on a fixed batch, lowers its loss, and is deterministic for a fixed seed (bitwise, same
 * backend). The penalties are checked against independent computations: the Parseval term against a
 * plain Gram matrix, the power iteration against the exact spectral norm of FBP A (dense matrix, Float64
 * power method), the PGD perturbation against its budget and a random perturbation of the same size.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { writeNpy } from '../../../src/main/engine/io/npy';
import type { FbpConvNet } from '../../../src/main/engine/models';
import { makePhantom, RadonOperator } from '../../../src/main/engine/physics';
import { createRng } from '../../../src/main/engine/random';
import {
  createMethod,
  parsevalTerm,
  pgdPerturbation,
  powerIteration,
} from '../../../src/main/engine/training/methods';
import { resolveHyper, train, type MethodContext } from '../../../src/main/engine/training';
import type { TrainableReconstructor } from '../../../src/main/engine/models';

const N = 16;
const g = makeGeometry({ size: N, views: 8 });
let tmp: string;
let stack: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-methods-'));
  stack = path.join(tmp, 'four.npy');
  const data = new Float32Array(4 * N * N);
  for (let k = 0; k < 4; k++) data.set(makePhantom('ellipses', N, { seed: 40 + k }).image, k * N * N);
  await writeNpy(stack, data, [4, N, N]);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function runMethod(method: string, hyper: Record<string, unknown>, seed: number) {
  const losses: number[] = [];
  const terms: Record<string, number>[] = [];
  const r = await train({
    data: stack,
    geometry: g,
    method,
    hyper,
    preset: 'tiny',
    steps: 8,
    batchSize: 4,
    seed,
    augment: false,
    validationFraction: 0,
    learningRate: 3e-3,
    lrSchedule: 'constant',
    onStep: (s) => {
      losses.push(s.loss);
      terms.push(s.terms);
    },
  });
  const weights = (r.model as FbpConvNet).stateVariables().map((v) => Array.from(v.dataSync()));
  r.model.dispose();
  return { losses, terms, weights };
}

const CASES: [string, Record<string, unknown>][] = [
  ['ord', {}],
  ['l2', { mu: 1e-5 }],
  ['parseval', {}],
  ['pgd', { steps: 2 }],
  ['jacobian', { powerIterations: 2 }],
  // The three methods of the generator/smoothing module, here through the trainer and the registry
  // (their own files test their math on a minimal model).
  ['minmax', { warmupEpochs: 0, subBatches: 2, generatorLayers: 2, generatorChannels: 4 }],
  ['smt-adv', { steps: 2, samples: 2 }],
  ['smt-grad', { samples: 2 }],
];

describe.each(CASES)('method %s', (method, hyper) => {
  it('lowers its loss on a fixed batch and is deterministic for a fixed seed', async () => {
    const a = await runMethod(method, hyper, 5);
    const b = await runMethod(method, hyper, 5);
    const msg = `${method}: losses ${a.losses.map((l) => l.toExponential(4)).join(' ')}`;
    expect(a.losses.every(Number.isFinite), msg).toBe(true);
    const tail = (a.losses[6] + a.losses[7]) / 2;
    expect(tail, msg).toBeLessThan(a.losses[0]);
    expect(b.losses, `${method}: second run`).toEqual(a.losses);
    expect(b.weights, `${method}: weights of the second run`).toEqual(a.weights);
    // Every step reports every loss term.
    const expectedTerms: Record<string, string[]> = {
      ord: ['mse'],
      l2: ['mse', 'weightDecay'],
      parseval: ['mse', 'parseval'],
      pgd: ['mseAdversarial', 'deltaRelative'],
      jacobian: ['mse', 'spectralNorm', 'penalty'],
    };
    if (expectedTerms[method]) {
      expect(Object.keys(a.terms[0]).sort()).toEqual([...expectedTerms[method]].sort());
    } else {
      expect(Object.keys(a.terms[0]).length, `${method}: reports its loss terms`).toBeGreaterThan(0);
    }
  });
});

describe('hyperparameters', () => {
  it('fills defaults and rejects unknown keys and bad values, naming the option', () => {
    expect(resolveHyper('parseval', {})).toEqual({ beta: 1e-5 });
    expect(resolveHyper('pgd', { steps: '3' })).toMatchObject({ steps: 3, space: 'measurement' });
    expect(() => resolveHyper('l2', { beta: 1 })).toThrow(
      /--hp beta: method l2 has no such hyperparameter \(known: mu\)/,
    );
    expect(() => resolveHyper('pgd', { steps: '2.5' })).toThrow(/--hp steps .* must be an integer/);
    expect(() => resolveHyper('pgd', { space: 'y' })).toThrow(/must be one of measurement, image/);
    expect(() => createMethod('nope')).toThrow(/unknown training method/);
  });
});

describe('parseval penalty', () => {
  it('matches ||W W^T - I/k||^2 computed by hand on the smaller side', () => {
    const rng = createRng('parseval');
    const shape = [3, 3, 2, 5]; // 18 x 5 unfolded: Gram 5 x 5, target I/3
    const w = rng.fillNormal(new Float32Array(90));
    const t = tf.tensor4d(w, shape as [number, number, number, number]);
    const got = parsevalTerm(t).dataSync()[0];
    // m[r][c] = w[r * 5 + c], r over (kh, kw, c_in), c over c_out.
    let want = 0;
    for (let a = 0; a < 5; a++) {
      for (let b = 0; b < 5; b++) {
        let s = 0;
        for (let r = 0; r < 18; r++) s += w[r * 5 + a] * w[r * 5 + b];
        want += (s - (a === b ? 1 / 3 : 0)) ** 2;
      }
    }
    expect(Math.abs(got - want) / want).toBeLessThan(1e-5);
    // An orthonormal dense matrix (k = 1) has no penalty.
    const q = tf.tensor2d([0.6, 0.8, -0.8, 0.6, 0, 0], [3, 2]);
    expect(parsevalTerm(q).dataSync()[0]).toBeLessThan(1e-12);
    tf.dispose([t, q]);
  });
});

/** f(y) = s * FBP(y) with one trainable scalar s: linear, so J(y) A = s FBP A exactly. */
class ScaledFbp implements TrainableReconstructor {
  readonly kind = 'fbp' as const;
  readonly s: tf.Variable;
  readonly geometry = g;
  readonly op = new RadonOperator(g);
  constructor(scale: number) {
    this.s = tf.variable(tf.scalar(scale));
  }
  apply(y: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => tf.mul(this.op.fbp(y), this.s));
  }
  reconstruct(y: tf.Tensor4D) {
    return this.apply(y);
  }
  trainableVariables() {
    return [this.s];
  }
  kernelVariables() {
    return [this.s];
  }
  describe() {
    return 'scaled FBP';
  }
  dispose() {
    this.s.dispose();
  }
}

function contextFor(model: ScaledFbp): MethodContext {
  return {
    model,
    optimizer: tf.train.sgd(0),
    op: model.op,
    geometry: g,
    rng: createRng('ctx'),
    step: 0,
    epoch: 0,
    stepsPerEpoch: 1,
  };
}

describe('jacobian power iteration', () => {
  it('converges to the exact ||J A||_2 of a linear model (dense matrix, Float64 power method)', () => {
    const model = new ScaledFbp(1.5);
    const n = N * N;
    // Columns of M = s FBP A: apply to unit images in one batch.
    const eye = tf.tidy(() => tf.reshape(tf.eye(n), [n, N, N, 1]) as tf.Tensor4D);
    const cols = tf.tidy(() => model.apply(model.op.forward(eye)));
    const M = cols.dataSync(); // M[j * n + i] = (M e_j)_i
    // A random start: a symmetric one (all ones) can be orthogonal to the leading singular vector.
    let v = createRng('dense-start').fillNormal(new Float64Array(n));
    let sigma = 0;
    for (let it = 0; it < 500; it++) {
      const w = new Float64Array(n);
      for (let j = 0; j < n; j++) for (let i = 0; i < n; i++) w[i] += M[j * n + i] * v[j];
      const u = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += M[j * n + i] * w[i];
        u[j] = s;
      }
      const nu = Math.hypot(...u);
      sigma = Math.sqrt(nu);
      v = u.map((t) => t / nu);
    }
    const x = tf.tensor4d(makePhantom('ellipses', N, { seed: 1 }).image, [1, N, N, 1]);
    const y = model.op.forward(x);
    const ctx = contextFor(model);
    const before = tf.memory().numTensors;
    const r = powerIteration({ x, y }, ctx, { powerIterations: 60, fdStep: 1e-3 });
    tf.dispose([r.av, r.h]);
    expect(tf.memory().numTensors).toBe(before);
    ctx.optimizer.dispose();
    expect(Math.abs(r.sigma[0] - sigma) / sigma, `estimate ${r.sigma[0]} vs exact ${sigma}`).toBeLessThan(
      2e-3,
    );
    tf.dispose([eye, cols, x, y]);
    model.dispose();
  });
});

describe('pgd perturbation', () => {
  it('stays in the eps-ball and beats a random perturbation of the same size', () => {
    const model = new ScaledFbp(1);
    const xs = new Float32Array(2 * N * N);
    [3, 4].forEach((s, k) => xs.set(makePhantom('ellipses', N, { seed: s }).image, k * N * N));
    const x = tf.tensor4d(xs, [2, N, N, 1]);
    const y = model.op.forward(x);
    const ctx = contextFor(model);
    for (const space of ['measurement', 'image'] as const) {
      const delta = pgdPerturbation({ x, y }, ctx, { epsRelative: 0.05, steps: 10, stepSize: 0.25, space });
      const loss = (d: tf.Tensor) =>
        tf.tidy(
          () => tf.mean(tf.squaredDifference(model.apply(tf.add(y, d) as tf.Tensor4D), x)).dataSync()[0],
        );
      const dn = tf.tidy(() => tf.sqrt(tf.sum(tf.square(delta), [1, 2, 3])).dataSync());
      const base = tf.tidy(() => tf.sqrt(tf.sum(tf.square(space === 'image' ? x : y), [1, 2, 3])).dataSync());
      const bound = space === 'image' ? undefined : 0.05;
      if (bound) for (let b = 0; b < 2; b++) expect(dn[b] / base[b]).toBeLessThanOrEqual(bound * (1 + 1e-5));
      const random = tf.tidy(() => {
        const r = tf.tensor4d(createRng('r').fillNormal(new Float32Array(delta.size)), delta.shape);
        return tf.mul(
          r,
          tf.div(
            tf.sqrt(tf.sum(tf.square(delta), [1, 2, 3], true)),
            tf.sqrt(tf.sum(tf.square(r), [1, 2, 3], true)),
          ),
        );
      });
      // The loss increase over the clean reconstruction: PGD's at least twice a random direction's.
      const clean = loss(tf.zerosLike(delta));
      expect(loss(delta) - clean, space).toBeGreaterThan(2 * (loss(random) - clean));
      tf.dispose([delta, random]);
    }
    tf.dispose([x, y]);
    ctx.optimizer.dispose();
    model.dispose();
  });
});
