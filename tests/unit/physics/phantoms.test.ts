import { describe, expect, it } from 'vitest';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { ShapeError, UsageError } from '@shared/errors';
import {
  type Ellipse,
  type GaussianBlob,
  RANDOM_BLOB_RANGES,
  RANDOM_ELLIPSE_RANGES,
  blobsSinogram,
  ellipsesSinogram,
  makePhantom,
  randomBlobs,
  randomEllipses,
  rasterizeBlobs,
  rasterizeEllipses,
  sheppLoganEllipses,
} from '../../../src/main/engine/physics/phantoms';

// ---- Independent references: the continuous images as functions of pixel coordinates (u, v). ----

function ellipseValueAt(e: Ellipse[], N: number, u: number, v: number): number {
  // Membership written from the rotation matrix R(-phi) applied to (X - x0, Y - y0).
  let sum = 0;
  for (const el of e) {
    const X = u / (N / 2) - el.x0;
    const Y = v / (N / 2) - el.y0;
    const p = (el.phiDeg * Math.PI) / 180;
    const xr = Math.cos(p) * X + Math.sin(p) * Y;
    const yr = -Math.sin(p) * X + Math.cos(p) * Y;
    if ((xr / el.a) ** 2 + (yr / el.b) ** 2 <= 1) sum += el.value;
  }
  return sum;
}

function blobValueAt(b: GaussianBlob[], N: number, u: number, v: number): number {
  let sum = 0;
  for (const bl of b) {
    const r2 = (u / (N / 2) - bl.x0) ** 2 + (v / (N / 2) - bl.y0) ** 2;
    sum += bl.amplitude * Math.exp(-r2 / (2 * bl.sigma ** 2));
  }
  return sum;
}

/** Midpoint-rule integral of f along {u cos t + v sin t = s}, parametrized by arc length in pixels. */
function rayIntegral(
  f: (u: number, v: number) => number,
  theta: number,
  s: number,
  halfLength: number,
  dt: number,
) {
  const n = Math.round((2 * halfLength) / dt);
  const c = Math.cos(theta);
  const sn = Math.sin(theta);
  let acc = 0;
  for (let k = 0; k < n; k++) {
    const t = -halfLength + (k + 0.5) * dt;
    acc += f(s * c - t * sn, s * sn + t * c);
  }
  return acc * dt;
}

const testEllipses: Ellipse[] = [
  { value: 1, a: 0.6, b: 0.35, x0: 0.1, y0: -0.05, phiDeg: 0 },
  { value: -0.4, a: 0.2, b: 0.08, x0: -0.2, y0: 0.15, phiDeg: 33 },
  { value: 0.7, a: 0.12, b: 0.3, x0: 0.35, y0: 0.3, phiDeg: -71 },
];

describe('ellipsesSinogram (Kak & Slaney closed form)', () => {
  const N = 64;
  const g: Geometry = makeGeometry({ size: N, views: 12 });
  const sino = ellipsesSinogram(testEllipses, g);

  it('matches brute-force ray integration for several angles, offsets and rays that miss', () => {
    expect(sino.length).toBe(g.views * g.detectors);
    const f = (u: number, v: number) => ellipseValueAt(testEllipses, N, u, v);
    let misses = 0;
    for (const view of [0, 1, 3, 5, 8, 11]) {
      const theta = (view * Math.PI) / g.views;
      for (const d of [0, 7, 20, 33, 45, 52, 60, 75, g.detectors - 1]) {
        const s = d - (g.detectors - 1) / 2;
        const ref = rayIntegral(f, theta, s, N, 2e-3);
        const got = sino[view * g.detectors + d];
        if (ref === 0) misses++;
        // Midpoint rule on a step function: at most dt * |value| per boundary crossing (<= 6 crossings).
        expect(Math.abs(got - ref), `view ${view}, d ${d}, s ${s}: ${got} vs ${ref}`).toBeLessThan(
          6 * 2e-3 + 1e-4,
        );
      }
    }
    expect(misses).toBeGreaterThan(0);
  });

  it('is exactly zero for rays outside every ellipse', () => {
    expect(sino[0]).toBe(0);
    expect(sino[g.detectors - 1]).toBe(0);
  });

  it('agrees with column sums (theta 0) and row sums (theta 90 deg) of the supersampled raster', () => {
    // theta = 0: the strip |u - s| <= 1/2 is column j = d when D = N; theta = 90 deg: |v - s| <= 1/2 is
    // row i = N-1-d. A pixel sum is the strip integral, i.e. the sinogram averaged over the bin width:
    // sample the closed form on 64 sub-bins per bin and average them.
    const sub = 64;
    const gFine = makeGeometry({ size: N, views: 2, detectors: N * sub, detectorSpacing: 1 / sub });
    const fine = ellipsesSinogram(testEllipses, gFine);
    const img = rasterizeEllipses(testEllipses, N, 32);
    let worst = 0;
    for (let d = 0; d < N; d++) {
      let col = 0;
      let row = 0;
      for (let k = 0; k < N; k++) {
        col += img[k * N + d];
        row += img[(N - 1 - d) * N + k];
      }
      let strip0 = 0;
      let strip90 = 0;
      for (let q = 0; q < sub; q++) {
        strip0 += fine[d * sub + q] / sub;
        strip90 += fine[N * sub + d * sub + q] / sub;
      }
      worst = Math.max(worst, Math.abs(strip0 - col), Math.abs(strip90 - row));
    }
    // The raster estimates boundary-pixel areas from k x k samples; along an edge nearly parallel to the
    // strip these errors add up. Measured worst |error| over both views: 0.24 (k 4), 0.14 (8), 0.034 (16),
    // 0.0073 (32) px: it converges, so the two conventions agree.
    expect(worst).toBeLessThan(0.02);
  });
});

describe('blobsSinogram (Gaussian closed form)', () => {
  const N = 64;
  const g = makeGeometry({ size: N, views: 9 });
  const blobs: GaussianBlob[] = [
    { amplitude: 0.8, x0: 0.3, y0: -0.2, sigma: 0.07 },
    { amplitude: 0.5, x0: -0.4, y0: 0.35, sigma: 0.1 },
  ];
  const sino = blobsSinogram(blobs, g);

  it('matches brute-force ray integration, far tails included', () => {
    const f = (u: number, v: number) => blobValueAt(blobs, N, u, v);
    for (const view of [0, 2, 4, 7]) {
      const theta = (view * Math.PI) / g.views;
      for (const d of [0, 10, 30, 45, 60, 80, g.detectors - 1]) {
        const s = d - (g.detectors - 1) / 2;
        const ref = rayIntegral(f, theta, s, 2 * N, 0.05);
        const got = sino[view * g.detectors + d];
        expect(Math.abs(got - ref), `view ${view}, d ${d}: ${got} vs ${ref}`).toBeLessThan(1e-5 * (1 + ref));
      }
    }
  });

  it('matches column and row sums of the point-sampled raster to float precision', () => {
    const g2 = makeGeometry({ size: N, views: 2, detectors: N });
    const s2 = blobsSinogram(blobs, g2);
    const img = rasterizeBlobs(blobs, N);
    for (let d = 0; d < N; d++) {
      let col = 0;
      let row = 0;
      for (let k = 0; k < N; k++) {
        col += img[k * N + d];
        row += img[(N - 1 - d) * N + k];
      }
      expect(Math.abs(s2[d] - col)).toBeLessThan(1e-4);
      expect(Math.abs(s2[N + d] - row)).toBeLessThan(1e-4);
    }
  });
});

describe('conventions', () => {
  const N = 64;
  const g = makeGeometry({ size: N, views: 4 }); // views at 0, 45, 90, 135 deg
  const argmax = (a: Float32Array, from: number, n: number) => {
    let best = from;
    for (let k = from; k < from + n; k++) if (a[k] > a[best]) best = k;
    return best - from;
  };
  const sOf = (d: number) => d - (g.detectors - 1) / 2;

  it('a blob at X > 0, Y = 0 projects onto s > 0 at theta 0 and onto s = 0 at theta 90 deg', () => {
    const b: GaussianBlob[] = [{ amplitude: 1, x0: 0.5, y0: 0, sigma: 0.05 }];
    const s = blobsSinogram(b, g);
    expect(sOf(argmax(s, 0, g.detectors))).toBeCloseTo(16, 0); // u0 = 0.5 * N/2 = 16 px
    expect(Math.abs(sOf(argmax(s, 2 * g.detectors, g.detectors)))).toBeLessThanOrEqual(0.5);
  });

  it('a blob at Y > 0 appears in the upper rows and projects onto s > 0 at theta 90 deg', () => {
    const b: GaussianBlob[] = [{ amplitude: 1, x0: 0, y0: 0.5, sigma: 0.05 }];
    const img = rasterizeBlobs(b, N);
    let best = 0;
    for (let k = 0; k < N * N; k++) if (img[k] > img[best]) best = k;
    const i = Math.floor(best / N);
    expect(i).toBeLessThan(N / 2);
    expect(Math.abs((N - 1) / 2 - i - 16)).toBeLessThanOrEqual(0.5); // v = 16 lies between two rows
    const s = blobsSinogram(b, g);
    expect(sOf(argmax(s, 2 * g.detectors, g.detectors))).toBeCloseTo(16, 0);
  });

  it('phiDeg rotates counter-clockwise: the major axis of phi = 30 points up-right', () => {
    const e: Ellipse[] = [{ value: 1, a: 0.6, b: 0.08, x0: 0, y0: 0, phiDeg: 30 }];
    const img = rasterizeEllipses(e, N);
    const at = (X: number, Y: number) => {
      const j = Math.round(X * (N / 2) + (N - 1) / 2);
      const i = Math.round((N - 1) / 2 - Y * (N / 2));
      return img[i * N + j];
    };
    const c = Math.cos(Math.PI / 6);
    const s = Math.sin(Math.PI / 6);
    expect(at(0.5 * c, 0.5 * s)).toBe(1);
    expect(at(0.5 * c, -0.5 * s)).toBe(0);
  });

  it('Shepp-Logan: skull 1.0 at the top, brain 0.2 at the centre, small features at the bottom', () => {
    const N2 = 128;
    const img = rasterizeEllipses(sheppLoganEllipses(), N2);
    const at = (X: number, Y: number) =>
      img[Math.round((N2 - 1) / 2 - Y * (N2 / 2)) * N2 + Math.round(X * (N2 / 2) + (N2 - 1) / 2)];
    expect(at(0, 0.89)).toBeCloseTo(1.0, 6);
    expect(at(0, -0.91)).toBeCloseTo(1.0, 6); // below ellipse 2 (bottom at -0.8924)
    expect(at(0, 0)).toBeCloseTo(0.2, 6);
    expect(at(0, -0.6)).toBeCloseTo(0.3, 6); // ellipses 8 and 9 overlap: 0.2 + 0.1 + 0.1
    expect(at(0.95, 0)).toBe(0);
    let min = Infinity;
    let max = -Infinity;
    for (const x of img) {
      min = Math.min(min, x);
      max = Math.max(max, x);
    }
    expect(min).toBeCloseTo(0, 6);
    expect(max).toBeCloseTo(1, 6);
  });
});

describe('rasterizeEllipses', () => {
  it('has the area pi a b (in pixels) for rotated, off-centre ellipses', () => {
    const N = 96;
    for (const [a, b, phiDeg, x0, y0] of [
      [0.5, 0.3, 0, 0, 0],
      [0.4, 0.15, 27, 0.2, -0.3],
      [0.1, 0.1, 0, -0.5, 0.5],
    ]) {
      const img = rasterizeEllipses([{ value: 1, a, b, x0, y0, phiDeg }], N, 8);
      let area = 0;
      for (const x of img) area += x;
      const exact = Math.PI * a * b * (N / 2) ** 2;
      // Boundary pixels are estimated from 64 samples: error ~ perimeter * 1/64 px^2 in the worst case,
      // far less on average because the errors of different boundary pixels cancel.
      expect(Math.abs(area - exact) / exact, `a ${a}, b ${b}, phi ${phiDeg}`).toBeLessThan(2e-3);
    }
  });

  it('supersample 1 samples pixel centres exactly; supersample k averages k x k samples', () => {
    const e: Ellipse[] = [{ value: 2, a: 0.3, b: 0.2, x0: 0.05, y0: 0, phiDeg: 10 }];
    const N = 32;
    const img1 = rasterizeEllipses(e, N, 1);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < N; j++) {
        expect(img1[i * N + j]).toBe(ellipseValueAt(e, N, j - (N - 1) / 2, (N - 1) / 2 - i));
      }
    }
    const img3 = rasterizeEllipses(e, N, 3);
    const i = 12;
    for (let j = 0; j < N; j++) {
      let acc = 0;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          acc += ellipseValueAt(e, N, j - (N - 1) / 2 + (b - 1) / 3, (N - 1) / 2 - i - (a - 1) / 3);
        }
      }
      expect(img3[i * N + j]).toBeCloseTo(acc / 9, 6);
    }
  });

  it('rejects bad arguments with the op name', () => {
    expect(() => rasterizeEllipses(testEllipses, 1)).toThrow(/rasterizeEllipses: N must be/);
    expect(() => rasterizeEllipses(testEllipses, 16, 0)).toThrow(UsageError);
    expect(() => rasterizeEllipses([{ ...testEllipses[0], a: 0 }], 16)).toThrow(/ellipse 0/);
  });
});

describe('random phantoms', () => {
  it('randomEllipses is deterministic per seed and number/string seeds agree', () => {
    expect(randomEllipses(7)).toEqual(randomEllipses(7));
    expect(randomEllipses(7)).toEqual(randomEllipses('7'));
    expect(randomEllipses(7)).not.toEqual(randomEllipses(8));
    expect(randomEllipses('scan-a', { count: 3 })).toHaveLength(4);
  });

  it('randomEllipses values and sizes stay within the documented ranges; images are >= 0', () => {
    const R = RANDOM_ELLIPSE_RANGES;
    const N = 48;
    for (let seed = 0; seed < 40; seed++) {
      const e = randomEllipses(seed);
      const [body, ...inner] = e;
      expect(inner.length).toBeGreaterThanOrEqual(R.count[0]);
      expect(inner.length).toBeLessThanOrEqual(R.count[1]);
      expect(body.value).toBeGreaterThanOrEqual(R.body.value[0]);
      expect(body.value).toBeLessThanOrEqual(R.body.value[1]);
      expect(body.a).toBeGreaterThanOrEqual(R.body.a[0]);
      expect(body.a).toBeLessThanOrEqual(R.body.a[1]);
      expect(body.b).toBeGreaterThanOrEqual(R.body.b[0]);
      expect(body.b).toBeLessThanOrEqual(R.body.b[1]);
      for (const el of inner) {
        expect(el.a).toBeGreaterThanOrEqual(R.interior.a[0]);
        expect(el.a).toBeLessThanOrEqual(R.interior.a[1]);
        expect(el.b / el.a).toBeGreaterThanOrEqual(R.interior.aspect[0] - 1e-12);
        expect(el.b / el.a).toBeLessThanOrEqual(R.interior.aspect[1]);
        const inPos = el.value >= R.interior.positive[0] && el.value <= R.interior.positive[1];
        const inNeg = el.value >= R.interior.negative[0] && el.value <= R.interior.negative[1];
        expect(inPos || inNeg, `seed ${seed}: value ${el.value}`).toBe(true);
      }
      const img = rasterizeEllipses(e, N);
      let min = Infinity;
      for (const x of img) min = Math.min(min, x);
      expect(min, `seed ${seed}`).toBeGreaterThanOrEqual(0);
      // Outside the body (image corners) is air.
      expect(img[0]).toBe(0);
      expect(img[N * N - 1]).toBe(0);
    }
  });

  it('randomBlobs is deterministic, in range, and inside the image', () => {
    expect(randomBlobs(3)).toEqual(randomBlobs(3));
    expect(randomBlobs(3)).not.toEqual(randomBlobs(4));
    expect(randomBlobs(3, 11)).toHaveLength(11);
    expect(randomBlobs(3)).toHaveLength(RANDOM_BLOB_RANGES.defaultCount);
    for (let seed = 0; seed < 20; seed++) {
      for (const b of randomBlobs(seed)) {
        expect(b.amplitude).toBeGreaterThanOrEqual(RANDOM_BLOB_RANGES.amplitude[0]);
        expect(b.amplitude).toBeLessThanOrEqual(RANDOM_BLOB_RANGES.amplitude[1]);
        expect(b.sigma).toBeGreaterThanOrEqual(RANDOM_BLOB_RANGES.sigma[0]);
        expect(b.sigma).toBeLessThanOrEqual(RANDOM_BLOB_RANGES.sigma[1]);
        expect(Math.hypot(b.x0, b.y0) + 4 * b.sigma).toBeLessThanOrEqual(
          RANDOM_BLOB_RANGES.maxRadius + 1e-12,
        );
      }
    }
  });
});

describe('makePhantom', () => {
  it('builds each kind with an image, a sinogram for matching geometries and a description', () => {
    const N = 32;
    const g = makeGeometry({ size: N, views: 6 });
    for (const kind of ['shepp-logan', 'ellipses', 'blobs'] as const) {
      const p = makePhantom(kind, N, { seed: 5 });
      expect(p.image).toHaveLength(N * N);
      expect(p.sinogram(g)).toHaveLength(g.views * g.detectors);
      expect(p.description).toMatch(/32x32/);
    }
    expect(makePhantom('ellipses', N, { seed: 5 }).image).toEqual(
      makePhantom('ellipses', N, { seed: 5 }).image,
    );
    expect(makePhantom('shepp-logan', N, { supersample: 1 }).image).toEqual(
      rasterizeEllipses(sheppLoganEllipses(), N, 1),
    );
    expect(makePhantom('blobs', N, { seed: 5 }).image).toEqual(rasterizeBlobs(randomBlobs(5), N));
  });

  it('rejects a geometry of another size and unknown kinds', () => {
    const p = makePhantom('blobs', 32);
    expect(() => p.sinogram(makeGeometry({ size: 64, views: 4 }))).toThrow(ShapeError);
    expect(() => p.sinogram(makeGeometry({ size: 64, views: 4 }))).toThrow(
      /32x32 px but the geometry is 64x64/,
    );
    expect(() => makePhantom('cube' as never, 32)).toThrow(/unknown kind "cube"/);
  });
});
