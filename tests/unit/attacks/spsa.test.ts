/**
 * spsa-y / spsa-x (gradient-free, forward passes only) against the exact worst case of a linear
 * reconstructor (B with B A = I, N 8, 16 views: max ||B(Ax + d) - x|| = eps sigma_max(B), sigma_max from Jacobi,
 * reference.ts), run on a black-box wrapper that exposes forward passes only; the audit picks it for such a
 * model (attackFor) and the gradient attacks refuse it with a one-line message.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { attackFor, disposeAttackResult, pgaY, spsaX, spsaY } from '../../../src/main/engine/attacks';
import type { Reconstructor } from '../../../src/main/engine/models';
import { LinearReconstructor } from '../../../src/main/engine/models/linear';
import { makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import { norm } from '../helpers/arrays';
import { gramRows, symmetricEigen, type Dense } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** f as a black box: its output is a fresh constant, no gradient reaches y (as onnxruntime's). */
function blackBox(f: Reconstructor): Reconstructor & { calls: number } {
  return {
    kind: 'imported',
    geometry: f.geometry,
    differentiable: false,
    calls: 0,
    reconstruct(y) {
      this.calls += y.shape[0];
      const out = f.reconstruct(y);
      const copy = tf.tensor4d(out.dataSync() as Float32Array, out.shape);
      out.dispose();
      return copy;
    },
    describe: () => 'black-box test model',
    dispose: () => f.dispose(),
  };
}

describe('spsa on a black-box pseudo-inverse (N 8, 16 views)', () => {
  const g = makeGeometry({ size: 8, views: 16 });
  const n = 64;

  it('reaches > 85% of eps sigma_max(B) from forward passes alone, never beyond it, inside the ball', async () => {
    const f = LinearReconstructor.pseudoInverse(g);
    const m = g.views * g.detectors;
    const sMax = Math.sqrt(
      symmetricEigen(gramRows({ rows: n, cols: m, v: Float64Array.from(f.matrix()) } as Dense), n).values[0],
    );
    const model = blackBox(f);
    const xv = new Float32Array(2 * n);
    [4, 5].forEach((s, b) => xv.set(makePhantom('ellipses', 8, { seed: s }).image, b * n));
    const yv = radonForwardArray(xv, 2, g);
    const x = tf.tensor4d(xv, [2, 8, 8, 1]);
    const y = tf.tensor4d(yv, [2, g.views, g.detectors, 1]);
    const eps = [0.02, 0.1].map((rel, b) => rel * norm(yv.subarray(b * m, (b + 1) * m)));
    const before = tf.memory().numTensors;
    const r = await spsaY.attack(model, x, y, { eps, steps: 150, samples: 8, seed: 5 });
    for (let b = 0; b < 2; b++) {
      const bound = eps[b] * sMax;
      const ctx = `slice ${b} eps ${eps[b].toFixed(4)}: ${r.error[b].toFixed(5)} of ${bound.toFixed(5)}`;
      console.log(`spsa-y on pinv, ${ctx} (${(r.error[b] / bound).toFixed(3)})`);
      expect(r.error[b] / bound, ctx).toBeGreaterThan(0.85);
      expect(r.error[b], ctx).toBeLessThanOrEqual(bound * (1 + 1e-4) + 1e-4);
      expect(r.deltaNorm[b]).toBeLessThanOrEqual(eps[b] * (1 + 1e-6));
    }
    expect(r.info.gradientFree).toBe(true);
    // (2 q + 1) B forward passes per step, plus the last point and the clean and perturbed reconstructions.
    expect(r.info.forwardPasses).toBe(150 * 17 * 2 + 2);
    expect(model.calls).toBe(Number(r.info.forwardPasses) + 4);
    disposeAttackResult(r);
    expect(tf.memory().numTensors).toBe(before);

    // Reproducible per seed.
    const a = await spsaY.attack(model, x, y, { eps, steps: 5, seed: 9 });
    const c = await spsaY.attack(model, x, y, { eps, steps: 5, seed: 9 });
    expect(Array.from(a.delta.dataSync())).toEqual(Array.from(c.delta.dataSync()));
    disposeAttackResult(a);
    disposeAttackResult(c);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('is what an audit runs on a black-box model; gradient attacks refuse one', async () => {
    const f = LinearReconstructor.pseudoInverse(g);
    const model = blackBox(f);
    expect(attackFor('pga-y', model)).toBe(spsaY);
    expect(attackFor('pgd-x', model)).toBe(spsaX);
    expect(attackFor('pga-y', f)).toBe(pgaY);
    const x = tf.zeros([1, 8, 8, 1]) as tf.Tensor4D;
    const y = tf.zeros([1, g.views, g.detectors, 1]) as tf.Tensor4D;
    await expect(pgaY.attack(model, x, y, { eps: 1 })).rejects.toThrow(UsageError);
    await expect(pgaY.attack(model, x, y, { eps: 1 })).rejects.toThrow(
      'pga-y: black-box test model is black-box (forward passes only); use the gradient-free spsa-y attack',
    );
    // pgd-x's ball through the black box: inside the ball, error at least the clean one.
    const xv = makePhantom('ellipses', 8, { seed: 2 }).image;
    const xt = tf.tensor4d(xv, [1, 8, 8, 1]);
    const yt = tf.tensor4d(radonForwardArray(xv, 1, g), [1, g.views, g.detectors, 1]);
    const eps = 0.1 * norm(xv);
    const r = await spsaX.attack(model, xt, yt, { eps, steps: 20, seed: 1 });
    expect(r.deltaNorm[0]).toBeLessThanOrEqual(eps * (1 + 1e-6));
    expect(r.error[0]).toBeGreaterThan(r.cleanError[0]);
    disposeAttackResult(r);
    tf.dispose([x, y, xt, yt]);
    model.dispose();
  });
});
