import { describe, expect, it } from 'vitest';
import { UsageError } from '@shared/errors';
import { createRng, logGamma, toRng } from '../../src/main/engine/random';

/** Standard normal CDF via erfc (Numerical Recipes erfcc, |relative error| < 1.2e-7). */
function phi(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? 1 - r / 2 : r / 2;
}

function poissonPmf(k: number, lambda: number): number {
  let logFact = 0;
  for (let i = 2; i <= k; i++) logFact += Math.log(i);
  return Math.exp(-lambda + k * Math.log(lambda) - logFact);
}

describe('createRng', () => {
  it('is deterministic per seed; number and string seeds agree; seeds differ', () => {
    const draw = (seed: number | string) => {
      const r = createRng(seed);
      return [r.uniform(), r.normal(), r.poisson(3), r.poisson(300), r.int(10)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).toEqual(draw('42'));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw('a')).not.toEqual(draw('b'));
  });

  it('forks are independent streams that do not consume the parent', () => {
    const a = createRng(1);
    const b = createRng(1);
    const f = a.fork('noise');
    expect(f.seed).toBe('1/noise');
    expect(a.uniform()).toBe(b.uniform());
    expect(f.uniform()).toBe(createRng('1/noise').uniform());
    expect(createRng(1).fork('x').uniform()).not.toBe(createRng(1).fork('y').uniform());
  });

  it('toRng continues an existing generator and seeds a new one', () => {
    const r = createRng(5);
    expect(toRng(r)).toBe(r);
    expect(toRng(5).uniform()).toBe(createRng(5).uniform());
  });

  it('rejects bad seeds and arguments with the op name', () => {
    expect(() => createRng(NaN)).toThrow(UsageError);
    expect(() => createRng({} as never)).toThrow(/seed must be a number or a string/);
    const r = createRng(0);
    expect(() => r.poisson(-1)).toThrow(/random.poisson: lambda/);
    expect(() => r.poisson(Infinity)).toThrow(UsageError);
    expect(() => r.int(0)).toThrow(/random.int/);
    expect(() => r.intRange(3, 2)).toThrow(/random.intRange/);
  });

  it('uniform draws lie in [0, 1) with mean 1/2 and variance 1/12; integers cover their range', () => {
    const r = createRng('u');
    const n = 100_000;
    const a = r.fillUniform(new Float64Array(n));
    let m = 0;
    let v = 0;
    let outside = 0;
    for (const x of a) {
      if (!(x >= 0 && x < 1)) outside++;
      m += x / n;
    }
    expect(outside).toBe(0);
    for (const x of a) v += (x - m) ** 2 / n;
    expect(Math.abs(m - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / n));
    expect(Math.abs(v - 1 / 12)).toBeLessThan(1e-3);
    const seen = new Set<number>();
    for (let k = 0; k < 1000; k++) seen.add(r.intRange(-2, 2));
    expect([...seen].sort()).toEqual([-1, -2, 0, 1, 2]);
  });

  it('normal draws match N(0, 1): moments and CDF at several quantiles', () => {
    const r = createRng('n');
    const n = 200_000;
    const a = r.fillNormal(new Float64Array(n));
    let m = 0;
    let m2 = 0;
    let m4 = 0;
    for (const x of a) {
      m += x / n;
      m2 += (x * x) / n;
      m4 += x ** 4 / n;
    }
    expect(Math.abs(m)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(m2 - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    expect(Math.abs(m4 - 3)).toBeLessThan(5 * Math.sqrt(96 / n));
    for (const q of [-2.5, -1, -0.3, 0, 0.7, 1.5, 3]) {
      let c = 0;
      for (const x of a) if (x <= q) c++;
      const p = phi(q);
      expect(Math.abs(c / n - p), `P(Z <= ${q})`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n) + 1e-6);
    }
    const s = createRng('n2').fillNormal(new Float32Array(50_000), 3, 0.5);
    let ms = 0;
    for (const x of s) ms += x / s.length;
    expect(Math.abs(ms - 3)).toBeLessThan(0.01);
  });
});

describe('logGamma', () => {
  it('matches log((k-1)!) and Gamma(1/2) = sqrt(pi)', () => {
    let logFact = 0;
    for (let k = 1; k <= 300; k++) {
      expect(Math.abs(logGamma(k) - logFact), `k ${k}`).toBeLessThan(1e-12 * Math.max(1, logFact));
      logFact += Math.log(k);
    }
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13);
    expect(logGamma(1.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI) / 2), 13);
  });
});

describe('poisson', () => {
  // Exact sampler for every lambda: small lambda by multiplication, lambda >= 10 by PTRS (Hormann 1993).
  for (const lambda of [0.5, 5, 50, 5e3, 1e6]) {
    it(`lambda ${lambda}: sample mean and variance within 5 standard errors of lambda`, () => {
      const r = createRng(`poisson-${lambda}`);
      const n = 100_000;
      let m = 0;
      let bad = 0;
      const xs = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        const x = r.poisson(lambda);
        if (!(Number.isInteger(x) && x >= 0)) bad++;
        xs[k] = x;
        m += x / n;
      }
      expect(bad).toBe(0);
      let v = 0;
      for (const x of xs) v += (x - m) ** 2 / (n - 1);
      // SE of the mean sqrt(lambda / n); of the sample variance sqrt((mu4 - sigma^4) / n) with
      // mu4 = lambda (1 + 3 lambda) for a Poisson law, i.e. sqrt((lambda + 2 lambda^2) / n).
      expect(Math.abs(m - lambda), `mean ${m}`).toBeLessThan(5 * Math.sqrt(lambda / n));
      expect(Math.abs(v - lambda), `variance ${v}`).toBeLessThan(
        5 * Math.sqrt((lambda + 2 * lambda * lambda) / n),
      );
    });
  }

  for (const lambda of [0.5, 5, 9.99, 10, 23, 50]) {
    it(`lambda ${lambda}: frequencies follow the pmf (chi-square)`, () => {
      const r = createRng(`pmf-${lambda}`);
      const n = 100_000;
      const counts = new Map<number, number>();
      for (let k = 0; k < n; k++) {
        const x = r.poisson(lambda);
        counts.set(x, (counts.get(x) ?? 0) + 1);
      }
      // Cells with expected count >= 20; the two tails are merged into one cell each.
      let chi2 = 0;
      let cells = 0;
      let lowP = 0;
      let lowC = 0;
      let kMin = 0;
      while (n * poissonPmf(kMin, lambda) < 20) {
        lowP += poissonPmf(kMin, lambda);
        lowC += counts.get(kMin) ?? 0;
        kMin++;
      }
      let k = kMin;
      let midP = 0;
      let midC = 0;
      for (; n * poissonPmf(k, lambda) >= 20 || k < lambda; k++) {
        const e = n * poissonPmf(k, lambda);
        const o = counts.get(k) ?? 0;
        chi2 += (o - e) ** 2 / e;
        cells++;
        midP += poissonPmf(k, lambda);
        midC += o;
      }
      const highP = 1 - lowP - midP;
      const highC = n - lowC - midC;
      for (const [o, p] of [
        [lowC, lowP],
        [highC, highP],
      ]) {
        if (n * p >= 1) {
          chi2 += (o - n * p) ** 2 / (n * p);
          cells++;
        }
      }
      const df = cells - 1;
      // chi2 has mean df and sd sqrt(2 df); 5 sd above the mean is a p-value far below 1e-4.
      expect(chi2, `chi2 ${chi2.toFixed(1)} with ${df} degrees of freedom`).toBeLessThan(
        df + 5 * Math.sqrt(2 * df),
      );
    });
  }

  it('returns 0 for lambda 0', () => {
    expect(createRng(0).poisson(0)).toBe(0);
  });
});
