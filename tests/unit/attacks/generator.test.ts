/**
 * The `generator` attack against a fixed FBP reconstructor at N 16 / 12 views: G trained on 16 ellipse
 * phantoms, evaluated on 4 held-out ones next to PGA (pga-y, 100 steps). Perturbation norms <= eps, the
 * result contract (per-slice arrays, relative radii), determinism, no leaks, and option errors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { makeGeometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { RadonOperator, makePhantom } from '../../../src/main/engine/physics';
import { FbpReconstructor } from '../../../src/main/engine/models';
import { disposeAttackResult, radiusScales } from '../../../src/main/engine/attacks';
import { generatorAttack } from '../../../src/main/engine/attacks/generator';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const g = makeGeometry({ size: 16, views: 12 });

function phantoms(n: number, offset: number): tf.Tensor4D {
  const imgs = Array.from(
    { length: n },
    (_, i) => makePhantom('ellipses', 16, { seed: `p${offset + i}` }).image,
  );
  return tf.tensor4d(Float32Array.from(imgs.flatMap((a) => Array.from(a))), [n, 16, 16, 1]);
}

const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;

describe('generator attack', () => {
  it('G trained on other slices reaches most of PGA on held-out slices against FBP, within the eps-ball', async () => {
    const op = new RadonOperator(g);
    const model = new FbpReconstructor(g, {}, op);
    const trainX = phantoms(16, 0);
    const trainY = op.forward(trainX);
    const x = phantoms(4, 100);
    const y = op.forward(x);
    const eps = radiusScales('y', x, op).map((sc) => 0.05 * sc.norm);
    const before = tf.memory().numTensors;
    const r = await generatorAttack.attack(model, x, y, { eps, trainX, trainY, seed: 1 });
    expect(r.kind).toBe('generator');
    expect(r.space).toBe('y');
    expect(r.info.architecture).toBe('dense'); // auto: 12 x 23 sinograms are small
    expect(r.info.heldOut).toBe(true);
    for (let i = 0; i < 4; i++) {
      expect(r.deltaNorm[i]).toBeLessThanOrEqual(eps[i] * (1 + 1e-6));
      expect(r.epsRelative[i]).toBeCloseTo(0.05, 10);
      expect(r.error[i]).toBeGreaterThan(r.cleanError[i]);
    }
    const pga = r.pga!;
    expect(pga.steps).toBe(100);
    // Substantial fraction of PGA: of the error, and of the error increase over the clean reconstruction.
    const gain = (mean(r.error) - mean(r.cleanError)) / (pga.meanError - mean(r.cleanError));
    expect(r.info.fractionOfPga as number).toBeGreaterThan(0.8); // measured 0.89
    expect(gain).toBeGreaterThan(0.6); // measured 0.76
    // G ends near the boundary of the ball (the hinge is soft; the result is projected).
    expect(r.info.rawNormRatioMax as number).toBeGreaterThan(0.8);
    // The perturbed reconstruction is f(y + delta).
    const check = tf.tidy(
      () =>
        tf
          .max(tf.abs(tf.sub(model.reconstruct(tf.add(y, r.delta) as tf.Tensor4D), r.perturbedRecon)))
          .dataSync()[0],
    );
    expect(check).toBeLessThan(1e-5);
    disposeAttackResult(r);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([trainX, trainY, x, y]);
  });

  it('conv G (sinogram-sized problems) also beats the clean error; deterministic for a seed', async () => {
    const op = new RadonOperator(g);
    const model = new FbpReconstructor(g, {}, op);
    const x = phantoms(4, 200);
    const y = op.forward(x);
    const eps = radiusScales('y', x, op).map((sc) => 0.05 * sc.norm);
    const o = { eps, seed: 3, steps: 60, architecture: 'conv' as const, channels: 8, compareWithPga: false };
    const a = await generatorAttack.attack(model, x, y, o);
    const b = await generatorAttack.attack(model, x, y, o);
    expect(a.error).toEqual(b.error);
    expect(a.info.heldOut).toBe(false);
    expect(a.pga).toBeUndefined();
    expect(mean(a.error)).toBeGreaterThan(mean(a.cleanError) * 1.02);
    for (let i = 0; i < 4; i++) expect(a.deltaNorm[i]).toBeLessThanOrEqual(eps[i] * (1 + 1e-6));
    disposeAttackResult(a);
    disposeAttackResult(b);
    tf.dispose([x, y]);
  });

  it('keeps the trained G on request; bad options are usage errors', async () => {
    const op = new RadonOperator(g);
    const model = new FbpReconstructor(g, {}, op);
    const x = phantoms(2, 300);
    const y = op.forward(x);
    const r = await generatorAttack.attack(model, x, y, {
      eps: 1,
      steps: 2,
      keepGenerator: true,
      compareWithPga: false,
    });
    expect(r.generator).toBeDefined();
    const d = r.generator!.apply(y);
    expect(d.shape).toEqual(y.shape);
    tf.dispose([d]);
    r.generator!.dispose();
    disposeAttackResult(r);
    await expect(generatorAttack.attack(model, x, y, { eps: 1, lambda2: 0.1 })).rejects.toThrow(UsageError);
    await expect(generatorAttack.attack(model, x, y, { eps: 1, trainX: x })).rejects.toThrow(
      /both trainX and trainY/,
    );
    await expect(generatorAttack.attack(model, x, y, { eps: 0 })).rejects.toThrow(/eps must be > 0/);
    tf.dispose([x, y]);
  });
});
