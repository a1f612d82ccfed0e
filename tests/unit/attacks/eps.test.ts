/**
 * Radii and smoothing noise levels (src/shared/eps.ts): parsing, the three units of a radius (absolute,
 * relative, HU-equivalent) and sigma entries tied to the radius. The HU scale of the measurement space is
 * checked against its definition: the l2 norm of A z for white image noise z of 1 HU RMS, by Monte Carlo.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@shared/errors';
import { makeGeometry } from '@shared/geometry';
import {
  describeRadius,
  formatEps,
  formatSigma,
  parseEps,
  parseEpsList,
  parseSigma,
  parseSigmaList,
  resolveEps,
  resolveSigma,
  type RadiusScale,
} from '@shared/eps';
import { frobeniusNormSq } from '../../../src/main/engine/physics';
import { josephForward, josephPlan } from '../../../src/main/engine/physics/radon-joseph';
import { createRng } from '../../../src/main/engine/random';

const scale = (norm: number, perHu = 0.016, elements = 256): RadiusScale => ({ norm, perHu, elements });

describe('radii', () => {
  it('parses absolute, percent and HU entries', () => {
    expect(parseEpsList('0.5%, 1%,2,0, 1e-3, 5HU, 0.5 hu')).toEqual([
      { kind: 'relative', fraction: 0.005, text: '0.5%' },
      { kind: 'relative', fraction: 0.01, text: '1%' },
      { kind: 'absolute', value: 2, text: '2' },
      { kind: 'absolute', value: 0, text: '0' },
      { kind: 'absolute', value: 0.001, text: '1e-3' },
      { kind: 'hu', hu: 5, text: '5HU' },
      { kind: 'hu', hu: 0.5, text: '0.5 hu' },
    ]);
    expect(parseEps('.5 %')).toEqual({ kind: 'relative', fraction: 0.005, text: '.5 %' });
    expect(formatEps(parseEps('0.5%'))).toBe('0.5%');
    expect(formatEps(parseEps('1.0e1'))).toBe('10');
    expect(formatEps(parseEps('2.50HU'))).toBe('2.5HU');
  });

  it('rejects negative, empty and non-numeric entries with the option name', () => {
    for (const bad of ['-1', 'abc', '%', '1%%', 'NaN', 'Infinity', '1,,x', 'HU', '-2HU', '1HU%']) {
      expect(() => parseEpsList(bad, 'eps'), bad).toThrow(UsageError);
    }
    expect(() => parseEpsList(' , ', 'sigma')).toThrow(/--sigma/);
    expect(() => parseEps('-0.5%')).toThrow(/not a radius/);
  });

  it('resolves every unit and carries all three numbers', () => {
    expect(resolveEps(parseEps('1%'), scale(250))).toEqual({
      eps: 2.5,
      epsRelative: 0.01,
      epsHu: 2.5 / 0.016,
    });
    expect(resolveEps(parseEps('5'), scale(250))).toEqual({ eps: 5, epsRelative: 0.02, epsHu: 5 / 0.016 });
    const hu = resolveEps(parseEps('10HU'), scale(250));
    expect(hu.eps).toBeCloseTo(0.16, 12);
    expect(hu.epsRelative).toBeCloseTo(0.16 / 250, 12);
    expect(hu.epsHu).toBeCloseTo(10, 12);
    expect(resolveEps(parseEps('0'), scale(0))).toEqual({ eps: 0, epsRelative: 0, epsHu: 0 });
    expect(Number.isNaN(resolveEps(parseEps('1'), scale(0)).epsRelative)).toBe(true);
    expect(() => resolveEps(parseEps('1%'), scale(0))).toThrow(/non-zero clean signal/);
    expect(() => resolveEps(parseEps('1'), scale(-1))).toThrow(UsageError);
    expect(describeRadius(0.32, scale(4)).epsHu).toBeCloseTo(20, 12);
  });

  it('an image-space HU radius does not change meaning with the image size (per-pixel RMS)', () => {
    // x space: perHu = sqrt(N^2) / 1000; a uniform offset of 5 HU on every pixel has norm 5/1000 * N.
    for (const N of [64, 512]) {
      const r = resolveEps(parseEps('5HU'), { norm: 1, perHu: N / 1000, elements: N * N });
      const perPixelRms = r.eps / Math.sqrt(N * N);
      expect(perPixelRms * 1000).toBeCloseTo(5, 10);
    }
  });

  it('the measurement-space HU scale is the norm of the projection of 1 HU white image noise', () => {
    // E ||A z||^2 = ||A||_F^2 for z with unit variance per pixel: check the exact Frobenius norm by Monte Carlo.
    const g = makeGeometry({ size: 24, views: 18 });
    const plan = josephPlan(g);
    const rng = createRng('white');
    const trials = 400;
    let acc = 0;
    const out = new Float32Array(g.views * g.detectors);
    for (let t = 0; t < trials; t++) {
      const z = rng.fillNormal(new Float32Array(g.size * g.size), 0, 1);
      josephForward(plan, z, 1, out);
      for (const v of out) acc += v * v;
    }
    const mc = acc / trials;
    const exact = frobeniusNormSq(g);
    // Relative sd of the Monte-Carlo mean of ||A z||^2 is below 0.5% here: allow 2%.
    expect(Math.abs(mc - exact) / exact).toBeLessThan(0.02);
  });
});

describe('sigma entries', () => {
  it('parses every form and tells the bad ones', () => {
    expect(parseSigmaList('0.05, 2%, 10HU, eps/1.5, eps / 2')).toEqual([
      { kind: 'absolute', value: 0.05, text: '0.05' },
      { kind: 'relative', fraction: 0.02, text: '2%' },
      { kind: 'hu', hu: 10, text: '10HU' },
      { kind: 'ratio', ratio: 1.5, text: 'eps/1.5' },
      { kind: 'ratio', ratio: 2, text: 'eps/2' },
    ]);
    expect(parseSigma(0.5)).toEqual({ kind: 'absolute', value: 0.5, text: '0.5' });
    for (const bad of ['0', '-1', 'eps/0', 'eps/', 'eps', 'x/2', '0%', '0HU', 'abc'])
      expect(() => parseSigma(bad), bad).toThrow(/not a noise level/);
    expect(formatSigma(parseSigma('eps/1.50'))).toBe('eps/1.5');
  });

  it('resolves to a per-element level', () => {
    const sc: RadiusScale = { norm: 20, perHu: 0.05, elements: 400 };
    expect(resolveSigma(parseSigma('0.3'), sc, 1)).toBe(0.3);
    // 2% of the RMS (norm / sqrt(elements) = 1).
    expect(resolveSigma(parseSigma('2%'), sc, 1)).toBeCloseTo(0.02, 12);
    // 10 HU-equivalent: the per-element level whose l2 norm over 400 elements is 10 * perHu.
    expect(resolveSigma(parseSigma('10HU'), sc, 1)).toBeCloseTo((10 * 0.05) / 20, 12);
    // eps/k: sigma = radius / k, so eps / sigma = k.
    expect(resolveSigma(parseSigma('eps/1.5'), sc, 3)).toBeCloseTo(2, 12);
    expect(() => resolveSigma(parseSigma('eps/1.5'), sc, 0)).toThrow(/positive radius/);
  });
});
