/**
 * What the comparison view says about a result line (src/shared/display/comparison.ts): radii in HU and
 * percent, RMS error in HU from the l2 error, and the certificate or the abstention with what would certify.
 */
import { describe, expect, it } from 'vitest';
import {
  certificateOf,
  paneQuality,
  radiusOf,
  smoothedQualityOf,
} from '../../../src/shared/display/comparison';
import { line } from '../audit/lines';

describe('radiusOf / paneQuality', () => {
  it('states the radius as its entry, HU-equivalent RMS and percent of the clean signal', () => {
    expect(radiusOf(line({ slice: 0, model: 0, epsIndex: 1 }))).toEqual({
      spec: '2%',
      space: 'y',
      value: 20,
      hu: 4,
      percent: 2,
    });
  });

  it('turns the l2 error over N x N pixels into a per-pixel RMS in HU', () => {
    // 64 x 64 pixels, each off by 0.01 (10 HU): ||e||_2 = 0.01 * 64.
    const q = paneQuality({ error: 0.01 * 64, psnr: 30, ssim: 0.9 }, 64 * 64);
    expect(q.rmseHu).toBeCloseTo(10, 10);
    expect(q.psnr).toBe(30);
  });
});

describe('certificateOf', () => {
  it('shows the best certified sigma: bound as MSE and as RMS in HU, certified PSNR', () => {
    const l = line({
      slice: 0,
      model: 0,
      epsIndex: 0,
      cert: [
        [1e-4, 4e-4],
        [1e-4, 2.5e-5],
      ],
    });
    const c = certificateOf(l, 1);
    expect(c.state).toBe('certified');
    expect(c.sigma).toBe('eps/2');
    expect(c.boundMse).toBe(2.5e-5);
    expect(c.boundRmsHu).toBeCloseTo(5, 10);
    expect(c.psnr).toBe(25);
    expect(c.reference).toBe('truth');
    // Without the engine's choice, the certified sigma with the best certified PSNR (27 at sigma 0).
    expect(certificateOf(l).sigma).toBe('eps/1');
  });

  it('falls back to a certified sigma when the engine chose one that abstains', () => {
    const l = line({
      slice: 0,
      model: 0,
      epsIndex: 0,
      cert: [
        [1e-4, 4e-4],
        [1e-4, null],
      ],
    });
    expect(certificateOf(l, 1)).toMatchObject({ state: 'certified', sigmaIndex: 0 });
  });

  it('abstains with the reason, the S that would certify and the largest radius in HU and percent', () => {
    const l = line({
      slice: 0,
      model: 0,
      epsIndex: 0,
      cert: [
        [1e-4, null],
        [1e-4, null],
      ],
    });
    const c = certificateOf(l, 0);
    expect(c.state).toBe('abstain');
    expect(c.reason).toBe('S = 20 samples are too few');
    expect(c.minSamples).toBe(75);
    // maxRadius 12 in y: perHu 5 -> 2.4 HU; signalNorm 1000 -> 1.2 %.
    expect(c.maxRadiusHu).toBeCloseTo(2.4, 12);
    expect(c.maxRadiusPercent).toBeCloseTo(1.2, 12);
    expect(c.boundMse).toBeNull();
  });

  it('is off without certification, and the smoothed quality follows the sigma shown', () => {
    expect(certificateOf(line({ slice: 0, model: 0, epsIndex: 0, cert: null })).state).toBe('off');
    const l = line({
      slice: 0,
      model: 0,
      epsIndex: 0,
      cert: [
        [1e-4, 4e-4],
        [1e-4, 2e-4],
      ],
    });
    expect(smoothedQualityOf(l, 1)?.psnr).toBe(27);
    expect(smoothedQualityOf(l, null)).toBeNull();
  });
});
