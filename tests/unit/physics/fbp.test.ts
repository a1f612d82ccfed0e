import { beforeAll, describe, expect, it } from 'vitest';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  FILTER_NAMES,
  RadonOperator,
  fbpArray,
  fbpScale,
  filterKernel,
  filterMatrix,
  filterResponse,
  radonForwardArray,
  rampFilterArray,
  type FilterName,
} from '../../../src/main/engine/physics';
import {
  ellipsesSinogram,
  rasterizeBlobs,
  rasterizeEllipses,
  sheppLoganEllipses,
  type GaussianBlob,
} from '../../../src/main/engine/physics/phantoms';
import { randn, relErr } from '../helpers/arrays';

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

function rms(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s / a.length);
}

/** Kak & Slaney eq. (61), written out again independently of filters.ts. */
function ksRamp(n: number): number {
  if (n === 0) return 0.25;
  return n % 2 === 0 ? 0 : -1 / (Math.PI * n) ** 2;
}

/** One smooth Gaussian (sigma 0.2 of the half-width: 6.4 px at N 64), off-centre. */
const SMOOTH_BLOB: GaussianBlob[] = [{ amplitude: 1, x0: 0.1, y0: -0.05, sigma: 0.2 }];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('ramp filters', () => {
  it('ram-lak at cutoff 1 is exactly the sampled ramp of Kak & Slaney eq. (61)', () => {
    for (const D of [46, 91, 725]) {
      const k = filterKernel(D, 'ram-lak', 1);
      for (let n = 0; n < D; n++) expect(k[n], `D ${D}, lag ${n}`).toBeCloseTo(ksRamp(n), 12);
    }
  });

  it('ram-lak response is |f| in cycles per bin up to the truncation of the kernel', () => {
    const D = 363;
    const r = filterResponse(D, 'ram-lak', 1);
    const P = r.length;
    expect(P).toBe(1024);
    for (const k of [0, 1, 10, 100, 256, 400, 512]) {
      const f = Math.min(k, P - k) / P;
      // The periodized kernel differs from the infinite one by the tail sum_{|n| >= P/2} 1/(pi n)^2 ~ 1/(pi^2 P).
      expect(Math.abs(r[k] - f), `bin ${k}, f ${f}`).toBeLessThan(2 / (Math.PI ** 2 * P));
    }
  });

  it('windows order the responses and the cutoff zeroes high frequencies', () => {
    const D = 182;
    const P = filterResponse(D, 'ram-lak', 1).length;
    const R = Object.fromEntries(FILTER_NAMES.map((f) => [f, filterResponse(D, f, 1)])) as Record<
      FilterName,
      Float64Array
    >;
    for (let k = 1; k <= P / 2; k++) {
      const at = `bin ${k} of ${P}`;
      expect(R['shepp-logan'][k], at).toBeLessThanOrEqual(R['ram-lak'][k] + 1e-15);
      expect(R.cosine[k], at).toBeLessThanOrEqual(R['shepp-logan'][k] + 1e-15);
      expect(R.hann[k], at).toBeLessThanOrEqual(R.cosine[k] + 1e-15);
      expect(R.hann[k], at).toBeLessThanOrEqual(R.hamming[k] + 1e-15);
    }
    expect(Math.abs(R.hann[P / 2]), 'hann at Nyquist').toBeLessThan(1e-12);
    expect(R.hamming[P / 2] / R['ram-lak'][P / 2], 'hamming at Nyquist').toBeCloseTo(0.08, 10);
    expect(R['shepp-logan'][P / 2] / R['ram-lak'][P / 2], 'shepp-logan at Nyquist').toBeCloseTo(
      2 / Math.PI,
      10,
    );
    for (const filter of FILTER_NAMES) {
      const half = filterResponse(D, filter, 0.5);
      for (let k = 0; k <= P / 2; k++) {
        if (k / P > 0.25) expect(half[k], `${filter} cutoff 0.5, bin ${k}`).toBe(0);
      }
      // Cutoff c stretches the window: response(c)[f] = ramp[f] * W(f / (c/2)).
      expect(half[P / 8] / R['ram-lak'][P / 8], `${filter} cutoff 0.5 at half the cutoff`).toBeCloseTo(
        filter === 'ram-lak' ? 1 : R[filter][P / 4] / R['ram-lak'][P / 4],
        6,
      );
    }
  });

  it('matrix, FFT and direct convolution agree (D 91, 17 views, ram-lak)', () => {
    const g = makeGeometry({ size: 64, views: 17 });
    const D = g.detectors;
    const y = randn('filt', 17 * D);
    const viaFft = rampFilterArray(y, 1, g, { filter: 'ram-lak', cutoff: 1 });
    const F = filterMatrix(D, 'ram-lak', 1, fbpScale(g));
    const direct = new Float64Array(17 * D);
    const viaMatrix = new Float64Array(17 * D);
    for (let k = 0; k < 17; k++) {
      for (let d = 0; d < D; d++) {
        let s = 0;
        let m = 0;
        for (let e = 0; e < D; e++) {
          s += ksRamp(d - e) * y[k * D + e];
          m += y[k * D + e] * F[e * D + d];
        }
        direct[k * D + d] = (s * Math.PI) / 17;
        viaMatrix[k * D + d] = m;
      }
    }
    expect(relErr(viaFft, direct)).toBeLessThan(1e-6);
    expect(relErr(viaMatrix, direct)).toBeLessThan(1e-6);
    const viaTf = tf.tidy(() =>
      new RadonOperator(g).rampFilter(tf.tensor4d(y, [1, 17, D, 1]), { filterImpl: 'matmul' }).dataSync(),
    );
    expect(relErr(viaTf, direct)).toBeLessThan(1e-6);
  });
});

describe('FBP scaling: FBP(A x) ~= x', () => {
  const cases: { label: string; g: Geometry; bound: number }[] = [
    { label: 'N 64, 143 views', g: makeGeometry({ size: 64, views: 143 }), bound: 0.015 },
    { label: 'N 128, 143 views', g: makeGeometry({ size: 128, views: 143 }), bound: 0.015 },
    { label: 'N 128, 400 views', g: makeGeometry({ size: 128, views: 400 }), bound: 0.01 },
    {
      label: 'N 128, 143 views, spacing 0.5',
      g: makeGeometry({ size: 128, views: 143, detectorSpacing: 0.5 }),
      bound: 0.008,
    },
    { label: 'N 64, 17 views', g: makeGeometry({ size: 64, views: 17 }), bound: 0.05 },
  ];
  for (const { label, g, bound } of cases) {
    it(`smooth blob (${label})`, () => {
      const x = rasterizeBlobs(SMOOTH_BLOB, g.size);
      const r = fbpArray(radonForwardArray(x, 1, g), 1, g);
      // The mass (DC) checks the factor pi / A exactly: the ramp kernel sums to ~0 and backprojection
      // preserves mass, so sum FBP(Ax) / sum x = 1 up to the kernel's truncation.
      expect(Math.abs(sum(r) / sum(x) - 1), `${label}: mass ratio`).toBeLessThan(5e-4);
      // The L2 error comes mostly from the ray-driven adjoint used as backprojector (its interpolation
      // hats are |cos t| wide in s, narrower than a bin, so it aliases): ~1.2% at 143 views, falling to 0.6%
      // at half-pixel bins, 3.9% at 17 views (measured; a pixel-driven backprojector gets 0.13%).
      expect(relErr(r, x), `${label}: relative L2 error`).toBeLessThan(bound);
    });
  }

  it('every filter and cutoff runs, keeps the mass, and smooths in the expected order', () => {
    const g = makeGeometry({ size: 128, views: 143 });
    const x = rasterizeBlobs(SMOOTH_BLOB, 128);
    const y = radonForwardArray(x, 1, g);
    const noise = randn('fbp-noise', y.length);
    const noiseStd: Record<string, number> = {};
    for (const cutoff of [1, 0.5, 0.2]) {
      for (const filter of FILTER_NAMES) {
        const label = `${filter}, cutoff ${cutoff}`;
        const r = fbpArray(y, 1, g, { filter, cutoff });
        expect(Math.abs(sum(r) / sum(x) - 1), `${label}: mass ratio`).toBeLessThan(5e-4);
        expect(relErr(r, x), `${label}: blob error`).toBeLessThan(cutoff === 0.2 ? 0.12 : 0.02);
        noiseStd[label] = rms(fbpArray(noise, 1, g, { filter, cutoff }));
      }
      const s = (f: FilterName): number => noiseStd[`${f}, cutoff ${cutoff}`];
      const msg = `noise std at cutoff ${cutoff}: ${JSON.stringify(noiseStd)}`;
      expect(s('shepp-logan'), msg).toBeLessThan(s('ram-lak'));
      expect(s('cosine'), msg).toBeLessThan(s('shepp-logan'));
      expect(s('hann'), msg).toBeLessThan(s('cosine'));
      expect(s('hann'), msg).toBeLessThan(s('hamming'));
    }
    for (const filter of FILTER_NAMES) {
      expect(noiseStd[`${filter}, cutoff 0.5`], filter).toBeLessThan(noiseStd[`${filter}, cutoff 1`]);
      expect(noiseStd[`${filter}, cutoff 0.2`], filter).toBeLessThan(noiseStd[`${filter}, cutoff 0.5`]);
    }
  });
});

describe('FBP of the Shepp-Logan phantom at N 512, 143 views (ram-lak)', () => {
  // scikit-image 0.19.3 `iradon(sinogram.T, theta=k*180/143, output_size=512, filter_name='ramp',
  // circle=False)` on exactly the same sinograms, against the same 4x4-supersampled raster of the modified
  // Shepp-Logan phantom (recomputed by `npm run bench` when scikit-image is installed):
  //   analytic sinogram (ellipsesSinogram): 0.2383;  our projection A x of the raster: 0.1903.
  // (The 0.124 quoted in the issue is scikit-image's own pipeline: skimage.data.shepp_logan_phantom resized
  // to 512, skimage radon, iradon; our A and FBP give 0.132 on that phantom.)
  const SKIMAGE_ANALYTIC = 0.2383;
  const SKIMAGE_PROJECTED = 0.1903;
  const g = makeGeometry({ size: 512, views: 143 });
  const e = sheppLoganEllipses();
  let phantom: Float32Array;

  beforeAll(() => {
    phantom = rasterizeEllipses(e, 512, 4);
  });

  it('analytic sinogram: relative RMSE no worse than scikit-image iradon', () => {
    const r = fbpArray(ellipsesSinogram(e, g), 1, g);
    const err = relErr(r, phantom);
    expect(err, `relative RMSE ${err} (scikit-image ${SKIMAGE_ANALYTIC})`).toBeLessThanOrEqual(
      SKIMAGE_ANALYTIC,
    );
    expect(err, 'regression guard (measured 0.195)').toBeLessThan(0.2);
  });

  it('projected sinogram (tfjs op, wasm): relative RMSE no worse than scikit-image iradon', () => {
    const before = tf.memory().numTensors;
    const op = new RadonOperator(g);
    const r = tf.tidy(() => op.fbp(op.forward(tf.tensor4d(phantom, [1, 512, 512, 1]))).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    const err = relErr(r, phantom);
    expect(err, `relative RMSE ${err} (scikit-image ${SKIMAGE_PROJECTED})`).toBeLessThanOrEqual(
      SKIMAGE_PROJECTED,
    );
    expect(err, 'regression guard (measured 0.140)').toBeLessThan(0.145);
  });
});

describe('tfjs FBP and the typed-array FBP', () => {
  it('agree for every filter, both filter paths, batch 2, and leak nothing (N 64, 17 views)', () => {
    const g = makeGeometry({ size: 64, views: 17 });
    const op = new RadonOperator(g);
    const yv = randn('fbp-tf', 2 * 17 * g.detectors);
    const y = tf.tensor4d(yv, [2, 17, g.detectors, 1]);
    const before = tf.memory().numTensors;
    for (const filter of FILTER_NAMES) {
      for (const filterImpl of ['matmul', 'fft'] as const) {
        const t = op.fbp(y, { filter, cutoff: 0.7, filterImpl });
        const ref = fbpArray(yv, 2, g, { filter, cutoff: 0.7 });
        expect(relErr(t.dataSync(), ref), `${filter}, ${filterImpl}`).toBeLessThan(1e-5);
        t.dispose();
      }
    }
    expect(tf.memory().numTensors).toBe(before);
    y.dispose();
  });

  it('rejects bad options and lengths', () => {
    const g = makeGeometry({ size: 32, views: 5 });
    const y = new Float32Array(5 * g.detectors);
    expect(() => fbpArray(y, 1, g, { filter: 'hanning' as never })).toThrow(UsageError);
    expect(() => fbpArray(y, 1, g, { filter: 'hanning' as never })).toThrow(
      'fbpArray: unknown filter "hanning": choose one of ram-lak, shepp-logan, cosine, hamming, hann',
    );
    expect(() => fbpArray(y, 1, g, { cutoff: 0 })).toThrow('fbpArray: cutoff must be in (0, 1]');
    expect(() => fbpArray(y, 1, g, { cutoff: 2 })).toThrow(UsageError);
    expect(() => fbpArray(y, 2, g)).toThrow(/fbpArray: expected sinograms \[2,5,46\]/);
  });
});
