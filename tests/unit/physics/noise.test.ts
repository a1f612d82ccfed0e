import { beforeAll, describe, expect, it } from 'vitest';
import { InputError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { createRng } from '../../../src/main/engine/random';
import {
  DEFAULT_PIXEL_SIZE_MM,
  MU_WATER_PER_MM,
  addGaussianNoise,
  addGaussianNoiseTensor,
  addPoissonNoise,
  addPoissonNoiseTensor,
  addPoissonNoiseWithStats,
  gaussianNoiseSigma,
  pixelSizeFromFov,
  poissonNoiseVariance,
} from '../../../src/main/engine/physics/noise';

beforeAll(async () => {
  await initBackend({ backend: 'cpu' });
});

function meanVar(a: ArrayLike<number>, from = 0, to = a.length): [number, number] {
  const n = to - from;
  let m = 0;
  for (let k = from; k < to; k++) m += a[k] / n;
  let v = 0;
  for (let k = from; k < to; k++) v += (a[k] - m) ** 2 / (n - 1);
  return [m, v];
}

describe('addGaussianNoise', () => {
  const n = 100_000;
  const y = new Float32Array(n);
  for (let k = 0; k < n; k++) y[k] = 50 + 30 * Math.sin(k / 100);

  it('adds zero-mean noise of the requested sigma and leaves y untouched', () => {
    const copy = y.slice();
    const out = addGaussianNoise(y, { sigma: 0.7 }, 1);
    expect(y).toEqual(copy);
    const e = out.map((v, k) => v - y[k]);
    const [m, v] = meanVar(e);
    expect(Math.abs(m)).toBeLessThan((5 * 0.7) / Math.sqrt(n));
    // SE of a sample variance of normals: sigma^2 sqrt(2 / n); float32 rounding of y + e adds ~1e-12.
    expect(Math.abs(v - 0.49)).toBeLessThan(5 * 0.49 * Math.sqrt(2 / n));
  });

  it('relative level: sigma = r * ||y|| / sqrt(n)', () => {
    let ss = 0;
    for (const x of y) ss += x * x;
    const expected = 0.02 * Math.sqrt(ss / n);
    expect(gaussianNoiseSigma(y, { relative: 0.02 })).toBeCloseTo(expected, 10);
    const out = addGaussianNoise(y, { relative: 0.02 }, 'r');
    const [, v] = meanVar(out.map((x, k) => x - y[k]));
    expect(Math.abs(Math.sqrt(v) / expected - 1)).toBeLessThan(5 * Math.sqrt(1 / (2 * n)));
  });

  it('is deterministic per seed and continues a passed generator', () => {
    const small = y.subarray(0, 100);
    expect(addGaussianNoise(small, { sigma: 1 }, 9)).toEqual(addGaussianNoise(small, { sigma: 1 }, 9));
    expect(addGaussianNoise(small, { sigma: 1 }, 9)).not.toEqual(addGaussianNoise(small, { sigma: 1 }, 10));
    const r = createRng(9);
    const a = addGaussianNoise(small, { sigma: 1 }, r);
    const b = addGaussianNoise(small, { sigma: 1 }, r);
    expect(a).toEqual(addGaussianNoise(small, { sigma: 1 }, 9));
    expect(b).not.toEqual(a);
  });

  it('rejects bad levels and non-finite measurements', () => {
    expect(() => addGaussianNoise(y, { sigma: -1 }, 0)).toThrow(UsageError);
    expect(() => addGaussianNoise(y, { relative: NaN }, 0)).toThrow(/relative level/);
    expect(() => addGaussianNoise(new Float32Array([1, NaN]), { sigma: 1 }, 0)).toThrow(InputError);
    expect(() => addGaussianNoise(new Float32Array([1, NaN]), { sigma: 1 }, 0)).toThrow(
      /measurement 1 is NaN/,
    );
  });
});

describe('addPoissonNoise', () => {
  const scale = MU_WATER_PER_MM * DEFAULT_PIXEL_SIZE_MM;
  // Water paths of 0, 100, 300 and 500 pixels (p = 0 ... 4.8), 20000 repeats each.
  const levels = [0, 100, 300, 500];
  const reps = 20_000;
  const y = new Float32Array(levels.length * reps);
  levels.forEach((l, b) => y.fill(l, b * reps, (b + 1) * reps));

  it('has the delta-method variance 1 / (I0 exp(-p)) in physical units and the matching mean', () => {
    for (const I0 of [1e4, 1e5]) {
      const out = addPoissonNoise(y, { I0 }, `poisson-${I0}`);
      const predicted = poissonNoiseVariance(y, { I0 });
      levels.forEach((l, b) => {
        const [m, v] = meanVar(out, b * reps, (b + 1) * reps);
        const p = l * scale;
        const lambda = I0 * Math.exp(-p);
        const varP = v * scale * scale; // physical units
        const msg = `I0 ${I0}, p ${p.toFixed(2)}, expected count ${lambda.toFixed(0)}: var ${varP} vs ${1 / lambda}`;
        // SE of the sample variance ~ sqrt(2 / reps) = 1%; delta-method error O(1 / lambda) <= 0.2%.
        expect(Math.abs(varP * lambda - 1), msg).toBeLessThan(0.05);
        expect(Math.abs(predicted[b * reps] / v - 1), msg).toBeLessThan(0.05);
        // E[p'] = p + 1 / (2 lambda) + O(lambda^-2); SE of the mean sqrt(1 / (lambda reps)).
        const biasP = m * scale - p;
        expect(Math.abs(biasP - 1 / (2 * lambda)), msg).toBeLessThan(
          5 * Math.sqrt(1 / (lambda * reps)) + 2 / lambda ** 2,
        );
      });
    }
  });

  it('handles zero counts with the documented floor and reports them', () => {
    const deep = new Float32Array(1000).fill(3000); // p = 28.8: expected count 3e-9 at I0 1e4
    const { y: out, zeroCounts } = addPoissonNoiseWithStats(deep, { I0: 1e4 }, 3);
    expect(zeroCounts).toBe(1000);
    const capped = Math.log(1e4 / 0.5) / scale;
    for (const v of out) expect(v).toBeCloseTo(capped, 3);
    const floor1 = addPoissonNoise(deep, { I0: 1e4, zeroCountFloor: 1 }, 3);
    expect(floor1[0]).toBeCloseTo(Math.log(1e4) / scale, 3);
  });

  it('uses muWater and pixelSizeMm to turn measurements into physical line integrals', () => {
    const yy = new Float32Array(50_000).fill(100);
    const opts = { I0: 1e5, muWater: 0.02, pixelSizeMm: pixelSizeFromFov(300, 256) };
    const s = 0.02 * (300 / 256);
    const [m, v] = meanVar(addPoissonNoise(yy, opts, 4));
    const lambda = 1e5 * Math.exp(-100 * s);
    expect(Math.abs(m * s - 100 * s)).toBeLessThan(5 * Math.sqrt(1 / (lambda * yy.length)) + 1 / lambda);
    expect(Math.abs(v * s * s * lambda - 1)).toBeLessThan(0.05);
    expect(poissonNoiseVariance(yy, opts)[0]).toBeCloseTo(1 / (lambda * s * s), 3);
  });

  it('is deterministic per seed', () => {
    const small = y.subarray(reps - 50, reps + 50);
    expect(addPoissonNoise(small, { I0: 1e4 }, 'a')).toEqual(addPoissonNoise(small, { I0: 1e4 }, 'a'));
    expect(addPoissonNoise(small, { I0: 1e4 }, 'a')).not.toEqual(addPoissonNoise(small, { I0: 1e4 }, 'b'));
  });

  it('rejects bad options with their names', () => {
    const s = new Float32Array([1, 2]);
    expect(() => addPoissonNoise(s, { I0: 0 }, 0)).toThrow(/I0 must be > 0/);
    expect(() => addPoissonNoise(s, { I0: 1e4, pixelSizeMm: -1 }, 0)).toThrow(/pixelSizeMm/);
    expect(() => addPoissonNoise(s, { I0: 1e4, muWater: 0 }, 0)).toThrow(/muWater/);
    expect(() => addPoissonNoise(s, { I0: 1e4, zeroCountFloor: 2 }, 0)).toThrow(/zeroCountFloor/);
    expect(() => addPoissonNoise(new Float32Array([Infinity]), { I0: 1e4 }, 0)).toThrow(InputError);
  });
});

describe('tensor wrappers', () => {
  it('keep the shape, match the array forms item by item, and leak nothing', () => {
    const B = 3;
    const per = 4 * 6;
    const data = new Float32Array(B * per);
    for (let k = 0; k < data.length; k++) data[k] = (k % per) * (1 + Math.floor(k / per));
    const y = tf.tensor4d(data, [B, 4, 6, 1]);
    const before = tf.memory().numTensors;
    const g = addGaussianNoiseTensor(y, { relative: 0.1 }, 5);
    const p = addPoissonNoiseTensor(y, { I0: 1e4 }, 5);
    expect(tf.memory().numTensors).toBe(before + 2);
    expect(g.shape).toEqual([B, 4, 6, 1]);
    const gd = g.dataSync();
    const pd = p.dataSync();
    const rg = createRng(5);
    const rp = createRng(5);
    for (let b = 0; b < B; b++) {
      const item = data.subarray(b * per, (b + 1) * per);
      // A relative level is relative to each item's own RMS.
      expect(Array.from(gd.subarray(b * per, (b + 1) * per))).toEqual(
        Array.from(addGaussianNoise(item, { relative: 0.1 }, rg)),
      );
      expect(Array.from(pd.subarray(b * per, (b + 1) * per))).toEqual(
        Array.from(addPoissonNoise(item, { I0: 1e4 }, rp)),
      );
    }
    tf.dispose([y, g, p]);
    const scalar = tf.scalar(1);
    expect(() => addGaussianNoiseTensor(scalar, { sigma: 1 }, 0)).toThrow(/expected a batched tensor/);
    scalar.dispose();
  });
});
