/**
 * pga-y / pgd-x against exact worst cases of linear reconstructors, computed independently in Float64:
 *  - f = B with B A = I (pseudo-inverse of a full-column-rank A, N 8, 16 views): max_{||d|| <= eps} ||B(Ax + d) - x||
 *    = eps sigma_max(B) (up to the float32 residual ||B A x - x||), sigma_max from Jacobi and power iteration;
 *  - f = FBP (N 16, 24 views): max ||r + F d|| (r = F A x - x) from the SVD of F (secular equation), checked
 *    against the power-iteration sigma_max bounds; and the same for pgd-x with F A.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { JobCancelledError, ShapeError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { createJobContext } from '../../../src/main/engine/job-context';
import { FbpReconstructor } from '../../../src/main/engine/models';
import { LinearReconstructor, radonMatrix } from '../../../src/main/engine/models/linear';
import { makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import { disposeAttackResult, getAttack, pgaY, pgdX } from '../../../src/main/engine/attacks';
import { norm } from '../helpers/arrays';
import { gramRows, matMul, powerSigmaMax, symmetricEigen, trustRegionMax, type Dense } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

function phantoms(N: number, seeds: number[]): Float32Array {
  const out = new Float32Array(seeds.length * N * N);
  seeds.forEach((s, b) => out.set(makePhantom('ellipses', N, { seed: s }).image, b * N * N));
  return out;
}

function slice(v: ArrayLike<number>, b: number, per: number): Float64Array {
  return Float64Array.from({ length: per }, (_, i) => v[b * per + i]);
}

describe('pga-y on f = B with B A = I (pseudo-inverse, N 8, 16 views)', () => {
  it('reaches >= 99% of eps sigma_max(B) within 200 steps, never exceeds it, ||delta|| <= eps', async () => {
    const g = makeGeometry({ size: 8, views: 16 });
    const f = LinearReconstructor.pseudoInverse(g);
    const n = 64;
    const m = g.views * g.detectors;
    const Bm: Dense = { rows: n, cols: m, v: Float64Array.from(f.matrix()) };
    // sigma_max(B) two ways: Jacobi eigenvalues of B B^T, and power iteration.
    const sJacobi = Math.sqrt(symmetricEigen(gramRows(Bm), n).values[0]);
    const sPower = powerSigmaMax(Bm, 3000);
    expect(Math.abs(sJacobi - sPower) / sJacobi).toBeLessThan(1e-6);

    const B = 3;
    const xv = phantoms(8, [1, 2, 3]);
    const yv = radonForwardArray(xv, B, g);
    const x = tf.tensor4d(xv, [B, 8, 8, 1]);
    const y = tf.tensor4d(yv, [B, g.views, g.detectors, 1]);
    const eps = [0.01, 0.05, 0.2].map((rel, b) => rel * norm(slice(yv, b, m)));
    const before = tf.memory().numTensors;
    const r = await pgaY.attack(f, x, y, { eps, steps: 200, seed: 7 });
    const clean = f.reconstruct(y);
    const cv = clean.dataSync();
    clean.dispose();
    for (let b = 0; b < B; b++) {
      const resid = norm(slice(cv, b, n).map((v, i) => v - xv[b * n + i]));
      const bound = eps[b] * sJacobi;
      const ctx = `slice ${b}, eps ${eps[b]}, sigma_max ${sJacobi}, ||BAx - x|| ${resid}`;
      expect(resid, ctx).toBeLessThan(1e-3 * bound);
      expect(r.error[b] / bound, ctx).toBeGreaterThanOrEqual(0.99);
      expect(r.error[b], ctx).toBeLessThanOrEqual(bound * (1 + 1e-5) + resid);
      // ||delta|| <= eps to 1e-6 relative, measured here in Float64 from the tensor.
      const d = norm(slice(r.delta.dataSync(), b, m));
      expect(d, ctx).toBeLessThanOrEqual(eps[b] * (1 + 1e-6));
      expect(r.deltaNorm[b]).toBeCloseTo(d, 6);
      expect(r.epsRelative[b]).toBeCloseTo(eps[b] / norm(slice(yv, b, m)), 10);
      console.log(`pga-y on pinv: ${ctx}: reached ${(r.error[b] / bound).toFixed(6)} of eps sigma_max`);
    }
    // The perturbed measurement is y + delta and the recon is f of it.
    const pm = r.perturbedMeasurement.dataSync();
    const dv = r.delta.dataSync();
    for (let i = 0; i < pm.length; i += 17) expect(pm[i]).toBeCloseTo(yv[i] + dv[i], 4);
    disposeAttackResult(r);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    f.dispose();
  });
});

describe('pga-y and pgd-x on f = FBP (N 16, 24 views) against the SVD of the FBP map', () => {
  const N = 16;
  const g = makeGeometry({ size: N, views: 24 });
  const n = N * N;
  const m = g.views * g.detectors;

  it('reach >= 99% of the exact worst case and never exceed it', async () => {
    const f = new FbpReconstructor(g);
    const lin = LinearReconstructor.fromReconstructor(g, f);
    const F: Dense = { rows: n, cols: m, v: Float64Array.from(lin.matrix()) };
    lin.dispose();
    const FA = matMul(F, { rows: m, cols: n, v: radonMatrix(g) });
    const sF = powerSigmaMax(F, 2000);
    const xv = phantoms(N, [11, 12]);
    const yv = radonForwardArray(xv, 2, g);
    const x = tf.tensor4d(xv, [2, N, N, 1]);
    const y = tf.tensor4d(yv, [2, g.views, g.detectors, 1]);
    const clean = f.reconstruct(y);
    const cv = clean.dataSync();
    clean.dispose();
    const cases = [
      { atk: pgaY, M: F, rel: [0.01, 0.1], ref: (b: number) => norm(slice(yv, b, m)) },
      { atk: pgdX, M: FA, rel: [0.05, 0.3], ref: (b: number) => norm(slice(xv, b, n)) },
    ];
    for (const c of cases) {
      const eps = c.rel.map((rel, b) => rel * c.ref(b));
      const r = await c.atk.attack(f, x, y, { eps, seed: 3 }); // default 100 steps
      for (let b = 0; b < 2; b++) {
        const res = slice(cv, b, n).map((v, i) => v - xv[b * n + i]);
        const exact = trustRegionMax(c.M, res, eps[b]);
        const ctx = `${c.atk.kind} slice ${b} eps ${eps[b].toFixed(4)} (${c.rel[b]} relative)`;
        if (c.atk === pgaY) {
          // Consistency of the reference with the power-iteration sigma_max of F.
          expect(exact).toBeLessThanOrEqual(norm(res) + eps[b] * sF + 1e-9);
          expect(exact).toBeGreaterThanOrEqual(Math.hypot(norm(res), eps[b] * sF) * (1 - 1e-9));
        }
        expect(r.error[b] / exact, ctx).toBeGreaterThanOrEqual(0.99);
        expect(r.error[b] / exact, ctx).toBeLessThanOrEqual(1 + 1e-4);
        expect(r.deltaNorm[b], ctx).toBeLessThanOrEqual(eps[b] * (1 + 1e-6));
        console.log(
          `${ctx}: reached ${(r.error[b] / exact).toFixed(6)} of the exact worst case ${exact.toFixed(4)}`,
        );
      }
      disposeAttackResult(r);
    }
    tf.dispose([x, y]);
  });

  it('leaks no tensors per step, reports progress, is reproducible per seed, and cancels', async () => {
    const f = new FbpReconstructor(g);
    const xv = phantoms(N, [21]);
    const x = tf.tensor4d(xv, [1, N, N, 1]);
    const y = tf.tensor4d(radonForwardArray(xv, 1, g), [1, g.views, g.detectors, 1]);
    const counts: number[] = [];
    const steps: number[] = [];
    const job = createJobContext({
      onProgress: (p) => {
        counts.push(tf.memory().numTensors);
        steps.push(p.step);
      },
    });
    const before = tf.memory().numTensors;
    const a = await pgaY.attack(f, x, y, { eps: 0.5, steps: 12, restarts: 2, seed: 5 }, job);
    expect(steps).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
    expect(new Set(counts.slice(0, 12)).size).toBe(1);
    expect(new Set(counts.slice(12)).size).toBe(1);
    const b = await pgaY.attack(f, x, y, { eps: 0.5, steps: 12, restarts: 2, seed: 5 });
    const c = await pgaY.attack(f, x, y, { eps: 0.5, steps: 12, restarts: 2, seed: 6 });
    expect(Array.from(a.delta.dataSync())).toEqual(Array.from(b.delta.dataSync()));
    expect(Array.from(a.delta.dataSync())).not.toEqual(Array.from(c.delta.dataSync()));
    [a, b, c].forEach(disposeAttackResult);
    expect(tf.memory().numTensors).toBe(before);

    const ac = new AbortController();
    const cancelling = createJobContext({ signal: ac.signal, onProgress: (p) => p.step === 3 && ac.abort() });
    await expect(pgdX.attack(f, x, y, { eps: 0.5, steps: 50 }, cancelling)).rejects.toBeInstanceOf(
      JobCancelledError,
    );
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });

  it('rejects bad shapes and radii', async () => {
    const f = new FbpReconstructor(g);
    const x = tf.zeros([2, N, N, 1]) as tf.Tensor4D;
    const y = tf.zeros([2, g.views, g.detectors, 1]) as tf.Tensor4D;
    const y1 = tf.zeros([1, g.views, g.detectors, 1]) as tf.Tensor4D;
    await expect(pgaY.attack(f, x, y1, { eps: 1 })).rejects.toBeInstanceOf(ShapeError);
    await expect(pgaY.attack(f, x, y, { eps: -1 })).rejects.toBeInstanceOf(UsageError);
    await expect(pgaY.attack(f, x, y, { eps: [1, 2, 3] })).rejects.toThrow(/3 radii for 2 slices/);
    await expect(pgaY.attack(f, x, y, { eps: 1, momentum: 1 })).rejects.toThrow(/momentum/);
    await expect(pgaY.attack(f, x, y, { eps: 1, init: x })).rejects.toThrow(/init has shape/);
    expect(getAttack('pgd-x')).toBe(pgdX);
    expect(getAttack('mismatch').space).toBe('operator');
    tf.dispose([x, y, y1]);
  });
});
