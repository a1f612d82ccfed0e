/** Parsing and resolving perturbation radii (src/shared/eps.ts). */
import { describe, expect, it } from 'vitest';
import { UsageError } from '@shared/errors';
import { formatEps, parseEps, parseEpsList, resolveEps, resolveEpsForSlices } from '@shared/eps';

describe('eps', () => {
  it('parses absolute and percent entries', () => {
    expect(parseEpsList('0.5%, 1%,2,0, 1e-3')).toEqual([
      { kind: 'relative', fraction: 0.005, text: '0.5%' },
      { kind: 'relative', fraction: 0.01, text: '1%' },
      { kind: 'absolute', value: 2, text: '2' },
      { kind: 'absolute', value: 0, text: '0' },
      { kind: 'absolute', value: 0.001, text: '1e-3' },
    ]);
    expect(parseEps('.5 %')).toEqual({ kind: 'relative', fraction: 0.005, text: '.5 %' });
    expect(formatEps(parseEps('0.5%'))).toBe('0.5%');
    expect(formatEps(parseEps('1.0e1'))).toBe('10');
  });

  it('rejects negative, empty and non-numeric entries with the option name', () => {
    for (const bad of ['-1', 'abc', '%', '1%%', 'NaN', 'Infinity', '1,,x']) {
      expect(() => parseEpsList(bad, 'eps'), bad).toThrow(UsageError);
    }
    expect(() => parseEpsList(' , ', 'sigma')).toThrow(/--sigma/);
    expect(() => parseEps('-0.5%')).toThrow(/not a radius/);
  });

  it('resolves against the reference norm and carries both numbers', () => {
    expect(resolveEps(parseEps('1%'), 250)).toEqual({ eps: 2.5, epsRelative: 0.01 });
    expect(resolveEps(parseEps('5'), 250)).toEqual({ eps: 5, epsRelative: 0.02 });
    expect(resolveEps(parseEps('0'), 0)).toEqual({ eps: 0, epsRelative: 0 });
    expect(resolveEps(parseEps('0%'), 0)).toEqual({ eps: 0, epsRelative: 0 });
    expect(Number.isNaN(resolveEps(parseEps('1'), 0).epsRelative)).toBe(true);
    expect(() => resolveEps(parseEps('1%'), 0)).toThrow(/non-zero clean signal/);
    expect(() => resolveEps(parseEps('1'), -1)).toThrow(UsageError);
    expect(resolveEpsForSlices(parseEps('10%'), [10, 20]).map((r) => r.eps)).toEqual([1, 2]);
  });
});
