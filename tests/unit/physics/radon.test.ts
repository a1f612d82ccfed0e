import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { ShapeError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  RadonOperator,
  computeOpNormSq,
  opNormSq,
  frobeniusNormSq,
  radonAdjointArray,
  radonForwardArray,
} from '../../../src/main/engine/physics';
import { randn, dot, norm } from '../helpers/arrays';

const SIZES = [32, 64, 128];
const VIEWS = [1, 17, 143];
const CASES = SIZES.flatMap((N) => VIEWS.map((A) => ({ N, A })));

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Joseph's method written the slow, obvious way (per ray, per line, explicit bounds checks, image zero
 * outside), independently of the planned fast loops: same discretization, different code.
 */
function naiveJoseph(x: Float32Array, g: Geometry): Float64Array {
  const N = g.size;
  const D = g.detectors;
  const half = (N - 1) / 2;
  const px = (i: number, j: number): number => (i >= 0 && i < N && j >= 0 && j < N ? x[i * N + j] : 0);
  const out = new Float64Array(g.views * D);
  for (let k = 0; k < g.views; k++) {
    const t = (k * Math.PI) / g.views;
    const c = Math.cos(t);
    const s = Math.sin(t);
    for (let d = 0; d < D; d++) {
      const sd = (d - (D - 1) / 2) * g.detectorSpacing;
      let sum = 0;
      if (Math.abs(c) >= Math.abs(s)) {
        for (let i = 0; i < N; i++) {
          const v = half - i;
          const jf = (sd - v * s) / c + half; // continuous column index
          const j0 = Math.floor(jf);
          const w = jf - j0;
          sum += (1 - w) * px(i, j0) + w * px(i, j0 + 1);
        }
        out[k * D + d] = sum / Math.abs(c);
      } else {
        for (let j = 0; j < N; j++) {
          const u = j - half;
          const fi = half - (sd - u * c) / s; // continuous row index
          const i0 = Math.floor(fi);
          const w = fi - i0;
          sum += (1 - w) * px(i0, j) + w * px(i0 + 1, j);
        }
        out[k * D + d] = sum / Math.abs(s);
      }
    }
  }
  return out;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('RadonOperator: adjointness', () => {
  for (const { N, A } of CASES) {
    it(`<Ax, y> = <x, A^T y> (N ${N}, views ${A}, batch 2)`, () => {
      const g = makeGeometry({ size: N, views: A });
      const op = new RadonOperator(g);
      const B = 2;
      const xv = randn(`adj-x/${N}/${A}`, B * N * N);
      const yv = randn(`adj-y/${N}/${A}`, B * A * g.detectors);
      const x = tf.tensor4d(xv, [B, N, N, 1]);
      const y = tf.tensor4d(yv, [B, A, g.detectors, 1]);
      const Ax = op.forward(x);
      const Aty = op.adjoint(y);
      const AxV = Ax.dataSync();
      const AtyV = Aty.dataSync();
      tf.dispose([x, y, Ax, Aty]);
      // Both sides are the same sums of products in a different order; the loops accumulate in Float64,
      // so the only error is the final rounding of A x and A^T y to float32 (relative 2^-24 each):
      // |<Ax,y> - <x,A^T y>| <= ~2 * 6e-8 * ||Ax|| ||y|| in the worst case. 1e-5 leaves a 100x margin
      // while any indexing bug (a missing or misplaced weight) shows up at 1e-3 or more.
      const lhs = dot(AxV, yv);
      const rhs = dot(xv, AtyV);
      const rel = Math.abs(lhs - rhs) / (norm(AxV) * norm(yv));
      expect(rel, `N ${N}, views ${A}: <Ax,y> ${lhs} vs <x,A^T y> ${rhs}, rel ${rel}`).toBeLessThanOrEqual(
        1e-5,
      );
      expect(norm(AxV), `N ${N}, views ${A}: A x is zero`).toBeGreaterThan(0);
    });
  }

  it('the adjoint of the adjoint is the operator (N 64, views 17)', () => {
    const g = makeGeometry({ size: 64, views: 17 });
    const op = new RadonOperator(g);
    const adj = op.adjointOperator();
    expect(adj.adjointOperator()).toBe(op);
    expect(adj.domainShape).toEqual([17, g.detectors, 1]);
    expect(adj.rangeShape).toEqual([64, 64, 1]);
    const x = tf.tensor4d(randn('aa-x', 64 * 64), [1, 64, 64, 1]);
    const y = tf.tensor4d(randn('aa-y', 17 * g.detectors), [1, 17, g.detectors, 1]);
    const a1 = adj.adjoint(x);
    const a2 = op.forward(x);
    const b1 = adj.forward(y);
    const b2 = op.adjoint(y);
    expect(Array.from(a1.dataSync())).toEqual(Array.from(a2.dataSync()));
    expect(Array.from(b1.dataSync())).toEqual(Array.from(b2.dataSync()));
    // (A^T)^T = A through the adjoint test of the adjoint operator: <A^T y, x> = <y, (A^T)^T x>.
    const lhs = dot(b1.dataSync(), x.dataSync());
    const rhs = dot(y.dataSync(), a1.dataSync());
    expect(Math.abs(lhs - rhs) / (norm(b1.dataSync()) * norm(x.dataSync()))).toBeLessThanOrEqual(1e-5);
    tf.dispose([x, y, a1, a2, b1, b2]);
  });
});

describe('RadonOperator: batches and the typed-array API', () => {
  for (const { N, A } of CASES) {
    it(`batched equals per-slice and equals the typed-array API (N ${N}, views ${A})`, () => {
      const g = makeGeometry({ size: N, views: A });
      const op = new RadonOperator(g);
      const B = 3;
      const xv = randn(`batch-x/${N}/${A}`, B * N * N);
      const yv = randn(`batch-y/${N}/${A}`, B * A * g.detectors);
      const Ax = tf.tidy(() => op.forward(tf.tensor4d(xv, [B, N, N, 1])).dataSync());
      const Aty = tf.tidy(() => op.adjoint(tf.tensor4d(yv, [B, A, g.detectors, 1])).dataSync());
      const sx = N * N;
      const sy = A * g.detectors;
      for (let b = 0; b < B; b++) {
        const one = tf.tidy(() =>
          op.forward(tf.tensor4d(xv.subarray(b * sx, (b + 1) * sx), [1, N, N, 1])).dataSync(),
        );
        expect(
          maxAbsDiff(one, Ax.subarray(b * sy, (b + 1) * sy)),
          `forward slice ${b}, N ${N}, views ${A}`,
        ).toBe(0);
        const oneT = tf.tidy(() =>
          op.adjoint(tf.tensor4d(yv.subarray(b * sy, (b + 1) * sy), [1, A, g.detectors, 1])).dataSync(),
        );
        expect(
          maxAbsDiff(oneT, Aty.subarray(b * sx, (b + 1) * sx)),
          `adjoint slice ${b}, N ${N}, views ${A}`,
        ).toBe(0);
      }
      expect(maxAbsDiff(radonForwardArray(xv, B, g), Ax), `forward array API, N ${N}, views ${A}`).toBe(0);
      expect(maxAbsDiff(radonAdjointArray(yv, B, g), Aty), `adjoint array API, N ${N}, views ${A}`).toBe(0);
    });
  }
});

describe('Joseph forward projection against independent computations', () => {
  const geoms: { label: string; g: Geometry }[] = [
    { label: 'N 32, 17 views', g: makeGeometry({ size: 32, views: 17 }) },
    { label: 'N 33 (odd), 12 views (45 deg ties)', g: makeGeometry({ size: 33, views: 12 }) },
    {
      label: 'N 24, 7 views, spacing 0.7, 40 bins',
      g: makeGeometry({ size: 24, views: 7, detectorSpacing: 0.7, detectors: 40 }),
    },
    {
      label: 'N 24, 9 views, spacing 1.5, 21 bins',
      g: makeGeometry({ size: 24, views: 9, detectorSpacing: 1.5, detectors: 21 }),
    },
    {
      label: 'N 16, 5 views, 8 bins (truncated detector)',
      g: makeGeometry({ size: 16, views: 5, detectors: 8 }),
    },
  ];
  for (const { label, g } of geoms) {
    it(`equals a naive per-ray implementation (${label})`, () => {
      const x = randn(`naive/${label}`, g.size * g.size);
      const fast = radonForwardArray(x, 1, g);
      const ref = naiveJoseph(x, g);
      const err = maxAbsDiff(fast, ref) / Math.max(...Array.from(ref, Math.abs));
      expect(err, label).toBeLessThan(1e-6);
    });
  }

  it('view 0 is the column sums and view 90 deg the row sums, bottom row first (N 32, D 46)', () => {
    // N and D both even: detector centres fall on pixel centres, so Joseph's interpolation is exact.
    const g = makeGeometry({ size: 32, views: 2 });
    const N = 32;
    const D = g.detectors;
    expect(D).toBe(46);
    const x = randn('sums', N * N);
    const y = radonForwardArray(x, 1, g);
    const off = (D - N) / 2;
    for (let j = 0; j < N; j++) {
      let col = 0;
      for (let i = 0; i < N; i++) col += x[i * N + j];
      expect(y[off + j], `column ${j}`).toBeCloseTo(col, 4);
    }
    for (let r = 0; r < N; r++) {
      const i = N - 1 - r; // s = v increases upwards
      let row = 0;
      for (let j = 0; j < N; j++) row += x[i * N + j];
      expect(y[D + off + r], `row ${i}`).toBeCloseTo(row, 4);
    }
    for (const d of [0, off - 1, off + N, D - 1]) expect(y[d], `bin ${d} off the image`).toBe(0);
  });

  it('conserves mass: spacing * sum over bins = sum of pixels in every view (N 64, 17 views)', () => {
    const g = makeGeometry({ size: 64, views: 17, detectorSpacing: 0.8, detectors: 120 });
    // A smooth bump well inside the field of view: interpolation and sampling errors are negligible.
    const N = 64;
    const x = new Float32Array(N * N);
    let mass = 0;
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        const u = j - 31.5 - 3;
        const v = 31.5 - i + 2;
        x[i * N + j] = Math.exp(-(u * u + v * v) / (2 * 8 * 8));
        mass += x[i * N + j];
      }
    }
    const y = radonForwardArray(x, 1, g);
    for (let k = 0; k < g.views; k++) {
      let s = 0;
      for (let d = 0; d < g.detectors; d++) s += y[k * g.detectors + d];
      expect(Math.abs(s * g.detectorSpacing - mass) / mass, `view ${k}`).toBeLessThan(1e-4);
    }
  });
});

describe('backends and memory', () => {
  it('wasm and cpu give identical projections (same kernel code), and no tensors leak', async () => {
    const g = makeGeometry({ size: 64, views: 17 });
    const xv = randn('be-x', 2 * 64 * 64);
    const yv = randn('be-y', 2 * 17 * g.detectors);
    const results: Record<string, Float32Array[]> = {};
    for (const backend of ['wasm', 'cpu']) {
      await initBackend({ backend });
      expect(tf.getBackend()).toBe(backend);
      const op = new RadonOperator(g);
      const x = tf.tensor4d(xv, [2, 64, 64, 1]);
      const y = tf.tensor4d(yv, [2, 17, g.detectors, 1]);
      const before = tf.memory().numTensors;
      const Ax = op.forward(x);
      const Aty = op.adjoint(y);
      const fbp = op.fbp(y, { filter: 'hann', cutoff: 0.8 });
      const grad = tf.grad((z: tf.Tensor) =>
        op
          .forward(z as tf.Tensor4D)
          .square()
          .sum(),
      )(x);
      results[backend] = [Ax, Aty, fbp, grad].map((t) => t.dataSync() as Float32Array);
      tf.dispose([Ax, Aty, fbp, grad]);
      expect(tf.memory().numTensors, `${backend}: tensors leaked`).toBe(before);
      tf.dispose([x, y]);
    }
    const [w, c] = [results.wasm, results.cpu];
    expect(maxAbsDiff(w[0], c[0]), 'forward').toBe(0);
    expect(maxAbsDiff(w[1], c[1]), 'adjoint').toBe(0);
    // FBP filters with XNNPACK matMul on wasm and with the FFT kernel on cpu: equal to float rounding.
    expect(maxAbsDiff(w[2], c[2]) / norm(c[2]), 'fbp').toBeLessThan(1e-5);
    expect(maxAbsDiff(w[3], c[3]) / Math.max(...Array.from(c[3], Math.abs)), 'gradient').toBeLessThan(1e-5);
    await initBackend({ backend: 'wasm' });
  });

  it('accepts int32 input and a batch of one', () => {
    const g = makeGeometry({ size: 32, views: 5 });
    const op = new RadonOperator(g);
    const xi = tf.ones([1, 32, 32, 1], 'int32') as tf.Tensor4D;
    const before = tf.memory().numTensors;
    const y = op.forward(xi);
    expect(y.dtype).toBe('float32');
    expect(y.shape).toEqual([1, 5, g.detectors, 1]);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    xi.dispose();
  });
});

describe('input validation', () => {
  const g = makeGeometry({ size: 128, views: 17 });
  const op = new RadonOperator(g);
  const D = g.detectors;

  it('names the op and the bad shape', () => {
    const cases: [(t: tf.Tensor4D) => unknown, number[], string][] = [
      [(t) => op.forward(t), [128, 128], 'radon.forward: expected [B,128,128,1], got [128,128]'],
      [(t) => op.forward(t), [1, 64, 64, 1], 'radon.forward: expected [B,128,128,1], got [1,64,64,1]'],
      [(t) => op.forward(t), [1, 128, 128, 3], 'radon.forward: expected [B,128,128,1], got [1,128,128,3]'],
      [(t) => op.forward(t), [0, 128, 128, 1], 'radon.forward: expected [B,128,128,1], got [0,128,128,1]'],
      [(t) => op.adjoint(t), [1, 18, D, 1], `radon.adjoint: expected [B,17,${D},1], got [1,18,${D},1]`],
      [(t) => op.adjoint(t), [1, 128, 128, 1], `radon.adjoint: expected [B,17,${D},1], got [1,128,128,1]`],
      [(t) => op.fbp(t), [17, D], `radon.fbp: expected [B,17,${D},1], got [17,${D}]`],
      [
        (t) => op.rampFilter(t),
        [2, 17, D + 1, 1],
        `radon.rampFilter: expected [B,17,${D},1], got [2,17,${D + 1},1]`,
      ],
    ];
    for (const [f, shape, msg] of cases) {
      const t = tf.zeros(shape as [number, number, number, number]) as tf.Tensor4D;
      const before = tf.memory().numTensors;
      expect(() => f(t), msg).toThrow(ShapeError);
      expect(() => f(t), msg).toThrow(msg);
      expect(tf.memory().numTensors, `${msg}: tensors leaked`).toBe(before);
      t.dispose();
    }
  });

  it('rejects a bad filter name and an out-of-range cutoff', () => {
    const y = tf.zeros([1, 17, D, 1]) as tf.Tensor4D;
    expect(() => op.fbp(y, { filter: 'ramp' as never })).toThrow(UsageError);
    expect(() => op.fbp(y, { filter: 'ramp' as never })).toThrow(
      'radon.fbp: unknown filter "ramp": choose one of ram-lak, shepp-logan, cosine, hamming, hann',
    );
    for (const cutoff of [0, -0.5, 1.01, Number.NaN, Infinity]) {
      expect(() => op.fbp(y, { cutoff }), `cutoff ${cutoff}`).toThrow(
        /radon\.fbp: cutoff must be in \(0, 1\]/,
      );
    }
    y.dispose();
  });

  it('typed-array API rejects wrong lengths and batches', () => {
    expect(() => radonForwardArray(new Float32Array(100), 1, g)).toThrow(ShapeError);
    expect(() => radonForwardArray(new Float32Array(100), 1, g)).toThrow(
      'radonForwardArray: expected images [1,128,128] (16384 values), got 100 values',
    );
    expect(() => radonAdjointArray(new Float32Array(17 * D), 2, g)).toThrow(
      /radonAdjointArray: expected sinograms \[2,17,/,
    );
    expect(() => radonForwardArray(new Float32Array(0), 0, g)).toThrow(
      /batch must be a positive integer, got 0/,
    );
  });
});

describe('operator norm', () => {
  it('closed forms: one view at 0 deg gives N, views 0 and 90 deg give 2N (N 32, D 46)', () => {
    // A = column sums (A A^T = N I on the hit bins): ||A||^2 = N. Adding row sums: A^T A has the all-ones
    // image as top eigenvector with eigenvalue N + N.
    expect(opNormSq(makeGeometry({ size: 32, views: 1 }), 20)).toBeCloseTo(32, 6);
    expect(opNormSq(makeGeometry({ size: 32, views: 2 }), 20)).toBeCloseTo(64, 6);
  });

  it('bounds ||Ax||^2 / ||x||^2 for random and structured x and converges (N 64, 17 views)', () => {
    const g = makeGeometry({ size: 64, views: 17 });
    const r = computeOpNormSq(g, 40);
    expect(r.relChange).toBeLessThan(1e-6);
    for (const seed of ['a', 'b', 'c']) {
      const x = randn(`norm/${seed}`, 64 * 64);
      const q = dot(radonForwardArray(x, 1, g), radonForwardArray(x, 1, g)) / dot(x, x);
      expect(q, `seed ${seed}`).toBeLessThanOrEqual(r.normSq * (1 + 1e-6));
    }
    // The estimate is attained up to convergence: more iterations barely change it.
    expect(Math.abs(opNormSq(g, 80) - r.normSq) / r.normSq).toBeLessThan(1e-6);
    expect(() => opNormSq(g, 0)).toThrow(UsageError);
  });
});

describe('geometry validation', () => {
  it('rejects an invalid plain-data geometry in the operator and the array API', () => {
    const bad = { size: 0, views: 17, detectors: 10, detectorSpacing: 1 };
    expect(() => new RadonOperator(bad)).toThrow(UsageError);
    expect(() => new RadonOperator({ ...bad, size: 32, detectorSpacing: -1 })).toThrow(/detectorSpacing/);
    expect(() => radonForwardArray(new Float32Array(0), 1, bad)).toThrow(/geometry: size must be an integer/);
  });
});

describe('frobeniusNormSq', () => {
  it.each([
    [8, 5, 1],
    [12, 7, 1],
    [10, 9, 2],
  ])('N %i, %i views, spacing %d: the sum of every squared entry of A, by brute force', (N, A, spacing) => {
    const g = makeGeometry({ size: N, views: A, detectorSpacing: spacing });
    let brute = 0;
    const e = new Float32Array(N * N);
    for (let j = 0; j < N * N; j++) {
      e.fill(0);
      e[j] = 1;
      for (const v of radonForwardArray(e, 1, g)) brute += v * v;
    }
    expect(Math.abs(frobeniusNormSq(g) - brute) / brute).toBeLessThan(1e-6);
  });
});
