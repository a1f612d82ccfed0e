/**
 * The WGSL projector kernels (physics/radon-webgpu.ts) on the webgpu backend against the cpu backend, which
 * runs the float64 loops of radon-joseph.ts / radon-pixel.ts:
 *  - A, A^T, B, B^T and FBP give the cpu backend's values (relative L2 1e-4: the GPU evaluates the ray
 *    coordinates in float32, ~1e-5 pixel off at N 128, which moves interpolation weights by as much);
 *  - each pair is an exact transpose on the GPU: |<A x, y> - <x, A^T y>| <= 1e-5 ||A x|| ||y|| in float32
 *    (the shaders evaluate the same coordinate expression, only summation order differs);
 *  - gradients through the ops are the transposes (tf.customGrad), batches work, nothing leaks.
 * Runs on a GPU, or on SwiftShader in CI; skips with the reason printed where there is no adapter.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { RadonOperator, makePhantom } from '../../../src/main/engine/physics';
import { dot, norm, randn, relErr } from '../helpers/arrays';
import { webgpuUnavailable } from '../helpers/webgpu';

const skipReason = await webgpuUnavailable();

const CASES: { label: string; g: Geometry }[] = [
  { label: 'N 32, 1 view', g: makeGeometry({ size: 32, views: 1 }) },
  { label: 'N 64, 17 views', g: makeGeometry({ size: 64, views: 17 }) },
  // 36 views: one at exactly 90 degrees (cos ~ 6e-17: the pixel-driven pair's degenerate slope).
  { label: 'N 64, 36 views', g: makeGeometry({ size: 64, views: 36 }) },
  { label: 'N 48, 20 views, spacing 0.7', g: makeGeometry({ size: 48, views: 20, detectorSpacing: 0.7 }) },
  {
    label: 'N 40, 15 views, spacing 2, 31 bins',
    g: makeGeometry({ size: 40, views: 15, detectorSpacing: 2, detectors: 31 }),
  },
  { label: 'N 128, 143 views', g: makeGeometry({ size: 128, views: 143 }) },
];

type Outputs = Record<'A' | 'AT' | 'B' | 'BT' | 'fbpPixel' | 'fbpAdjoint', Float32Array>;

/** Every projector output for x (a phantom) and y = its sinogram, read back, on the active backend. */
function project(g: Geometry, xv: Float32Array, yv: Float32Array, batch = 1): Outputs {
  const op = new RadonOperator(g);
  return tf.tidy(() => {
    const x = tf.tensor4d(xv, [batch, g.size, g.size, 1]);
    const y = tf.tensor4d(yv, [batch, g.views, g.detectors, 1]);
    const bT = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(op.pixelBackproject(q as tf.Tensor4D), x)))(y);
    return {
      A: op.forward(x).dataSync() as Float32Array,
      AT: op.adjoint(y).dataSync() as Float32Array,
      B: op.pixelBackproject(y).dataSync() as Float32Array,
      BT: bT.dataSync() as Float32Array,
      fbpPixel: op.fbp(y, { filter: 'hann' }).dataSync() as Float32Array,
      fbpAdjoint: op.fbp(y, { backprojector: 'adjoint' }).dataSync() as Float32Array,
    };
  });
}

function phantomAndSinogram(g: Geometry, seed: number, batch = 1): { xv: Float32Array; yv: Float32Array } {
  const xv = new Float32Array(batch * g.size * g.size);
  for (let b = 0; b < batch; b++)
    xv.set(makePhantom('ellipses', g.size, { seed: seed + b }).image, b * g.size ** 2);
  const yv = tf.tidy(
    () =>
      new RadonOperator(g).forward(tf.tensor4d(xv, [batch, g.size, g.size, 1])).dataSync() as Float32Array,
  );
  return { xv, yv };
}

describe.skipIf(skipReason !== undefined)('WGSL projector kernels on webgpu', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'webgpu' });
  });

  for (const { label, g } of CASES) {
    it(`A, A^T, B, B^T and FBP equal the cpu backend (${label})`, async () => {
      await initBackend({ backend: 'cpu' });
      const { xv, yv } = phantomAndSinogram(g, 7);
      const ref = project(g, xv, yv);
      await initBackend({ backend: 'webgpu' });
      project(g, xv, yv); // warm-up: shaders compiled, view tables uploaded (kept per geometry)
      const t0 = tf.memory().numTensors;
      const ids0 = tf.backend().numDataIds();
      const got = project(g, xv, yv);
      for (const k of Object.keys(ref) as (keyof Outputs)[]) {
        expect(relErr(got[k], ref[k]), `${k} (${label})`).toBeLessThanOrEqual(1e-4);
      }
      expect(
        [tf.memory().numTensors - t0, tf.backend().numDataIds() - ids0],
        'tensors, data ids left',
      ).toEqual([0, 0]);
    });

    it(`each pair is an exact transpose in float32 (${label})`, async () => {
      await initBackend({ backend: 'webgpu' });
      const op = new RadonOperator(g);
      const n = g.size * g.size;
      const m = g.views * g.detectors;
      const xv = randn(`x/${label}`, n);
      const yv = randn(`y/${label}`, m);
      const [ax, aty, by, btx] = tf.tidy(() => {
        const x = tf.tensor4d(xv, [1, g.size, g.size, 1]);
        const y = tf.tensor4d(yv, [1, g.views, g.detectors, 1]);
        const btxT = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(op.pixelBackproject(q as tf.Tensor4D), x)))(y);
        return [op.forward(x), op.adjoint(y), op.pixelBackproject(y), btxT].map(
          (t) => t.dataSync() as Float32Array,
        );
      });
      const gapA = Math.abs(dot(ax, yv) - dot(xv, aty)) / (norm(ax) * norm(yv));
      const gapB = Math.abs(dot(by, xv) - dot(yv, btx)) / (norm(by) * norm(xv));
      expect(gapA, `<Ax,y> vs <x,A^T y> (${label})`).toBeLessThanOrEqual(1e-5);
      expect(gapB, `<By,x> vs <y,B^T x> (${label})`).toBeLessThanOrEqual(1e-5);
    });
  }

  it('gradients through A and A^T are A^T and A; batches of 2 match item by item', async () => {
    await initBackend({ backend: 'webgpu' });
    const g = makeGeometry({ size: 48, views: 30 });
    const op = new RadonOperator(g);
    const { xv, yv } = phantomAndSinogram(g, 11, 2);
    const w = randn('w', yv.length);
    const t0 = tf.memory().numTensors;
    const [gradA, atw, gradAT, ax] = tf.tidy(() => {
      const x = tf.tensor4d(xv, [2, g.size, g.size, 1]);
      const wt = tf.tensor4d(w, [2, g.views, g.detectors, 1]);
      const gA = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(op.forward(a as tf.Tensor4D), wt)))(x);
      const gAT = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(op.adjoint(q as tf.Tensor4D), x)))(wt);
      return [gA, op.adjoint(wt), gAT, op.forward(x)].map((t) => t.dataSync() as Float32Array);
    });
    expect(relErr(gradA, atw)).toBeLessThanOrEqual(1e-6);
    expect(relErr(gradAT, ax)).toBeLessThanOrEqual(1e-6);
    const single = project(g, xv.subarray(g.size ** 2), yv.subarray(yv.length / 2));
    const both = project(g, xv, yv, 2);
    expect(relErr(both.A.subarray(both.A.length / 2), single.A)).toBeLessThanOrEqual(1e-6);
    expect(relErr(both.B.subarray(both.B.length / 2), single.B)).toBeLessThanOrEqual(1e-6);
    expect(tf.memory().numTensors).toBe(t0);
  });
});
