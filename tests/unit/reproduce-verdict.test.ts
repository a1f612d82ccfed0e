/** src/shared/reproduce-verdict.ts: each rule decides from the numbers it is given, and the overall verdict. */
import { describe, expect, it } from 'vitest';
import {
  atMostRow,
  formatReport,
  inconclusive,
  makeReport,
  overallVerdict,
  verdictLine,
  withinRow,
} from '@shared/reproduce-verdict';

const base = (paper: number, ours: number) => ({
  quantity: 'q',
  paper,
  paperText: String(paper),
  ours,
  oursText: String(ours),
  unit: 'dB',
});

describe('comparison rules', () => {
  it('within: reproduced exactly when the paper value lies in [lo, hi], edges included', () => {
    expect(withinRow(base(5, 4), 4, 6, 'band').verdict).toBe('reproduced');
    expect(withinRow(base(6, 4), 4, 6, 'band').verdict).toBe('reproduced');
    expect(withinRow(base(6.01, 4), 4, 6, 'band').verdict).toBe('differs');
    expect(withinRow(base(3.99, 4), 4, 6, 'band').rule).toBe('paper value outside our band [4, 6]');
  });

  it('atMost: reproduced exactly when ours <= bound', () => {
    expect(atMostRow(base(0.02, 0.04), 0.04, 'twice').verdict).toBe('reproduced');
    expect(atMostRow(base(0.02, 0.0401), 0.04, 'twice').verdict).toBe('differs');
    expect(atMostRow(base(0.02, 0.05), 0.04, 'twice').rule).toBe('ours > 0.04 (twice)');
  });

  it('overall: differs beats inconclusive beats reproduced; no rows is inconclusive', () => {
    const ok = withinRow(base(5, 5), 4, 6, 'b');
    const bad = withinRow(base(9, 5), 4, 6, 'b');
    const unsure = inconclusive(ok, 'not converged');
    expect(overallVerdict([ok, ok])).toBe('reproduced');
    expect(overallVerdict([ok, unsure])).toBe('inconclusive');
    expect(overallVerdict([unsure, bad])).toBe('differs');
    expect(overallVerdict([])).toBe('inconclusive');
    expect(unsure.rule).toMatch(/inconclusive: not converged$/);
    expect(verdictLine([ok, { ...bad, quantity: 'psnr' }])).toBe(
      'verdict: differs (psnr differ; 1 of 2 reproduced)',
    );
  });

  it('formats the source verbatim, the table, differences, notes and the verdict last', () => {
    const rep = makeReport({
      experiment: 'x',
      source: { paper: 'papers/002', where: 'Table 1 (a)', verbatim: ['Ord 32.71'] },
      rows: [withinRow(base(32.71, 31), 30, 33, 'range')],
      differences: [{ setting: 'data', paper: 'BSD68', ours: 'Fashion-MNIST', why: 'not available' }],
      notes: ['n1'],
    });
    const lines = formatReport(rep);
    expect(lines[0]).toBe('x: papers/002, Table 1 (a), verbatim:');
    expect(lines[1]).toBe('  | Ord 32.71');
    expect(lines[3]).toMatch(/^q\s+32\.71\s+31 dB\s+reproduced\s+paper value inside our range \[30, 33\]$/);
    expect(lines).toContain('  - data: paper BSD68; ours Fashion-MNIST. Why: not available');
    expect(lines[lines.length - 1]).toBe('verdict: reproduced (every compared number; 1 of 1 reproduced)');
  });
});
