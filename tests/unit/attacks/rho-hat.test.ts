/**
 * rho-hat(eps) over an eps grid (eq. 9 of papers/000): non-decreasing, rho-hat(0) = the clean error computed
 * here by hand (Float64), absolute and relative radii resolved per slice, warm starts, and no leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { parseEpsList } from '@shared/eps';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { FbpReconstructor } from '../../../src/main/engine/models';
import { fbpArray, makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import { pgaY, pgdX, rhoHatCurve } from '../../../src/main/engine/attacks';
import { norm } from '../helpers/arrays';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('rhoHatCurve', () => {
  const N = 16;
  const g = makeGeometry({ size: N, views: 24 });
  const n = N * N;
  const m = g.views * g.detectors;
  const B = 3;
  const xv = new Float32Array(B * n);
  for (let b = 0; b < B; b++) xv.set(makePhantom('ellipses', N, { seed: 40 + b }).image, b * n);
  const yv = radonForwardArray(xv, B, g);

  it('is non-decreasing, starts at the clean error, and carries absolute and relative eps', async () => {
    const f = new FbpReconstructor(g);
    const x = tf.tensor4d(xv, [B, N, N, 1]);
    const y = tf.tensor4d(yv, [B, g.views, g.detectors, 1]);
    // Clean error by hand: FBP by the array path, distances in Float64.
    const fbp = fbpArray(yv, B, g, { filter: 'ram-lak' });
    const clean = Array.from({ length: B }, (_, b) =>
      norm(Array.from({ length: n }, (_, i) => fbp[b * n + i] - xv[b * n + i])),
    );
    const grid = parseEpsList('0,0.5%,1%,2%,2%,4');
    const before = tf.memory().numTensors;
    const seen: number[] = [];
    const curve = await rhoHatCurve(pgaY, f, x, y, grid, { steps: 15, seed: 1 }, undefined, {
      onPoint: (p, r, k) => {
        seen.push(k);
        expect(r.delta.isDisposed).toBe(false);
      },
    });
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    const p0 = curve.points[0];
    expect(p0.rhoHat).toBeCloseTo(clean.reduce((s, v) => s + v, 0) / B, 4);
    p0.slices.forEach((s, b) => expect(s.error).toBeCloseTo(clean[b], 4));
    expect(curve.cleanError.map((v) => +v.toFixed(4))).toEqual(clean.map((v) => +v.toFixed(4)));
    for (let k = 1; k < curve.points.length; k++) {
      expect(curve.points[k].rhoHat).toBeGreaterThanOrEqual(curve.points[k - 1].rhoHat);
      curve.points[k].slices.forEach((s, b) =>
        expect(s.error).toBeGreaterThanOrEqual(curve.points[k - 1].slices[b].error),
      );
    }
    // Relative entries: eps_b = fraction * ||A x_b||; absolute: the same eps for every slice.
    const yNorms = Array.from({ length: B }, (_, b) => norm(yv.subarray(b * m, (b + 1) * m)));
    curve.points[2].slices.forEach((s, b) => {
      expect(s.epsRelative).toBe(0.01);
      expect(s.eps).toBeCloseTo(0.01 * yNorms[b], 8);
      expect(s.deltaNorm).toBeLessThanOrEqual(s.eps * (1 + 1e-6));
    });
    curve.points[5].slices.forEach((s, b) => {
      expect(s.eps).toBe(4);
      expect(s.epsRelative).toBeCloseTo(4 / yNorms[b], 10);
    });
    expect(curve.points.map((p) => p.spec)).toEqual(['0', '0.5%', '1%', '2%', '2%', '4']);
    expect(curve.points[2].epsRelative).toBeCloseTo(0.01, 12);
    expect(tf.memory().numTensors).toBe(before);
    console.log(
      'rho-hat (FBP N 16, 3 slices):',
      curve.points.map((p) => `${p.spec}: ${p.rhoHat.toFixed(4)}`).join(', '),
    );
    tf.dispose([x, y]);
  });

  it('warm starts pgd-x from the previous solution (x-space radii relative to ||x||)', async () => {
    const f = new FbpReconstructor(g);
    const x = tf.tensor4d(xv.subarray(0, n), [1, N, N, 1]);
    const y = tf.tensor4d(yv.subarray(0, m), [1, g.views, g.detectors, 1]);
    const grid = parseEpsList('1%,1%');
    // With 0 steps the second point can only be the first point's solution, kept by the warm start.
    const infos: (string | number | boolean)[] = [];
    const curve = await rhoHatCurve(pgdX, f, x, y, grid, { steps: 0, seed: 2 }, undefined, {
      onPoint: (_p, r) => {
        infos.push(r.info.warmStart);
      },
    });
    expect(infos).toEqual([false, true]);
    expect(curve.points[1].rhoHat).toBeGreaterThanOrEqual(curve.points[0].rhoHat);
    expect(curve.points[0].slices[0].eps).toBeCloseTo(0.01 * norm(xv.subarray(0, n)), 8);
    tf.dispose([x, y]);
  });
});
