/**
 * `smt-grad` (Algorithm 2 of papers/002) on the tiny FBPConvNet at N 16 / 12 views: the sigma ramp from
 * sigma_max / T_step to sigma_max within each epoch, the gradient being the mean of the per-copy gradients,
 * the loss decreasing, determinism, and no tensor leak per step.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { makeGeometry } from '@shared/geometry';
import { createSmtGradMethod, smtGradSchedule } from '../../../src/main/engine/training/methods/smt-grad';
import { tinyMethodSetup, type TinyMethodSetup } from '../helpers/method-setup';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const g = makeGeometry({ size: 16, views: 12 });

function setup(seed: number, stepsPerEpoch = 12): TinyMethodSetup {
  return tinyMethodSetup(g, seed, { optimizer: () => tf.train.adam(1e-2), stepsPerEpoch });
}

describe('smt-grad method', () => {
  it('sigma ramps from sigma_max / T_step to sigma_max in T_step equal stages within each epoch', () => {
    // papers/002 B: T_step = 6. 12 steps per epoch: two steps per stage.
    const fr = Array.from({ length: 24 }, (_, s) => smtGradSchedule(s, 12, 6).fraction);
    const expected = [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6].map((k) => k / 6);
    expect(fr.slice(0, 12)).toEqual(expected);
    expect(fr.slice(12)).toEqual(expected); // restarts every epoch
    // Uneven: 10 steps, 6 stages -> stages 1,1,2,2,3,4,4,5,5,6 (floor(6 s / 10) + 1).
    expect(Array.from({ length: 10 }, (_, s) => smtGradSchedule(s, 10, 6).stage)).toEqual([
      1, 1, 2, 2, 3, 4, 4, 5, 5, 6,
    ]);
    // Fewer steps than stages: the last step of an epoch is still below sigma_max only if stages are skipped.
    expect(smtGradSchedule(0, 3, 6).fraction).toBeCloseTo(1 / 6, 12);
    expect(smtGradSchedule(2, 3, 6).stage).toBe(5);
    expect(smtGradSchedule(0, 1, 6).stage).toBe(1);
  });

  it('reports the scheduled sigma per step, decreases its loss, is deterministic and leaks nothing', async () => {
    const run = async (seed: number) => {
      const s = setup(seed);
      const m = createSmtGradMethod({ samples: 3, tStep: 6, sigmaMaxRelative: 0.05 });
      await m.init(s.ctx);
      const out = [];
      let leak = 0;
      for (let t = 0; t < 12; t++) {
        const before = tf.memory().numTensors;
        out.push(m.step(s.batch, { ...s.ctx, step: t }));
        if (t > 0) leak += tf.memory().numTensors - before;
      }
      m.dispose();
      s.dispose();
      return { out, leak };
    };
    const a = await run(4);
    const b = await run(4);
    expect(a.out.map((r) => r.loss)).toEqual(b.out.map((r) => r.loss));
    expect(a.leak).toBe(0);
    a.out.forEach((r, t) => {
      expect(r.terms.stage).toBe(Math.floor(t / 2) + 1);
      expect(r.terms.sigmaRelative).toBeCloseTo((0.05 * (Math.floor(t / 2) + 1)) / 6, 12);
    });
    expect(a.out[11].loss).toBeLessThan(0.8 * a.out[0].loss);
  });

  it('its gradient is the mean of the per-copy gradients (one pass over the S copies, eq. 10)', () => {
    // With sigma 0 every copy equals the clean batch, so the step must equal an ordinary step: same loss,
    // same weights afterwards (batch norm sees the same statistics for S identical copies).
    const s1 = setup(5);
    const s2 = setup(5);
    const m = createSmtGradMethod({ samples: 3, sigmaMaxRelative: 0 });
    const r = m.step(s1.batch, s1.ctx);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.squaredDifference(s2.ctx.model.apply(s2.batch.y, true), s2.batch.x)) as tf.Scalar,
      s2.ctx.model.trainableVariables(),
    );
    s2.ctx.optimizer.applyGradients(grads);
    expect(r.loss).toBeCloseTo(value.dataSync()[0], 6);
    const w1 = s1.ctx.model.trainableVariables();
    const w2 = s2.ctx.model.trainableVariables();
    let maxDiff = 0;
    for (let i = 0; i < w1.length; i++) {
      maxDiff = Math.max(
        maxDiff,
        tf.tidy(() => tf.max(tf.abs(tf.sub(w1[i], w2[i]))).dataSync()[0]),
      );
    }
    expect(maxDiff).toBeLessThan(1e-5);
    tf.dispose([value, ...Object.values(grads)]);
    s1.dispose();
    s2.dispose();
  });
});
