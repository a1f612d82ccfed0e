/**
 * papers/002's own units in the smoothing methods and pgd: one absolute radius / noise level for every slice
 * (epsAbsolute, sigmaAbsolute, sigmaMaxAbsolute > 0) instead of a size relative to each slice's norm or RMS.
 * Checked on slices of different brightness: relative radii differ per slice in proportion to ||x_b||, absolute
 * ones are equal, and PGD's normalized steps reach the sphere of that radius.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { makeGeometry } from '@shared/geometry';
import {
  perSliceLevel,
  itemRms,
  smoothedPgdPerturbation,
} from '../../../src/main/engine/training/methods/smt-adv';
import { pgdPerturbation } from '../../../src/main/engine/training/methods/pgd';
import { resolveHyper } from '../../../src/main/engine/training';
import { sliceNorms } from '../../../src/main/engine/ops';
import { tinyMethodSetup } from '../helpers/method-setup';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const g = makeGeometry({ size: 16, views: 12 });
const norms = (t: tf.Tensor) => tf.tidy(() => Array.from(sliceNorms(t).dataSync()));

describe('absolute units', () => {
  it('perSliceLevel: absolute for every slice when > 0, else relative x the slice scale', () => {
    const x = tf.tensor4d([1, 1, 1, 1, 2, 2, 2, 2], [2, 2, 2, 1]);
    const before = tf.memory().numTensors;
    const rel = perSliceLevel(x, itemRms, 0.1);
    const abs = perSliceLevel(x, itemRms, 0.1, 0.25);
    expect(Array.from(rel.dataSync())).toEqual([0.1, 0.2].map((v) => Math.fround(v)));
    expect(Array.from(abs.dataSync())).toEqual([0.25, 0.25]);
    tf.dispose([rel, abs]);
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it('pgd (measurement space) and smt-adv (image space) reach one absolute radius on slices of different norms', () => {
    const s = tinyMethodSetup(g, 3, { optimizer: () => tf.train.adam(1e-2) });
    const xn = norms(s.batch.x);
    expect(Math.max(...xn) / Math.min(...xn)).toBeGreaterThan(1.01); // the slices differ
    const eps = 0.3;
    const xi = smoothedPgdPerturbation(s.batch, s.ctx, {
      epsRelative: 0.05,
      epsAbsolute: eps,
      steps: 3,
      stepSize: 0.5,
      sigmaRelative: 0.05,
      sigmaAbsolute: 0.02,
      samples: 2,
    });
    for (const n of norms(xi.xi)) expect(n).toBeCloseTo(eps, 4);
    xi.xi.dispose();
    const rel = pgdPerturbation(s.batch, s.ctx, {
      epsRelative: 0.05,
      steps: 3,
      stepSize: 0.5,
      space: 'measurement',
    });
    const absY = pgdPerturbation(s.batch, s.ctx, {
      epsRelative: 0.05,
      epsAbsolute: eps,
      steps: 3,
      stepSize: 0.5,
      space: 'measurement',
    });
    const yn = norms(s.batch.y);
    norms(rel).forEach((n, i) => expect(n).toBeCloseTo(0.05 * yn[i], 3));
    for (const n of norms(absY)) expect(n).toBeCloseTo(eps, 4);
    tf.dispose([rel, absY]);
    s.dispose();
  });

  it('the hyperparameters default to off (0) and reject negative values', () => {
    expect(resolveHyper('smt-adv', {})).toMatchObject({ epsAbsolute: 0, sigmaAbsolute: 0 });
    expect(resolveHyper('smt-grad', {}).sigmaMaxAbsolute).toBe(0);
    expect(resolveHyper('pgd', { epsAbsolute: 0.5 }).epsAbsolute).toBe(0.5);
    expect(() => resolveHyper('pgd', { epsAbsolute: -1 })).toThrow(/epsAbsolute/);
  });
});
