/**
 * `ct-audit attack` and `ct-audit certify` run as a user runs them (child processes). Both are the audit with
 * other defaults (src/main/cli/audit-command.ts), so they write an audit folder (--out) and print the summary
 * with --json; checked here against results.jsonl, the exact binomial table and the option bounds of
 * src/shared/robustness.ts, and the one-line errors with exit codes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AuditSummary, ResultLine } from '../../../src/shared/audit-results';
import { certifiedOrderStatistic } from '../../../src/main/engine/certify';
import { cli, expectOneLineError } from '../helpers/cli';

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-attack-'));
});

const GEOM = ['--model', 'fbp', '--data', 'ellipses', '--size', '24', '--views', '18'];

async function lines(dir: string): Promise<ResultLine[]> {
  const text = await fs.readFile(path.join(dir, 'results.jsonl'), 'utf8');
  return text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as ResultLine);
}

describe('ct-audit attack', () => {
  it('pga-y --json: rho-hat per radius in all three units, equal to the mean of results.jsonl', async () => {
    const out = path.join(tmp, 'pga');
    const r = await cli(
      'attack',
      ...GEOM,
      '--phantoms',
      '2',
      '--eps',
      '0,1%,2HU',
      '--steps',
      '15',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as AuditSummary;
    expect(s.attack).toMatchObject({ kind: 'pga-y', space: 'y', grid: 'radius' });
    expect(s.certification).toBeNull();
    expect(s.models.map((m) => m.name)).toEqual(['fbp']);
    const ls = await lines(out);
    expect(ls).toHaveLength(2 * 3);
    const [p0, p1, p2] = s.rhoHat[0].points;
    expect(p0.rhoHat).toBeCloseTo(s.rhoHat[0].clean.mean, 6);
    expect(p1.meanRelative).toBeCloseTo(0.01, 12);
    expect(s.attack!.eps[2].meanHu).toBeCloseTo(2, 9);
    for (const p of [p1, p2]) expect(p.rhoHat).toBeGreaterThanOrEqual(p0.rhoHat);
    for (const [k, p] of [p0, p1, p2].entries()) {
      const at = ls.filter((l) => l.epsIndex === k);
      expect(at.reduce((a, l) => a + l.attack.perturbed.error, 0) / at.length).toBeCloseTo(p.rhoHat, 10);
      for (const l of at) {
        expect(l.attack.deltaNorm).toBeLessThanOrEqual(l.eps.value * (1 + 1e-6) + 1e-12);
        expect(l.certification).toBeNull();
      }
    }
  });

  it('antun-x (a grid of penalty weights) and mismatch (one operator-error box) through the same runner', async () => {
    const a = await cli(
      'attack',
      ...GEOM,
      '--attack',
      'antun-x',
      '--lambda',
      '0.5,2',
      '--steps',
      '10',
      '--json',
    );
    expect(a.code, a.stderr).toBe(0);
    const ja = JSON.parse(a.stdout) as AuditSummary;
    expect(ja.attack).toMatchObject({ kind: 'antun-x', space: 'x', grid: 'lambda' });
    expect(ja.attack!.eps.map((e) => e.spec)).toEqual(['lambda 0.5', 'lambda 2']);
    const m = await cli(
      'attack',
      ...GEOM,
      '--attack',
      'mismatch',
      '--max-angle',
      '0.5',
      '--max-gain',
      '0.01',
      '--json',
    );
    expect(m.code, m.stderr).toBe(0);
    const jm = JSON.parse(m.stdout) as AuditSummary;
    expect(jm.attack).toMatchObject({ kind: 'mismatch', grid: 'single' });
    expect(jm.rhoHat[0].points[0].rhoHat).toBeGreaterThanOrEqual(jm.rhoHat[0].clean.mean);
  });

  it('generator: G trained once per model and radius on held-out phantoms', async () => {
    const r = await cli(
      'attack',
      ...GEOM,
      '--attack',
      'generator',
      '--eps',
      '1%',
      '--generator-steps',
      '5',
      '--train-slices',
      '2',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as AuditSummary;
    expect(j.attack).toMatchObject({ kind: 'generator', space: 'y' });
    expect(j.rhoHat[0].points[0].meanRelative).toBeCloseTo(0.01, 12);
    expect(j.rhoHat[0].points[0].rhoHat).toBeGreaterThan(0);
  });

  it('fails with one line and the right exit code', async () => {
    expectOneLineError(await cli('attack', ...GEOM, '--eps', 'abc'), 2, /--eps: "abc" is not a radius/);
    expectOneLineError(
      await cli('attack', '--model', path.join(tmp, 'no-model'), '--data', 'ellipses', '--eps', '1%'),
      1,
      /no-model/,
    );
    expectOneLineError(await cli('attack', ...GEOM, '--eps', '1%', '--momentum', '2'), 2, /--momentum/);
    expectOneLineError(
      await cli('attack', ...GEOM, '--steps', '10001'),
      2,
      /--steps must be an integer in \[0, 10000\]/,
    );
    expectOneLineError(await cli('attack', ...GEOM, '--attack', 'fgsm'), 2, /--attack must be one of pga-y/);
  });
});

describe('ct-audit certify', () => {
  it('--json: per radius and sigma, K from the exact binomial table, abstention with the needed S', async () => {
    const out = path.join(tmp, 'cert');
    // sigma eps/0.5 -> eps/sigma 0.5: K = 43 of 50 at c 0.99 (scipy: binom.ppf + 1).
    // sigma eps/1.8 -> eps/sigma 1.8, p 0.964: needs S >= 126, so S = 50 abstains.
    const r = await cli(
      'certify',
      ...GEOM,
      '--eps',
      '0.5%',
      '--steps',
      '5',
      '--sigma',
      'eps/0.5,eps/1.8',
      '--samples',
      '50',
      '--confidence',
      '0.99',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout) as AuditSummary;
    expect(s.certification).toMatchObject({ reference: 'truth', space: 'y', samples: 50, confidence: 0.99 });
    const [l] = await lines(out);
    const [ok, abst] = l.certification!.perSigma;
    expect(ok).toMatchObject({ abstain: false, reason: null, k: 43 });
    expect(ok.k).toBe(certifiedOrderStatistic({ samples: 50, eps: 1, sigma: 2, confidence: 0.99 }).k);
    expect(ok.sigmaValue).toBeCloseTo(2 * l.eps.value, 9);
    expect(ok.certified as number).toBeGreaterThanOrEqual(ok.median);
    expect(abst).toMatchObject({ abstain: true, certified: null, k: null, minSamples: 126 });
    expect(abst.reason).toMatch(/use at least 126 samples/);
    expect(s.certification!.bestSigma[0]).toMatchObject({ sigma: 'eps/0.5', reason: null });
  });

  it('--steps 0 certifies the clean measurement (no attack)', async () => {
    const out = path.join(tmp, 'clean');
    const r = await cli('certify', ...GEOM, '--eps', '0.5%', '--steps', '0', '--samples', '20', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const [l] = await lines(out);
    expect(l.attack.deltaNorm).toBe(0);
    expect(l.attack.perturbed.error).toBeCloseTo(l.clean.error, 10);
  });

  it('rejects bad sigma entries and bad references', async () => {
    expectOneLineError(
      await cli('certify', ...GEOM, '--sigma', '0,1'),
      2,
      /--sigma: "0" is not a noise level/,
    );
    expectOneLineError(
      await cli('certify', ...GEOM, '--cert-reference', 'nope'),
      2,
      /--cert-reference must be one of/,
    );
  });
});
