/**
 * The linear reconstructor f(y) = B y: B from a matrix, the pseudo-inverse (B A = I checked against the dense
 * projector), the Tikhonov normal equations, the matrix of FBP, gradients, the size limit, and no leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { InputError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { FbpReconstructor } from '../../../src/main/engine/models';
import {
  LINEAR_MAX_BYTES,
  LinearReconstructor,
  checkLinearSize,
  radonMatrix,
} from '../../../src/main/engine/models/linear';
import { fbpArray, radonForwardArray } from '../../../src/main/engine/physics';
import { randn, relErr } from '../helpers/arrays';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('LinearReconstructor', () => {
  const g = makeGeometry({ size: 8, views: 16 });
  const n = 64;
  const m = g.views * g.detectors;

  it('fromMatrix: reconstruct = B y (row-major [N*N, A*D]), batched, differentiable, trainable', () => {
    const Bv = randn('B', n * m);
    const f = LinearReconstructor.fromMatrix(g, Bv);
    const yv = randn('y', 2 * m);
    const before = tf.memory().numTensors;
    const y = tf.tensor4d(yv, [2, g.views, g.detectors, 1]);
    const out = f.reconstruct(y);
    expect(out.shape).toEqual([2, 8, 8, 1]);
    const ov = out.dataSync();
    for (let b = 0; b < 2; b++)
      for (let i = 0; i < n; i += 7) {
        let s = 0;
        for (let k = 0; k < m; k++) s += Bv[i * m + k] * yv[b * m + k];
        expect(ov[b * n + i]).toBeCloseTo(s, 3);
      }
    // d/dy sum(f(y)) = B^T 1.
    const gr = tf.grad((v: tf.Tensor) => f.reconstruct(v as tf.Tensor4D).sum())(y);
    const gv = gr.dataSync();
    for (let k = 0; k < m; k += 11) {
      let s = 0;
      for (let i = 0; i < n; i++) s += Bv[i * m + k];
      expect(gv[k]).toBeCloseTo(s, 3);
    }
    expect(f.trainableVariables()).toEqual([f.B]);
    expect(f.kernelVariables()).toEqual([f.B]);
    const trained = f.apply(y, true);
    expect(trained.shape).toEqual([2, 8, 8, 1]);
    tf.dispose([y, out, gr, trained]);
    expect(tf.memory().numTensors).toBe(before);
    f.dispose();
    expect(tf.memory().numTensors).toBe(before - 1); // B was the only tensor the model held
    expect(f.describe()).toMatch(/linear B \(64 x 192, given matrix\)/);
  });

  it('pseudoInverse: B A = I in float32 precision; Tikhonov B solves the normal equations', () => {
    const A = radonMatrix(g);
    const f = LinearReconstructor.pseudoInverse(g);
    const B = f.matrix();
    let maxErr = 0;
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < m; k++) s += B[i * m + k] * A[k * n + j];
        maxErr = Math.max(maxErr, Math.abs(s - (i === j ? 1 : 0)));
      }
    expect(maxErr).toBeLessThan(1e-4);
    // radonMatrix agrees with the projector.
    const x = randn('x', n);
    const Ax = radonForwardArray(x, 1, g);
    const Ax2 = Array.from({ length: m }, (_, r) =>
      A.slice(r * n, (r + 1) * n).reduce((s, a, j) => s + a * x[j], 0),
    );
    expect(relErr(Ax2, Ax)).toBeLessThan(1e-6);
    f.dispose();
    // (A^T A + mu I) B = A^T.
    const mu = 3;
    const t = LinearReconstructor.pseudoInverse(g, { mu });
    const Bt = t.matrix();
    let worst = 0;
    for (let i = 0; i < n; i += 5)
      for (let c = 0; c < m; c += 13) {
        let lhs = mu * Bt[i * m + c];
        for (let j = 0; j < n; j++) {
          let ata = 0;
          for (let k = 0; k < m; k++) ata += A[k * n + i] * A[k * n + j];
          lhs += ata * Bt[j * m + c];
        }
        worst = Math.max(worst, Math.abs(lhs - A[c * n + i]));
      }
    expect(worst).toBeLessThan(1e-4);
    t.dispose();
    // Too few measurements for a full-column-rank A.
    expect(() => LinearReconstructor.pseudoInverse(makeGeometry({ size: 8, views: 2 }))).toThrow(InputError);
  });

  it('fromReconstructor: the matrix of FBP reproduces FBP', () => {
    const fbp = new FbpReconstructor(g);
    const f = LinearReconstructor.fromReconstructor(g, fbp);
    const yv = randn('y2', m);
    const y = tf.tensor4d(yv, [1, g.views, g.detectors, 1]);
    const out = f.reconstruct(y);
    expect(relErr(out.dataSync(), fbpArray(yv, 1, g))).toBeLessThan(1e-5);
    tf.dispose([y, out]);
    f.dispose();
    expect(f.describe()).toMatch(/matrix of FBP/);
  });

  it('refuses B above 256 MiB and wrong inputs with clear errors', () => {
    const big = makeGeometry({ size: 128, views: 36 });
    expect(4 * 128 * 128 * 36 * big.detectors).toBeGreaterThan(LINEAR_MAX_BYTES);
    expect(() => checkLinearSize(big)).toThrow(/B would be 16384 x 6552 .* 410 MiB, above the 256 MiB limit/);
    expect(() => LinearReconstructor.zeros(big)).toThrow(UsageError);
    expect(() => checkLinearSize(makeGeometry({ size: 64, views: 90 }))).not.toThrow();
    expect(() => LinearReconstructor.fromMatrix(g, new Float32Array(5))).toThrow(
      /5 values, expected 64 x 192/,
    );
    expect(() => LinearReconstructor.fromMatrix(g, new Float32Array(n * m).fill(NaN))).toThrow(InputError);
    const z = LinearReconstructor.zeros(g);
    const bad = tf.zeros([1, 3, 3, 1]) as tf.Tensor4D;
    expect(() => z.reconstruct(bad)).toThrow(/expected \[B,16,12,1\], got \[1,3,3,1\]/);
    bad.dispose();
    z.dispose();
  });
});
