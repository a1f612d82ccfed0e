import { describe, expect, it } from 'vitest';
import { fft, nextPowerOfTwo, isPowerOfTwo } from '../../../src/main/engine/numeric/fft';
import { createRng } from '../../../src/main/engine/random';

/** O(n^2) DFT in Float64: the independent reference. */
function naiveDft(re: Float64Array, im: Float64Array, inverse: boolean): [Float64Array, Float64Array] {
  const n = re.length;
  const oRe = new Float64Array(n);
  const oIm = new Float64Array(n);
  const sgn = inverse ? 1 : -1;
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++) {
      const a = (sgn * 2 * Math.PI * ((j * k) % n)) / n;
      oRe[k] += re[j] * Math.cos(a) - im[j] * Math.sin(a);
      oIm[k] += re[j] * Math.sin(a) + im[j] * Math.cos(a);
    }
    if (inverse) {
      oRe[k] /= n;
      oIm[k] /= n;
    }
  }
  return [oRe, oIm];
}

describe('numeric fft', () => {
  it.each([1, 2, 8, 64, 3, 5, 367, 725])('matches the naive DFT at n = %i (radix-2 and Bluestein)', (n) => {
    const rng = createRng(`fft-${n}`);
    for (const inverse of [false, true]) {
      const re = Float64Array.from({ length: n }, () => rng.normal(0, 1));
      const im = Float64Array.from({ length: n }, () => rng.normal(0, 1));
      const [eRe, eIm] = naiveDft(re, im, inverse);
      fft(re, im, inverse);
      let err = 0;
      let ref = 0;
      for (let k = 0; k < n; k++) {
        err += (re[k] - eRe[k]) ** 2 + (im[k] - eIm[k]) ** 2;
        ref += eRe[k] ** 2 + eIm[k] ** 2;
      }
      expect(Math.sqrt(err / ref), `n ${n}, inverse ${inverse}`).toBeLessThan(1e-12);
    }
  });
  it('power-of-two helpers', () => {
    expect([nextPowerOfTwo(1), nextPowerOfTwo(5), nextPowerOfTwo(1024), nextPowerOfTwo(1025)]).toEqual([
      1, 8, 1024, 2048,
    ]);
    expect([isPowerOfTwo(0), isPowerOfTwo(1), isPowerOfTwo(6), isPowerOfTwo(4096)]).toEqual([
      false,
      true,
      false,
      true,
    ]);
  });
});
