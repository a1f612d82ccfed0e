import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  RadonOperator,
  fbpArray,
  radonForwardArray,
  rampFilterArray,
} from '../../../src/main/engine/physics';
import {
  ellipsesSinogram,
  rasterizeBlobs,
  rasterizeEllipses,
  sheppLoganEllipses,
} from '../../../src/main/engine/physics/phantoms';
import { randn, dot, relErr } from '../helpers/arrays';

const CASES = [32, 64, 128].flatMap((N) => [1, 17, 143].map((A) => ({ N, A })));

/** Pixel-driven linear-interpolation backprojection, written directly from its definition. */
function naiveBackproject(q: ArrayLike<number>, g: Geometry): Float64Array {
  const N = g.size;
  const D = g.detectors;
  const out = new Float64Array(N * N);
  const at = (k: number, d: number): number => (d >= 0 && d < D ? q[k * D + d] : 0);
  for (let k = 0; k < g.views; k++) {
    const t = (k * Math.PI) / g.views;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const u = j - (N - 1) / 2;
        const v = (N - 1) / 2 - i;
        const df = (u * Math.cos(t) + v * Math.sin(t)) / g.detectorSpacing + (D - 1) / 2;
        const d0 = Math.floor(df);
        const w = df - d0;
        out[i * N + j] += ((1 - w) * at(k, d0) + w * at(k, d0 + 1)) / g.detectorSpacing;
      }
    }
  }
  return out;
}

const SMOOTH_BLOB = [{ amplitude: 1, x0: 0.1, y0: -0.05, sigma: 0.2 }];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('pixel-driven backprojector B and its transpose', () => {
  for (const { N, A } of CASES) {
    it(`<B q, x> = <q, B^T x>, grad of B is B^T (N ${N}, views ${A})`, () => {
      const g = makeGeometry({ size: N, views: A });
      const op = new RadonOperator(g);
      const D = g.detectors;
      const qv = randn(`pb-q/${N}/${A}`, 2 * A * D);
      const xv = randn(`pb-x/${N}/${A}`, 2 * N * N);
      const q = tf.tensor4d(qv, [2, A, D, 1]);
      const x = tf.tensor4d(xv, [2, N, N, 1]);
      const before = tf.memory().numTensors;
      const Bq = op.pixelBackproject(q);
      // The transpose is reached through the gradient: d<B q, x>/dq = B^T x.
      const BtX = tf.grad((z: tf.Tensor) => op.pixelBackproject(z as tf.Tensor4D))(q, x);
      const BqV = Bq.dataSync();
      const BtXV = BtX.dataSync();
      tf.dispose([Bq, BtX]);
      expect(tf.memory().numTensors, `N ${N}, views ${A}: tensors leaked`).toBe(before);
      tf.dispose([q, x]);
      // Same reasoning as the Joseph adjoint test: Float64 accumulation, float32 outputs, 1e-5 >> 2^-23.
      const lhs = dot(BqV, xv);
      const rhs = dot(qv, BtXV);
      const rel = Math.abs(lhs - rhs) / (Math.sqrt(dot(BqV, BqV)) * Math.sqrt(dot(xv, xv)));
      expect(rel, `N ${N}, views ${A}: <Bq,x> ${lhs} vs <q,B^T x> ${rhs}`).toBeLessThanOrEqual(1e-5);
    });
  }

  for (const g of [
    makeGeometry({ size: 32, views: 17 }),
    makeGeometry({ size: 33, views: 12, detectorSpacing: 0.7, detectors: 70 }),
    makeGeometry({ size: 24, views: 9, detectorSpacing: 1.5, detectors: 12 }),
  ]) {
    const label = `N ${g.size}, views ${g.views}, spacing ${g.detectorSpacing}, ${g.detectors} bins`;
    it(`equals the definition (${label})`, () => {
      const q = randn(`pb-naive/${label}`, g.views * g.detectors);
      const r = tf.tidy(() =>
        new RadonOperator(g).pixelBackproject(tf.tensor4d(q, [1, g.views, g.detectors, 1])).dataSync(),
      );
      expect(relErr(r, naiveBackproject(q, g)), label).toBeLessThan(1e-6);
    });
  }
});

describe("FBP with backprojector 'pixel'", () => {
  const cases: { label: string; g: Geometry; bound: number }[] = [
    { label: 'N 64, 143 views', g: makeGeometry({ size: 64, views: 143 }), bound: 0.007 },
    { label: 'N 128, 143 views', g: makeGeometry({ size: 128, views: 143 }), bound: 0.002 },
    {
      label: 'N 128, 143 views, spacing 2',
      g: makeGeometry({ size: 128, views: 143, detectorSpacing: 2 }),
      bound: 0.005,
    },
    { label: 'N 64, 17 views', g: makeGeometry({ size: 64, views: 17 }), bound: 0.007 },
  ];
  for (const { label, g, bound } of cases) {
    it(`FBP(A x) ~= x on a smooth blob (${label})`, () => {
      const x = rasterizeBlobs(SMOOTH_BLOB, g.size);
      const r = fbpArray(radonForwardArray(x, 1, g), 1, g, { backprojector: 'pixel' });
      // Measured 0.54% (N 64), 0.13% (N 128), 0.35% (spacing 2), 0.55% (17 views).
      expect(relErr(r, x), label).toBeLessThan(bound);
    });
  }

  it('Shepp-Logan at N 512, 143 views: better than the adjoint backprojector and scikit-image', () => {
    const g = makeGeometry({ size: 512, views: 143 });
    const e = sheppLoganEllipses();
    const phantom = rasterizeEllipses(e, 512, 4);
    const analytic = relErr(fbpArray(ellipsesSinogram(e, g), 1, g, { backprojector: 'pixel' }), phantom);
    // scikit-image iradon on the same analytic sinogram: 0.2383 (see fbp.test.ts); adjoint FBP: 0.195.
    expect(analytic, `analytic: ${analytic}`).toBeLessThan(0.185);
  });

  it('tfjs and typed-array paths agree, gradients are B^T G^T, and bad values are rejected', () => {
    const g = makeGeometry({ size: 64, views: 17 });
    const op = new RadonOperator(g);
    const yv = randn('pfbp', 17 * g.detectors);
    const y = tf.tensor4d(yv, [1, 17, g.detectors, 1]);
    const before = tf.memory().numTensors;
    const t = op.fbp(y, { backprojector: 'pixel', filter: 'hamming' });
    expect(
      relErr(t.dataSync(), fbpArray(yv, 1, g, { backprojector: 'pixel', filter: 'hamming' })),
    ).toBeLessThan(1e-5);
    // <FBP y, c> = <y, FBP^T c>: the gradient of the linear map is its transpose.
    const c = tf.tensor4d(randn('pfbp-c', 64 * 64), [1, 64, 64, 1]);
    const gr = tf.grad((z: tf.Tensor) =>
      op.fbp(z as tf.Tensor4D, { backprojector: 'pixel', filter: 'hamming' }),
    )(y, c);
    const lhs = dot(t.dataSync(), c.dataSync());
    const rhs = dot(yv, gr.dataSync());
    expect(Math.abs(lhs - rhs) / Math.abs(lhs)).toBeLessThan(1e-4);
    tf.dispose([t, c, gr]);
    expect(tf.memory().numTensors).toBe(before);
    expect(() => op.fbp(y, { backprojector: 'ray' as never })).toThrow(UsageError);
    expect(() => op.fbp(y, { backprojector: 'ray' as never })).toThrow(
      'radon.fbp: unknown backprojector "ray": choose one of adjoint, pixel',
    );
    expect(() => fbpArray(yv, 1, g, { backprojector: 'ray' as never })).toThrow(
      /fbpArray: unknown backprojector/,
    );
    y.dispose();
    // The ramp filter is shared: B(G y) with the typed-array filter equals fbpArray.
    const viaParts = tf.tidy(() =>
      op.pixelBackproject(tf.tensor4d(rampFilterArray(yv, 1, g), [1, 17, g.detectors, 1])).dataSync(),
    );
    expect(relErr(viaParts, fbpArray(yv, 1, g, { backprojector: 'pixel' }))).toBeLessThan(1e-6);
  });
});
