/**
 * antun-x against the closed-form maximizer of Q_y(r) for a linear model, and the mismatch attack against
 * exact identities of the mismatched projector (one view step of angle offset = the sinogram shifted by a
 * row, one bin of detector shift = shifted by a column) and a brute-force search over all per-view gain
 * sign patterns (8 views: 256 vertices of the box, where the maximum of the convex error lies).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { FbpReconstructor } from '../../../src/main/engine/models';
import { LinearReconstructor, radonMatrix } from '../../../src/main/engine/models/linear';
import { makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import {
  antunObjective,
  antunX,
  disposeAttackResult,
  mismatchedForward,
  mismatchSweep,
} from '../../../src/main/engine/attacks';
import { norm } from '../helpers/arrays';
import { matMul, matVec, type Dense } from './reference';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

/** Solve S z = b for a symmetric positive definite S by Gaussian elimination with partial pivoting. */
function solve(S: Float64Array, n: number, b: Float64Array): Float64Array {
  const a = Float64Array.from(S);
  const z = Float64Array.from(b);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[p * n + c])) p = r;
    for (let k = 0; k < n; k++) [a[c * n + k], a[p * n + k]] = [a[p * n + k], a[c * n + k]];
    [z[c], z[p]] = [z[p], z[c]];
    for (let r = c + 1; r < n; r++) {
      const fct = a[r * n + c] / a[c * n + c];
      for (let k = c; k < n; k++) a[r * n + k] -= fct * a[c * n + k];
      z[r] -= fct * z[c];
    }
  }
  for (let r = n - 1; r >= 0; r--) {
    let s = z[r];
    for (let k = r + 1; k < n; k++) s -= a[r * n + k] * z[k];
    z[r] = s / a[r * n + r];
  }
  return z;
}

describe('antun-x', () => {
  it('reaches the closed-form maximizer r* = (lambda I - M^T M)^-1 M^T c of Q for f = B (M = B A)', async () => {
    const N = 8;
    const g = makeGeometry({ size: N, views: 12 });
    const n = N * N;
    const m = g.views * g.detectors;
    // A Tikhonov inverse: M = B A has eigenvalues s^2 / (s^2 + mu) < 1, so lambda 1.5 makes Q strictly concave.
    const f = LinearReconstructor.pseudoInverse(g, { mu: 5 });
    const Bd: Dense = { rows: n, cols: m, v: Float64Array.from(f.matrix()) };
    const M = matMul(Bd, { rows: m, cols: n, v: radonMatrix(g) });
    const xv = makePhantom('ellipses', N, { seed: 3 }).image;
    const yv = radonForwardArray(xv, 1, g);
    const c = matVec(Bd, yv).map((v, i) => v - xv[i]);
    const lambda = 1.5;
    const S = new Float64Array(n * n);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += M.v[k * n + i] * M.v[k * n + j];
        S[i * n + j] = (i === j ? lambda : 0) - s;
      }
    const Mtc = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) Mtc[i] += M.v[k * n + i] * c[k];
    const rStar = solve(S, n, Mtc);
    const res = matVec(M, rStar).map((v, i) => v + c[i]);
    const qStar = 0.5 * norm(res) ** 2 - 0.5 * lambda * norm(rStar) ** 2;

    const x = tf.tensor4d(xv, [1, N, N, 1]);
    const y = tf.tensor4d(yv, [1, g.views, g.detectors, 1]);
    const before = tf.memory().numTensors;
    const r = await antunX.attack(f, x, y, { eps: 0, lambda, steps: 200, stepSize: 0.5, seed: 1 });
    const q = antunObjective(r, lambda)[0];
    const got = r.delta.dataSync();
    const diff = norm(Array.from(got, (v, i) => v - rStar[i]));
    console.log(
      `antun-x: Q ${q.toFixed(6)} vs Q* ${qStar.toFixed(6)}, ||r - r*|| / ||r*|| ${(diff / norm(rStar)).toExponential(2)}`,
    );
    expect(Math.abs(q - qStar) / Math.abs(qStar)).toBeLessThan(1e-3);
    expect(diff / norm(rStar)).toBeLessThan(1e-2);
    expect(r.eps[0]).toBeCloseTo(norm(got), 5);
    expect(r.epsRelative[0]).toBeCloseTo(norm(got) / norm(xv), 8);
    expect(r.info.momentum).toBe(0.9);
    disposeAttackResult(r);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    f.dispose();
  });
});

describe('mismatch', () => {
  const N = 12;
  const g = makeGeometry({ size: N, views: 8 });
  const A = g.views;
  const D = g.detectors;
  const xv = makePhantom('ellipses', N, { seed: 9 }).image;
  const nominal = radonForwardArray(xv, 1, g);

  it('the mismatched projector: zero = nominal; one view step = rows shifted; one bin = columns shifted', () => {
    expect(Array.from(mismatchedForward(g, { angleOffsetDeg: 0, detectorShift: 0 }, xv, 1))).toEqual(
      Array.from(nominal),
    );
    const rot = mismatchedForward(g, { angleOffsetDeg: 180 / A, detectorShift: 0 }, xv, 1);
    const scale = Math.max(...nominal);
    for (let k = 0; k < A; k++)
      for (let d = 0; d < D; d++) {
        // View k + 1; the last view wraps to theta = 180 deg, i.e. view 0 mirrored in s.
        const ref = k < A - 1 ? nominal[(k + 1) * D + d] : nominal[D - 1 - d];
        expect(Math.abs(rot[k * D + d] - ref), `view ${k} bin ${d}`).toBeLessThan(1e-5 * scale);
      }
    const sh = mismatchedForward(g, { angleOffsetDeg: 0, detectorShift: 1 }, xv, 1);
    for (let k = 0; k < A; k++)
      for (let d = 0; d < D - 1; d++)
        expect(Math.abs(sh[k * D + d] - nominal[k * D + d + 1])).toBeLessThan(1e-5 * scale);
  });

  it('finds the brute-force worst per-view gains of FBP, and its curves start at the clean error', async () => {
    const f = new FbpReconstructor(g);
    const x = tf.tensor4d(xv, [1, N, N, 1]);
    const y = tf.tensor4d(nominal, [1, A, D, 1]);
    const bound = 0.05;
    // Brute force over the 2^8 vertices of the gain box.
    const candidates = new Float32Array(256 * A * D);
    for (let s = 0; s < 256; s++)
      for (let k = 0; k < A; k++) {
        const gk = (s >> k) & 1 ? bound : -bound;
        for (let d = 0; d < D; d++) candidates[(s * A + k) * D + d] = nominal[k * D + d] * (1 + gk);
      }
    const recon = tf.tidy(() => f.reconstruct(tf.tensor4d(candidates, [256, A, D, 1])));
    const rv = recon.dataSync();
    recon.dispose();
    let brute = 0;
    for (let s = 0; s < 256; s++) {
      let acc = 0;
      for (let i = 0; i < N * N; i++) acc += (rv[s * N * N + i] - xv[i]) ** 2;
      brute = Math.max(brute, Math.sqrt(acc));
    }
    const before = tf.memory().numTensors;
    const { report, result } = await mismatchSweep(f, x, y, {
      eps: 0,
      maxAngleDeg: 1,
      maxShift: 0.5,
      maxGain: bound,
      points: 2,
      seed: 4,
    });
    const gainTop = report.curves.filter((p) => p.parameter === 'gain').at(-1)!;
    expect(gainTop.value).toBe(bound);
    console.log(`mismatch gains: found ${gainTop.error[0].toFixed(5)}, brute force ${brute.toFixed(5)}`);
    expect(gainTop.error[0]).toBeGreaterThanOrEqual(0.99 * brute);
    expect(gainTop.error[0]).toBeLessThanOrEqual(brute * (1 + 1e-5));
    // Zero mismatch points equal the clean error; the worst case is at least every curve point.
    for (const p of report.curves.filter((q) => q.value === 0)) {
      expect(p.error[0]).toBeCloseTo(report.cleanError[0], 5);
      expect(p.change[0]).toBeLessThan(1e-6);
    }
    const maxCurve = Math.max(...report.curves.map((p) => p.error[0]));
    expect(result.error[0]).toBeGreaterThanOrEqual(maxCurve * (1 - 1e-6));
    expect(report.curves.map((p) => `${p.parameter}:${p.value}`)).toEqual([
      'angle:-1',
      'angle:-0.5',
      'angle:0',
      'angle:0.5',
      'angle:1',
      'shift:-0.5',
      'shift:-0.25',
      'shift:0',
      'shift:0.25',
      'shift:0.5',
      'gain:0.025',
      'gain:0.05',
    ]);
    // The result's delta is y' - y and its norm the relative change.
    expect(result.deltaNorm[0]).toBeCloseTo(norm(result.delta.dataSync()), 4);
    expect(result.epsRelative[0]).toBeCloseTo(result.deltaNorm[0] / norm(nominal), 6);
    expect(report.worst[0].gains.every((v) => Math.abs(v) <= bound + 1e-7)).toBe(true);
    disposeAttackResult(result);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
  });
});
