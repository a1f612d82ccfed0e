import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { RadonOperator, type FilterName } from '../../../src/main/engine/physics';
import { randn, dot } from '../helpers/arrays';

const SIZES = [32, 64, 128];
const VIEWS = [1, 17, 143];
const CASES = SIZES.flatMap((N) => VIEWS.map((A) => ({ N, A })));

/** 0.5 ||f(z) - target||^2 evaluated in Float64 from the float32 output of f. */
function quadLoss(
  f: (z: tf.Tensor4D) => tf.Tensor4D,
  z: Float32Array,
  shape: number[],
  target: Float32Array,
): number {
  const out = tf.tidy(() => f(tf.tensor4d(z, shape as [number, number, number, number])).dataSync());
  let s = 0;
  for (let i = 0; i < out.length; i++) s += (out[i] - target[i]) ** 2;
  return 0.5 * s;
}

/**
 * Check tf.grad of L(z) = 0.5 ||f(z) - target||^2 against central differences along random directions v.
 * L is quadratic, so (L(z + h v) - L(z - h v)) / 2h equals the directional derivative exactly for every
 * h; a step of the size of z (h = 1) keeps float32 rounding of f(z +- h v) far below the difference.
 */
function checkGradient(
  label: string,
  f: (z: tf.Tensor4D) => tf.Tensor4D,
  shape: number[],
  outLen: number,
  seed: string,
): void {
  const n = shape.reduce((p, q) => p * q, 1);
  const z = randn(`${seed}/z`, n);
  const target = randn(`${seed}/target`, outLen);
  const before = tf.memory().numTensors;
  const grad = tf.tidy(() => {
    const zt = tf.tensor4d(z, shape as [number, number, number, number]);
    const tt = tf.tensor(target, [outLen]);
    const loss = (q: tf.Tensor): tf.Scalar =>
      tf.mul(0.5, tf.sum(tf.square(tf.sub(f(q as tf.Tensor4D).reshape([-1]), tt))));
    return tf.grad(loss)(zt).dataSync();
  });
  expect(tf.memory().numTensors, `${label}: tensors leaked`).toBe(before);
  for (const dir of ['v1', 'v2']) {
    const v = randn(`${seed}/${dir}`, n);
    const h = 1;
    const zp = z.map((zi, i) => zi + h * v[i]);
    const zm = z.map((zi, i) => zi - h * v[i]);
    const fd = (quadLoss(f, zp, shape, target) - quadLoss(f, zm, shape, target)) / (2 * h);
    const an = dot(grad, v);
    const rel = Math.abs(fd - an) / Math.max(Math.abs(fd), 1e-12);
    expect(rel, `${label}, direction ${dir}: autodiff ${an} vs central difference ${fd}`).toBeLessThanOrEqual(
      1e-3,
    );
  }
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('gradients through A, A^T and FBP equal central differences', () => {
  for (const { N, A } of CASES) {
    it(`N ${N}, views ${A}`, () => {
      const g = makeGeometry({ size: N, views: A });
      const op = new RadonOperator(g);
      const D = g.detectors;
      const B = 2;
      checkGradient(
        `0.5||A x - b||^2, N ${N}, views ${A}`,
        (x) => op.forward(x),
        [B, N, N, 1],
        B * A * D,
        `gA/${N}/${A}`,
      );
      checkGradient(
        `0.5||A^T y - c||^2, N ${N}, views ${A}`,
        (y) => op.adjoint(y),
        [B, A, D, 1],
        B * N * N,
        `gAt/${N}/${A}`,
      );
      checkGradient(
        `0.5||FBP(y) - c||^2 (ram-lak), N ${N}, views ${A}`,
        (y) => op.fbp(y),
        [B, A, D, 1],
        B * N * N,
        `gFbp/${N}/${A}`,
      );
    });
  }

  for (const [filter, cutoff, impl] of [
    ['hann', 0.6, 'matmul'],
    ['shepp-logan', 1, 'fft'],
    ['cosine', 0.3, 'fft'],
  ] as [FilterName, number, 'matmul' | 'fft'][]) {
    it(`FBP with ${filter}, cutoff ${cutoff}, ${impl} filtering (N 64, views 17)`, () => {
      const g = makeGeometry({ size: 64, views: 17 });
      const op = new RadonOperator(g);
      checkGradient(
        `0.5||FBP(y) - c||^2 (${filter}, cutoff ${cutoff}, ${impl})`,
        (y) => op.fbp(y, { filter, cutoff, filterImpl: impl }),
        [1, 17, g.detectors, 1],
        64 * 64,
        `gFbp/${filter}/${cutoff}/${impl}`,
      );
    });
  }
});

describe('the gradient of A is A^T and the gradient of A^T is A', () => {
  for (const { N, A } of CASES) {
    it(`vector-Jacobian products (N ${N}, views ${A})`, () => {
      const g = makeGeometry({ size: N, views: A });
      const op = new RadonOperator(g);
      const D = g.detectors;
      const x = tf.tensor4d(randn(`vjp-x/${N}/${A}`, 2 * N * N), [2, N, N, 1]);
      const y = tf.tensor4d(randn(`vjp-y/${N}/${A}`, 2 * A * D), [2, A, D, 1]);
      const before = tf.memory().numTensors;
      const gA = tf.grad((z: tf.Tensor) => op.forward(z as tf.Tensor4D))(x, y);
      const gAt = tf.grad((z: tf.Tensor) => op.adjoint(z as tf.Tensor4D))(y, x);
      const Aty = op.adjoint(y);
      const Ax = op.forward(x);
      expect(Array.from(gA.dataSync()), `grad of A applied to dy = A^T dy, N ${N}, views ${A}`).toEqual(
        Array.from(Aty.dataSync()),
      );
      expect(Array.from(gAt.dataSync()), `grad of A^T applied to dx = A dx, N ${N}, views ${A}`).toEqual(
        Array.from(Ax.dataSync()),
      );
      tf.dispose([gA, gAt, Aty, Ax]);
      expect(tf.memory().numTensors, `N ${N}, views ${A}: tensors leaked`).toBe(before);
      tf.dispose([x, y]);
    });
  }

  it('second-order: the Hessian-vector product of 0.5||Ax||^2 is A^T A v (N 32, views 17)', () => {
    const g = makeGeometry({ size: 32, views: 17 });
    const op = new RadonOperator(g);
    const x = tf.tensor4d(randn('hvp-x', 32 * 32), [1, 32, 32, 1]);
    const v = tf.tensor4d(randn('hvp-v', 32 * 32), [1, 32, 32, 1]);
    const before = tf.memory().numTensors;
    const hv = tf.tidy(() => {
      // d/dx <grad L(x), v> with grad L = A^T A x: gives A^T A v.
      const gdotv = (z: tf.Tensor): tf.Scalar =>
        tf.sum(
          tf.mul(
            tf.grad((q: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(op.forward(q as tf.Tensor4D)))))(z),
            v,
          ),
        );
      return tf.grad(gdotv)(x);
    });
    const ref = tf.tidy(() => op.adjoint(op.forward(v)));
    const a = hv.dataSync();
    const b = ref.dataSync();
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-6);
    tf.dispose([hv, ref]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, v]);
  });
});

describe('higher-order gradients through FBP on both filter paths', () => {
  for (const filterImpl of ['matmul', 'fft'] as const) {
    it(`Hessian-vector product of 0.5||FBP(y)||^2 is FBP^T FBP v (${filterImpl}, N 32, views 17)`, () => {
      const g = makeGeometry({ size: 32, views: 17 });
      const op = new RadonOperator(g);
      const shape: [number, number, number, number] = [1, 17, g.detectors, 1];
      const y = tf.tensor4d(randn('hvp2-y', 17 * g.detectors), shape);
      const v = tf.tensor4d(randn('hvp2-v', 17 * g.detectors), shape);
      const before = tf.memory().numTensors;
      const fbp = (q: tf.Tensor): tf.Tensor4D => op.fbp(q as tf.Tensor4D, { filter: 'hann', filterImpl });
      const hv = tf.tidy(() => {
        const gdotv = (z: tf.Tensor): tf.Scalar =>
          tf.sum(tf.mul(tf.grad((q: tf.Tensor) => tf.mul(0.5, tf.sum(tf.square(fbp(q)))))(z), v));
        return tf.grad(gdotv)(y);
      });
      // FBP^T FBP v via a VJP: grad of <FBP(z), FBP(v)> w.r.t. z.
      const ref = tf.tidy(() => {
        const fv = fbp(v);
        return tf.grad((z: tf.Tensor) => tf.sum(tf.mul(fbp(z), fv)))(y);
      });
      const a = hv.dataSync();
      const b = ref.dataSync();
      let num = 0;
      let den = 0;
      for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += b[i] ** 2;
      }
      expect(Math.sqrt(num / den), filterImpl).toBeLessThan(1e-5);
      tf.dispose([hv, ref]);
      expect(tf.memory().numTensors).toBe(before);
      tf.dispose([y, v]);
    });
  }
});
