import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, ShapeError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { createRng } from '../../../src/main/engine/random';
import { randomEllipses, rasterizeEllipses } from '../../../src/main/engine/physics/phantoms';
import {
  gaussianWindow1d,
  mse,
  mseTensor,
  nmse,
  nmseTensor,
  psnr,
  psnrTensor,
  ssim,
  ssimMapTensor,
  ssimTensor,
} from '../../../src/main/engine/metrics';
import { mseRef, nmseRef, psnrRef, ssimRef } from './reference';

/** A seeded pair [H, W]: a random-ellipse phantom (resampled to H x W) and a noisy, slightly scaled copy. */
function pair(seed: number, H: number, W: number, noise = 0.05): { ref: Float32Array; test: Float32Array } {
  const N = Math.max(H, W);
  const full = rasterizeEllipses(randomEllipses(seed), N, 2);
  const ref = new Float32Array(H * W);
  for (let i = 0; i < H; i++) for (let j = 0; j < W; j++) ref[i * W + j] = full[i * N + j];
  const rng = createRng(seed).fork('metrics-test');
  const test = ref.map((v) => 0.97 * v + 0.01 + rng.normal(0, noise));
  return { ref, test };
}

function batch(images: Float32Array[], H: number, W: number): tf.Tensor4D {
  const data = new Float32Array(images.length * H * W);
  images.forEach((im, b) => data.set(im, b * H * W));
  return tf.tensor4d(data, [images.length, H, W, 1]);
}

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`metrics on the ${backend} backend`, () => {
    beforeAll(async () => {
      await initBackend({ backend });
    });

    const H = 24;
    const W = 20;
    const pairs = [pair(1, H, W), pair(2, H, W, 0.2), pair(3, H, W, 0.01)];
    const refs = pairs.map((p) => p.ref);
    const tests = pairs.map((p) => p.test);

    it('psnr, ssim, mse and nmse match the brute-force float64 definitions per image', () => {
      expect(tf.getBackend()).toBe(backend);
      const ref = batch(refs, H, W);
      const test = batch(tests, H, W);
      const before = tf.memory().numTensors;
      const p = psnr(ref, test);
      const s = ssim(ref, test);
      const m = mse(test, ref);
      const n = nmse(test, ref);
      const pGiven = psnr(ref, test, { dataRange: 2 });
      const sGiven = ssim(ref, test, { dataRange: 2 });
      expect(tf.memory().numTensors).toBe(before);
      for (let b = 0; b < pairs.length; b++) {
        const msg = `${backend}, image ${b}`;
        expect(Math.abs(p[b] - psnrRef(refs[b], tests[b])), msg).toBeLessThan(1e-4);
        expect(Math.abs(pGiven[b] - psnrRef(refs[b], tests[b], 2)), msg).toBeLessThan(1e-4);
        expect(Math.abs(s[b] - ssimRef(refs[b], tests[b], H, W).mean), msg).toBeLessThan(2e-6);
        expect(Math.abs(sGiven[b] - ssimRef(refs[b], tests[b], H, W, 2).mean), msg).toBeLessThan(2e-6);
        expect(m[b] / mseRef(tests[b], refs[b]) - 1, msg).toBeCloseTo(0, 5);
        expect(n[b] / nmseRef(tests[b], refs[b]) - 1, msg).toBeCloseTo(0, 5);
      }
      tf.dispose([ref, test]);
    });

    it('ssimMapTensor is the SSIM of every valid window position', () => {
      const ref = batch(refs.slice(0, 1), H, W);
      const test = batch(tests.slice(0, 1), H, W);
      const map = ssimMapTensor(ref, test);
      expect(map.shape).toEqual([1, H - 10, W - 10, 1]);
      const got = map.dataSync();
      const want = ssimRef(refs[0], tests[0], H, W).map;
      let worst = 0;
      for (let k = 0; k < want.length; k++) worst = Math.max(worst, Math.abs(got[k] - want[k]));
      expect(worst).toBeLessThan(1e-5);
      tf.dispose([ref, test, map]);
    });

    it('the tensor forms are differentiable: gradients match finite differences of the references', () => {
      const h = 12;
      const w = 13;
      const { ref: r0, test: t0 } = pair(4, h, w, 0.1);
      const ref = tf.tensor4d(r0, [1, h, w, 1]);
      const test = tf.tensor4d(t0, [1, h, w, 1]);
      const before = tf.memory().numTensors;
      const grads = {
        ssim: tf.grad((t: tf.Tensor) => tf.sum(ssimTensor(ref, t)))(test),
        psnr: tf.grad((t: tf.Tensor) => tf.sum(psnrTensor(ref, t)))(test),
        mse: tf.grad((t: tf.Tensor) => tf.sum(mseTensor(t, ref)))(test),
        nmse: tf.grad((t: tf.Tensor) => tf.sum(nmseTensor(t, ref)))(test),
      };
      expect(tf.memory().numTensors).toBe(before + 4);
      const R = (() => {
        let lo = Infinity;
        let hi = -Infinity;
        for (const v of r0) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
        return hi - lo;
      })();
      const refs64 = Float64Array.from(r0);
      const fns: Record<keyof typeof grads, (t: Float64Array) => number> = {
        ssim: (t) => ssimRef(refs64, t, h, w, R).mean,
        psnr: (t) => psnrRef(refs64, t, R),
        mse: (t) => mseRef(t, refs64),
        nmse: (t) => nmseRef(t, refs64),
      };
      for (const key of Object.keys(grads) as (keyof typeof grads)[]) {
        const g = grads[key].dataSync();
        let scale = 0;
        for (const v of g) scale = Math.max(scale, Math.abs(v));
        for (const k of [0, 14, 40, 77, 90, h * w - 1]) {
          const tp = Float64Array.from(t0);
          const tm = Float64Array.from(t0);
          const eps = 1e-5;
          tp[k] += eps;
          tm[k] -= eps;
          const fd = (fns[key](tp) - fns[key](tm)) / (2 * eps);
          expect(Math.abs(g[k] - fd), `${backend} d${key}/dtest[${k}]: ${g[k]} vs ${fd}`).toBeLessThan(
            2e-3 * scale,
          );
        }
      }
      tf.dispose([ref, test, ...Object.values(grads)]);
    });

    it('identical images: PSNR +Infinity, SSIM exactly 1, MSE and NMSE 0', () => {
      const ref = batch(refs.slice(0, 2), H, W);
      expect(Array.from(psnr(ref, ref))).toEqual([Infinity, Infinity]);
      expect(Array.from(ssim(ref, ref))).toEqual([1, 1]);
      expect(Array.from(mse(ref, ref))).toEqual([0, 0]);
      expect(Array.from(nmse(ref, ref))).toEqual([0, 0]);
      ref.dispose();
    });

    it('a constant reference is an InputError naming the image unless dataRange is given', () => {
      const flat = new Float32Array(H * W).fill(0.5);
      const ref = batch([refs[0], flat], H, W);
      const test = batch([tests[0], tests[1]], H, W);
      const before = tf.memory().numTensors;
      expect(() => psnr(ref, test)).toThrow(InputError);
      expect(() => psnr(ref, test)).toThrow(/psnr: reference image 1 has data range 0.*pass dataRange/);
      expect(() => ssimTensor(ref, test)).toThrow(/ssim: reference image 1 has data range 0/);
      expect(tf.memory().numTensors).toBe(before);
      const s = ssim(ref, test, { dataRange: 1 });
      expect(s[1]).toBeCloseTo(ssimRef(flat, tests[1], H, W, 1).mean, 5);
      expect(() => psnr(ref, test, { dataRange: 0 })).toThrow(UsageError);
      expect(() => nmse(test, batch([flat, new Float32Array(H * W)], H, W))).toThrow(
        /nmse: reference item 1/,
      );
      tf.dispose([ref, test]);
    });

    it('shape errors name the op and both shapes; SSIM needs 11x11', () => {
      const a = tf.zeros([1, 16, 16, 1]);
      const b = tf.zeros([1, 16, 15, 1]);
      const c = tf.zeros([16, 16]);
      const small = tf.ones([2, 10, 30, 1]);
      expect(() => psnr(a, b)).toThrow(ShapeError);
      expect(() => psnr(a, b)).toThrow('psnr: shapes differ: [1,16,16,1] vs [1,16,15,1]');
      expect(() => ssim(a, b)).toThrow('ssim: shapes differ');
      expect(() => mse(a, b)).toThrow('mse: shapes differ');
      expect(() => nmseTensor(a, b)).toThrow('nmse: shapes differ');
      expect(() => psnr(c, c)).toThrow('psnr: expected ref of shape [B,H,W,1], got [16,16]');
      expect(() => ssim(small, small)).toThrow(
        'ssim: images must be at least 11x11 (the Gaussian window), got 10x30',
      );
      tf.dispose([a, b, c, small]);
    });
  });
}

describe('gaussianWindow1d', () => {
  it('is the normalized 11-tap Gaussian of sigma 1.5', () => {
    const g = gaussianWindow1d();
    expect(g).toHaveLength(11);
    expect(g.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    expect(g[5] / g[4]).toBeCloseTo(Math.exp(1 / (2 * 2.25)), 5);
    expect(g[0]).toBeCloseTo(g[10], 7);
  });
});
