/**
 * `smt-adv` (Algorithm 1 of papers/002) on the tiny FBPConvNet at N 16 / 12 views: the smoothed PGD
 * perturbation stays in the eps-ball and increases the smoothed loss, f-hat is the mean over the S noisy
 * copies, the loss decreases, determinism, and no tensor leak per step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { makeGeometry } from '@shared/geometry';
import {
  createSmtAdvMethod,
  smoothedApply,
  smoothedPgdPerturbation,
  type SmtAdvHyper,
} from '../../../src/main/engine/training/methods/smt-adv';
import { tinyMethodSetup, type TinyMethodSetup } from '../helpers/method-setup';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const g = makeGeometry({ size: 16, views: 12 });

function setup(seed: number, learningRate = 1e-2): TinyMethodSetup {
  return tinyMethodSetup(g, seed, { optimizer: () => tf.train.adam(learningRate) });
}

const H: SmtAdvHyper = { epsRelative: 0.05, steps: 3, stepSize: 0.5, sigmaRelative: 0.05, samples: 3 };

describe('smt-adv method', () => {
  it('smoothed PGD: ||xi_b|| <= eps_b (= epsRelative ||x_b||) and the smoothed loss increases', () => {
    const s = setup(1);
    const before = tf.memory().numTensors;
    const p = smoothedPgdPerturbation(s.batch, s.ctx, H);
    const norms = tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(p.xi), [1, 2, 3])).dataSync()));
    const xNorms = tf.tidy(() => Array.from(tf.sqrt(tf.sum(tf.square(s.batch.x), [1, 2, 3])).dataSync()));
    norms.forEach((n, i) => {
      expect(n).toBeLessThanOrEqual(0.05 * xNorms[i] * (1 + 1e-5));
      expect(n).toBeGreaterThan(0.05 * xNorms[i] * 0.99); // normalized steps reach the sphere
    });
    expect(p.smoothedLossEnd).toBeGreaterThan(p.smoothedLossStart);
    p.xi.dispose();
    expect(tf.memory().numTensors).toBe(before);
    s.dispose();
  });

  it('f-hat is the mean of f over the S noisy copies (eq. 9)', () => {
    const s = setup(2);
    const aDelta = tf.tidy(() =>
      tf.mul(tf.randomNormal([8, g.views, g.detectors, 1], 0, 1, 'float32', 5), 0.5),
    ) as tf.Tensor4D;
    const fhat = smoothedApply(s.ctx, s.batch.y, aDelta);
    const f = (t: tf.Tensor4D) => s.ctx.model.apply(t, true, { updateStats: false });
    // Copy-major: rows k*B .. k*B + B - 1 belong to copy k. The network in training mode normalizes with the
    // batch statistics of all S*B rows, so compare against one pass over the same S*B batch.
    const all = f(tf.add(tf.concat([s.batch.y, s.batch.y]), aDelta) as tf.Tensor4D);
    const manual = tf.tidy(() =>
      tf.div(tf.add(all.slice([0, 0, 0, 0], [4, -1, -1, -1]), all.slice([4, 0, 0, 0], [4, -1, -1, -1])), 2),
    );
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(fhat, manual))).dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose([aDelta, fhat, all, manual]);
    s.dispose();
  });

  it('decreases its loss, is deterministic for a seed and leaks no tensors per step', async () => {
    const run = async (seed: number) => {
      const s = setup(seed);
      const m = createSmtAdvMethod(H);
      await m.init(s.ctx);
      const out = [];
      let leak = 0;
      for (let t = 0; t < 8; t++) {
        const before = tf.memory().numTensors;
        out.push(m.step(s.batch, { ...s.ctx, step: t }));
        if (t > 0) leak += tf.memory().numTensors - before;
      }
      m.dispose();
      s.dispose();
      return { out, leak };
    };
    const a = await run(3);
    const b = await run(3);
    expect(a.out.map((r) => r.loss)).toEqual(b.out.map((r) => r.loss));
    expect(a.leak).toBe(0);
    // Against an adversary that strengthens as f changes, 8 steps give a ~15% decrease.
    expect(a.out[7].loss).toBeLessThan(0.9 * a.out[0].loss);
    for (const r of a.out) {
      expect(r.terms.xiRelative).toBeLessThanOrEqual(0.05 * (1 + 1e-5));
      expect(r.terms.smoothedLossEnd).toBeGreaterThanOrEqual(r.terms.smoothedLossStart);
    }
  });

  it('resolves the defaults of defaults.ts (papers/002 appendix B via relative units)', () => {
    const m = createSmtAdvMethod();
    expect(Object.keys(m.hyper).sort()).toEqual([
      'epsAbsolute',
      'epsRelative',
      'samples',
      'sigmaAbsolute',
      'sigmaRelative',
      'stepSize',
      'steps',
    ]);
    expect(() => createSmtAdvMethod({ samples: 0 })).toThrow(/samples/);
  });
});
