/**
 * `ct-audit attack` and `ct-audit certify` run as a user runs them (child processes): the JSON contract of
 * the issue (aligned top-level eps / epsRelative / rhoHat arrays; per slice-and-sigma objects with median,
 * certified, abstain, reason, k, samples), numbers checked against the written .npy files and the exact
 * binomial table, and one-line errors with exit codes.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy } from '../../../src/main/engine/io/npy';
import { cli, expectOneLineError } from '../helpers/cli';

async function npy(p: string) {
  return decodeNpy(await fs.readFile(p), p);
}

function dist(a: Float32Array, b: Float32Array, off: number, n: number): number {
  let s = 0;
  for (let i = off; i < off + n; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-attack-'));
});

const GEOM = ['--model', 'fbp', '--data', 'ellipses', '--size', '24', '--views', '18'];

describe('ct-audit attack', () => {
  it('pga-y --json: aligned eps/epsRelative/rhoHat, per-slice errors that match the written files', async () => {
    const out = path.join(tmp, 'pga');
    const r = await cli(
      'attack',
      ...GEOM,
      '--slices',
      '2',
      '--eps',
      '0,1%,3%',
      '--steps',
      '15',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      eps: number[];
      epsRelative: number[];
      rhoHat: number[];
      cleanRhoHat: number;
      space: string;
      slices: {
        id: string;
        cleanError: number;
        points: { eps: number; epsRelative: number; error: number; deltaNorm: number }[];
      }[];
    };
    expect(j.space).toBe('y');
    expect(j.eps.length).toBe(3);
    expect(j.epsRelative.length).toBe(3);
    expect(j.rhoHat.length).toBe(3);
    expect(j.epsRelative[1]).toBeCloseTo(0.01, 12);
    expect(j.rhoHat[0]).toBeCloseTo(j.cleanRhoHat, 6);
    expect(j.rhoHat[1]).toBeGreaterThanOrEqual(j.rhoHat[0]);
    expect(j.rhoHat[2]).toBeGreaterThanOrEqual(j.rhoHat[1]);
    expect(j.slices.length).toBe(2);
    const x = await npy(path.join(out, 'reference.npy'));
    expect(x.shape).toEqual([2, 24, 24]);
    for (let k = 0; k < 3; k++) {
      const d = await npy(path.join(out, `eps${k}-perturbation.npy`));
      const rec = await npy(path.join(out, `eps${k}-perturbed-recon.npy`));
      expect(d.shape).toEqual([2, 18, 34]);
      for (let b = 0; b < 2; b++) {
        const p = j.slices[b].points[k];
        const dn = dist(d.data, new Float32Array(d.data.length), b * 18 * 34, 18 * 34);
        expect(dn).toBeLessThanOrEqual(p.eps * (1 + 1e-6) + 1e-12);
        expect(dn).toBeCloseTo(p.deltaNorm, 4);
        expect(dist(rec.data, x.data, b * 576, 576)).toBeCloseTo(p.error, 4);
      }
      // The mean of the per-slice errors is rho-hat.
      expect((j.slices[0].points[k].error + j.slices[1].points[k].error) / 2).toBeCloseTo(j.rhoHat[k], 10);
    }
    const pngs = (await fs.readdir(out)).filter((f) => f.endsWith('.png'));
    expect(pngs).toContain('eps2-perturbation-1.png');
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8')) as {
      files: string[];
    };
    expect(summary.files.length).toBeGreaterThan(10);
  });

  it('antun-x and mismatch report their own sizes in the same arrays', async () => {
    const a = await cli(
      'attack',
      ...GEOM,
      '--kind',
      'antun-x',
      '--lambda',
      '0.5,2',
      '--steps',
      '10',
      '--json',
    );
    expect(a.code, a.stderr).toBe(0);
    const ja = JSON.parse(a.stdout) as { lambda: number[]; eps: number[]; rhoHat: number[]; space: string };
    expect(ja.lambda).toEqual([0.5, 2]);
    expect(ja.eps.length).toBe(2);
    expect(ja.space).toBe('x');
    const m = await cli(
      'attack',
      ...GEOM,
      '--kind',
      'mismatch',
      '--max-angle',
      '0.5',
      '--max-gain',
      '1%',
      '--points',
      '1',
      '--json',
    );
    expect(m.code, m.stderr).toBe(0);
    const jm = JSON.parse(m.stdout) as {
      rhoHat: number[];
      cleanRhoHat: number;
      curves: { parameter: string }[];
    };
    expect(jm.rhoHat[0]).toBeGreaterThanOrEqual(jm.cleanRhoHat);
    expect(jm.curves.map((c) => c.parameter)).toEqual([
      'angle',
      'angle',
      'angle',
      'shift',
      'shift',
      'shift',
      'gain',
    ]);
  });

  it('generator: G trained on held-out phantoms, reported next to pga-y', async () => {
    const r = await cli(
      'attack',
      ...GEOM,
      '--kind',
      'generator',
      '--eps',
      '1%',
      '--steps',
      '5',
      '--train-slices',
      '2',
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      heldOut: boolean;
      rhoHat: number[];
      pgaRhoHat: number[];
      epsRelative: number[];
    };
    expect(j.heldOut).toBe(true);
    expect(j.rhoHat.length).toBe(1);
    expect(j.pgaRhoHat[0]).toBeGreaterThan(0);
    expect(j.epsRelative[0]).toBeCloseTo(0.01, 12);
  });

  it('fails with one line and the right exit code', async () => {
    expectOneLineError(await cli('attack', ...GEOM, '--eps', 'abc'), 2, /--eps: "abc" is not a radius/);
    expectOneLineError(await cli('attack', ...GEOM), 2, /--eps is required for --kind pga-y/);
    expectOneLineError(
      await cli('attack', '--model', path.join(tmp, 'no-model'), '--data', 'ellipses', '--eps', '1%'),
      1,
      /no-model/,
    );
    expectOneLineError(await cli('attack', ...GEOM, '--eps', '1%', '--momentum', '2'), 2, /--momentum/);
  });
});

describe('ct-audit certify', () => {
  it('--json: per slice-and-sigma objects, K from the exact binomial table, abstention with the needed S', async () => {
    const out = path.join(tmp, 'cert');
    // Absolute eps 0.005 with sigma 0.01 -> eps/sigma 0.5: K = 43 of 50 at c 0.99 (scipy: binom.ppf + 1).
    // sigma 0.003 -> eps/sigma 1.67, p 0.952: needs S >= 95, so S = 50 abstains.
    const r = await cli(
      'certify',
      ...GEOM,
      '--sigma',
      '0.01,0.003',
      '--eps',
      '0.005',
      '--samples',
      '50',
      '--confidence',
      '0.99',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      results: {
        slice: number;
        sigma: number;
        median: number;
        certified: number | null;
        abstain: boolean;
        reason: string | null;
        k: number | null;
        samples: number;
        psnr: { median: number; certified: number | null };
      }[];
      bestSigma: { sigma: number | null; reason: string | null }[];
    };
    expect(j.results.length).toBe(2);
    const [ok, abst] = j.results;
    expect(ok).toMatchObject({ sigma: 0.01, abstain: false, reason: null, k: 43, samples: 50 });
    expect(ok.certified as number).toBeGreaterThanOrEqual(ok.median);
    expect(ok.psnr.certified).toBeGreaterThan(0);
    expect(abst).toMatchObject({ sigma: 0.003, abstain: true, certified: null, k: null, samples: 50 });
    expect(abst.reason).toMatch(/use at least 95 samples/);
    // sigma 0.003 abstains, so the best sigma is the only one that certifies every slice.
    expect(j.bestSigma[0]).toMatchObject({ sigma: 0.01, reason: null });
    const files = await fs.readdir(out);
    expect(files).toContain('eps0-sigma0-median-recon.npy');
    expect(files).toContain('eps0-sigma1-certified-recon-0.png');
  });

  it('rejects an attack that does not live in the certified space', async () => {
    expectOneLineError(
      await cli('certify', ...GEOM, '--sigma', '0.01', '--eps', '0.01', '--attack', 'pga-y'),
      2,
      /--attack pga-y perturbs y, but --space is x/,
    );
    expectOneLineError(await cli('certify', ...GEOM, '--sigma', '0,1', '--eps', '0.01'), 2, /--sigma: "0"/);
  });
});
