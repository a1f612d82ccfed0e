/**
 * MeasurementOperator for every physics (identity of denoising, block compressed sensing, Radon through the same
 * interface), against independent Float64 computations:
 *  - adjoint dot test |<A x, y> - <x, A^T y>| / (||A x|| ||y||) and the gradient of A being A^T exactly;
 *  - CS forward = block tiling + Phi x_k by hand; the pseudo-inverse against V S^-1 U^T from a Jacobi SVD, and
 *    the Penrose identities A A^+ = I, (A^+ A)^2 = A^+ A;
 *  - seeds (same seed, same Phi, bit for bit), entry statistics, shapes, errors, no tensor leaks.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry } from '@shared/geometry';
import { csMeasurementsPerBlock, parsePhysics, formatPhysics, type CsPhysics } from '@shared/physics';
import { ShapeError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  CsOperator,
  IdentityOperator,
  RadonOperator,
  csMatrices,
  makeOperator,
  radonForwardArray,
  type MeasurementOperator,
} from '../../../src/main/engine/physics';
import { FbpReconstructor } from '../../../src/main/engine/models';
import { matrix, svd } from '../../../src/main/engine/linear-theory/matrix';
import { dot, norm, randn, relErr } from '../helpers/arrays';

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

const CASES: { label: string; geometry: Parameters<typeof makeGeometry>[0] }[] = [
  { label: 'denoise N 16', geometry: { size: 16, views: 1, physics: { kind: 'denoise' } } },
  { label: 'cs N 32, one 32-block', geometry: { size: 32, views: 1, physics: { kind: 'cs' } } },
  {
    label: 'cs N 32, 8-blocks, ratio 0.25',
    geometry: { size: 32, views: 1, physics: { kind: 'cs', block: 8, ratio: 0.25, seed: 3 } },
  },
  { label: 'cs N 66, 33-blocks', geometry: { size: 66, views: 1, physics: { kind: 'cs', block: 33 } } },
  { label: 'radon N 16, 12 views', geometry: { size: 16, views: 12 } },
];

function apply(
  f: (t: tf.Tensor4D) => tf.Tensor4D,
  v: Float32Array,
  shape: readonly number[],
  B: number,
): Float32Array {
  return tf.tidy(
    () => f(tf.tensor4d(v, [B, ...shape] as [number, number, number, number])).dataSync() as Float32Array,
  );
}

describe.each(CASES)('MeasurementOperator: $label', ({ label, geometry }) => {
  const g = makeGeometry(geometry);
  const op = makeOperator(g);
  const n = op.domainShape.reduce((a, b) => a * b, 1);
  const m = op.rangeShape.reduce((a, b) => a * b, 1);

  it('shapes: domain [N,N,1], range [views, detectors, 1]', () => {
    expect(op.domainShape).toEqual([g.size, g.size, 1]);
    expect(op.rangeShape).toEqual([g.views, g.detectors, 1]);
  });

  it('adjoint dot test and adjointOperator round trip', () => {
    const B = 2;
    const x = randn(`${label}/x`, B * n);
    const y = randn(`${label}/y`, B * m);
    const Ax = apply((t) => op.forward(t), x, op.domainShape, B);
    const ATy = apply((t) => op.adjoint(t), y, op.rangeShape, B);
    // float32 sums of ~n products: rounding ~ sqrt(n) 6e-8 relative, far below 1e-5.
    const err = Math.abs(dot(Ax, y) - dot(x, ATy)) / (norm(Ax) * norm(y));
    expect(err, `${label}: <Ax,y> ${dot(Ax, y)} vs <x,A^T y> ${dot(x, ATy)}`).toBeLessThan(1e-5);
    expect(op.adjointOperator().adjointOperator()).toBe(op);
    const viaView = apply((t) => op.adjointOperator().forward(t), y, op.rangeShape, B);
    expect(Array.from(viaView)).toEqual(Array.from(ATy));
  });

  it('the gradient of <A x, v> is A^T v exactly (customGrad), and of <A^T w, u> is A u; no leaks', () => {
    const v = randn(`${label}/v`, m);
    const u = randn(`${label}/u`, n);
    const before = tf.memory().numTensors;
    const [gx, gy] = tf.tidy(() => {
      const vt = tf.tensor4d(v, [1, ...op.rangeShape] as [number, number, number, number]);
      const ut = tf.tensor4d(u, [1, ...op.domainShape] as [number, number, number, number]);
      const lx = (x: tf.Tensor) => tf.sum(tf.mul(op.forward(x as tf.Tensor4D), vt)) as tf.Scalar;
      const ly = (y: tf.Tensor) => tf.sum(tf.mul(op.adjoint(y as tf.Tensor4D), ut)) as tf.Scalar;
      return [tf.grad(lx)(tf.zerosLike(ut)).dataSync(), tf.grad(ly)(tf.zerosLike(vt)).dataSync()];
    });
    expect(tf.memory().numTensors, `${label}: tensors leaked`).toBe(before);
    expect(Array.from(gx)).toEqual(Array.from(apply((t) => op.adjoint(t), v, op.rangeShape, 1)));
    expect(Array.from(gy)).toEqual(Array.from(apply((t) => op.forward(t), u, op.domainShape, 1)));
  });

  it('forward, adjoint and initialReconstruction leave no tensors behind; wrong shapes are ShapeErrors', () => {
    const x = tf.tensor4d(randn(`${label}/x`, n), [1, ...op.domainShape] as [number, number, number, number]);
    const before = tf.memory().numTensors;
    const y = op.forward(x);
    const a = op.adjoint(y);
    const r = op.initialReconstruction(y);
    expect(r.shape).toEqual([1, ...op.domainShape]);
    tf.dispose([y, a, r]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => op.forward(tf.zeros([1, g.size + 1, g.size, 1]) as tf.Tensor4D)).toThrow(ShapeError);
    expect(() => op.adjoint(x.reshape([g.size, g.size, 1, 1]) as tf.Tensor4D)).toThrow(/expected \[B,/);
    x.dispose();
  });
});

describe('denoise: A = I', () => {
  it('forward, adjoint and the initial reconstruction return the input; the baseline is the noisy image', () => {
    const g = makeGeometry({ size: 8, views: 99, physics: { kind: 'denoise' } });
    expect([g.views, g.detectors]).toEqual([8, 8]);
    const op = makeOperator(g);
    expect(op).toBeInstanceOf(IdentityOperator);
    const v = randn('id', 2 * 64);
    for (const f of [op.forward, op.adjoint, op.initialReconstruction] as const) {
      expect(Array.from(apply((t) => f.call(op, t), v, [8, 8, 1], 2))).toEqual(Array.from(v));
    }
    const base = new FbpReconstructor(g);
    expect(base.describe()).toMatch(/identity/);
    expect(Array.from(apply((t) => base.reconstruct(t), v, [8, 8, 1], 2))).toEqual(Array.from(v));
  });
});

/** y_k = Phi x_k by hand, blocks in row-major order of the block grid, pixels row-major in a block. */
function csForwardByHand(x: Float32Array, N: number, p: CsPhysics): Float64Array {
  const { phi, m, n } = csMatrices(p);
  const b = p.block;
  const r = N / b;
  const y = new Float64Array(r * r * m);
  for (let br = 0; br < r; br++) {
    for (let bc = 0; bc < r; bc++) {
      const k = br * r + bc;
      for (let i = 0; i < m; i++) {
        let s = 0;
        for (let q = 0; q < n; q++) {
          const row = br * b + Math.floor(q / b);
          const col = bc * b + (q % b);
          s += phi[i * n + q] * x[row * N + col];
        }
        y[k * m + i] = s;
      }
    }
  }
  return y;
}

describe('cs: block compressed sensing', () => {
  const p = parsePhysics('cs:ratio=0.25,block=8,seed=11') as CsPhysics;

  it('parses, formats and validates the physics option', () => {
    expect(p).toEqual({ kind: 'cs', ratio: 0.25, block: 8, seed: 11, init: 'pinv' });
    expect(parsePhysics(formatPhysics(p))).toEqual(p);
    expect(parsePhysics('cs')).toEqual({ kind: 'cs', ratio: 0.1, block: 32, seed: 0, init: 'pinv' });
    expect(parsePhysics('denoise')).toEqual({ kind: 'denoise' });
    expect(() => parsePhysics('cs:ratio=2')).toThrow(UsageError);
    expect(() => parsePhysics('mri')).toThrow(/not understood/);
    expect(() => parsePhysics('denoise:x=1')).toThrow(/takes no parameters/);
    expect(() => makeGeometry({ size: 30, views: 1, physics: p })).toThrow(/multiple of 8/);
    // ISTA-Net's 33 x 33 blocks at ratio 0.1: 109 measurements per 1089 pixels.
    expect(csMeasurementsPerBlock({ ratio: 0.1, block: 33 })).toBe(109);
    expect(csMeasurementsPerBlock({ ratio: 0.1, block: 32 })).toBe(102);
  });

  it('forward equals the block tiling and Phi x_k computed by hand (N 24: 9 blocks of 8 x 8, m 16)', () => {
    const g = makeGeometry({ size: 24, views: 1, physics: p });
    expect([g.views, g.detectors]).toEqual([9, 16]);
    const op = makeOperator(g);
    expect(op).toBeInstanceOf(CsOperator);
    const x = randn('cs-x', 24 * 24);
    const ours = apply((t) => op.forward(t), x, op.domainShape, 1);
    expect(relErr(ours, csForwardByHand(x, 24, p))).toBeLessThan(1e-6);
  });

  it('the same seed gives the same Phi bit for bit; another seed another; entries ~ N(0, 1/m)', () => {
    const a = csMatrices({ ratio: 0.1, block: 32, seed: 5 }).phi;
    // A fresh operator after the cache has turned over rebuilds Phi from the seed alone.
    for (let s = 100; s < 106; s++) csMatrices({ ratio: 0.1, block: 32, seed: s });
    const b = csMatrices({ ratio: 0.1, block: 32, seed: 5 }).phi;
    expect(b).not.toBe(a);
    expect(Array.from(b)).toEqual(Array.from(a));
    const c = csMatrices({ ratio: 0.1, block: 32, seed: 6 }).phi;
    expect(relErr(c, a)).toBeGreaterThan(1);
    // 102 x 1024 = 104,448 entries of variance 1/102: the sample mean has sd sqrt(1/102 / 104448) = 3.1e-4 and
    // the sample variance relative sd sqrt(2 / 104448) = 0.44%; 5 sd bounds.
    const m = 102;
    let s = 0;
    let ss = 0;
    for (const v of a) {
      s += v;
      ss += v * v;
    }
    const mean = s / a.length;
    expect(Math.abs(mean)).toBeLessThan(5 * Math.sqrt(1 / m / a.length));
    expect(Math.abs((ss / a.length) * m - 1)).toBeLessThan(5 * Math.sqrt(2 / a.length));
  });

  it('A^+ equals V S^-1 U^T from a Jacobi SVD of Phi; A A^+ = I and A^+ A is a projector', () => {
    const { phi, pinvT, m, n } = csMatrices(p);
    const { U, s, V } = svd(matrix(m, n, Float64Array.from(phi)));
    // (A^+)^T = U S^-1 V^T (m x n).
    const ref = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let v = 0;
        for (let k = 0; k < m; k++) v += (U.data[i * U.cols + k] / s[k]) * V.data[j * V.cols + k];
        ref[i * n + j] = v;
      }
    expect(relErr(pinvT, ref)).toBeLessThan(1e-5);

    const g = makeGeometry({ size: 16, views: 1, physics: p });
    const op = makeOperator(g) as CsOperator;
    const y = randn(
      'cs-y',
      op.rangeShape.reduce((a, b) => a * b, 1),
    );
    const AAy = apply((t) => tf.tidy(() => op.forward(op.pseudoInverse(t))), y, op.rangeShape, 1);
    // kappa(Phi Phi^T) ~ 9 at m/n = 0.25, float32: 1e-5 relative is ~100 ulps of headroom.
    expect(relErr(AAy, y)).toBeLessThan(1e-5);
    const x = randn('cs-x2', 256);
    const P = (t: tf.Tensor4D) => tf.tidy(() => op.pseudoInverse(op.forward(t)));
    const Px = apply(P, x, op.domainShape, 1);
    const PPx = apply(P, Px, op.domainShape, 1);
    expect(relErr(PPx, Px)).toBeLessThan(1e-5);
    // Orthogonal projector: <P x, x> = ||P x||^2.
    expect(Math.abs(dot(Px, x) - dot(Px, Px)) / dot(Px, Px)).toBeLessThan(1e-5);
    // The default initial reconstruction is A^+; init 'adjoint' gives A^T.
    expect(op.describeInitialReconstruction()).toMatch(/pseudo-inverse/);
    const adj = makeOperator(makeGeometry({ size: 16, views: 1, physics: { ...p, init: 'adjoint' } }));
    const a1 = apply((t) => adj.initialReconstruction(t), y, op.rangeShape, 1);
    const a2 = apply((t) => adj.adjoint(t), y, op.rangeShape, 1);
    expect(Array.from(a1)).toEqual(Array.from(a2));
  });

  it('the gradient of ||A^+ y - t||^2 / 2 matches central differences (customGrad transpose of A^+)', () => {
    const g = makeGeometry({ size: 16, views: 1, physics: p });
    const op = makeOperator(g) as CsOperator;
    const len = op.rangeShape.reduce((a, b) => a * b, 1);
    const shape = [1, ...op.rangeShape] as [number, number, number, number];
    const y = randn('gy', len);
    const target = randn('gt', 256);
    const loss = (v: Float32Array) => {
      const r = apply((t) => op.pseudoInverse(t), v, op.rangeShape, 1);
      let s = 0;
      for (let i = 0; i < r.length; i++) s += (r[i] - target[i]) ** 2;
      return s / 2;
    };
    const grad = tf.tidy(() => {
      const tt = tf.tensor4d(target, [1, 16, 16, 1]);
      const f = (q: tf.Tensor) =>
        tf.mul(0.5, tf.sum(tf.square(tf.sub(op.pseudoInverse(q as tf.Tensor4D), tt))));
      return tf
        .grad(f as (q: tf.Tensor) => tf.Scalar)(tf.tensor4d(y, shape))
        .dataSync();
    });
    const v = randn('gv', len);
    // The loss is quadratic: the central difference is exact for any h (h = 1 keeps rounding small).
    const fd = (loss(y.map((a, i) => a + v[i])) - loss(y.map((a, i) => a - v[i]))) / 2;
    expect(Math.abs(dot(grad, v) - fd) / Math.abs(fd)).toBeLessThan(1e-3);
  });
});

describe('radon through the interface', () => {
  it('makeOperator gives the Radon operator, whose initial reconstruction is its FBP; Radon refuses other physics', () => {
    const g = makeGeometry({ size: 16, views: 12 });
    const op: MeasurementOperator = makeOperator(g);
    expect(op).toBeInstanceOf(RadonOperator);
    expect(op.physics).toEqual({ kind: 'radon' });
    const y = tf.tensor4d(radonForwardArray(randn('r', 256), 1, g), [1, 12, g.detectors, 1]);
    const a = op.initialReconstruction(y, { filter: 'hann' });
    const b = (op as RadonOperator).fbp(y, { filter: 'hann' });
    expect(Array.from(a.dataSync())).toEqual(Array.from(b.dataSync()));
    expect(op.describeInitialReconstruction({ filter: 'hann' })).toBe('FBP (hann, cutoff 1)');
    tf.dispose([y, a, b]);
    const cs = makeGeometry({ size: 32, views: 1, physics: { kind: 'cs' } });
    expect(() => new RadonOperator(cs)).toThrow(/makeOperator/);
    expect(() => radonForwardArray(new Float32Array(32 * 32), 1, cs)).toThrow(/physics is cs/);
  });
});
