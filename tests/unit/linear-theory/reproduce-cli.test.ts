/** `ct-audit reproduce linear-theory` run as a user runs it (child process): JSON shape, text table, usage errors. */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'bin/ct-audit.mjs');

async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

describe('ct-audit reproduce linear-theory', () => {
  it('--json prints the metrics, the paper values and the seed', async () => {
    const r = await cli(
      'reproduce',
      'linear-theory',
      '--json',
      '--seed',
      '7',
      '--samples',
      '5000',
      '--steps',
      '20000',
      '--draws',
      '200',
      '--sgd-steps',
      '0',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    for (const k of ['relFrobenius', 'relSpectral', 'residualRatio', 'kappaB', 'kappaBHat']) {
      expect(typeof j[k], k).toBe('number');
    }
    expect(j.paper).toEqual({
      relFrobenius: 0.024,
      relSpectral: 0.034,
      residualRatio: 0.99936,
      kappaB: 19.231,
      kappaBHat: 19.311,
    });
    expect(j.seed).toBe(7);
    expect(j.entryReading).toBe('variance');
    expect(j.readings.std.entryStd).toBe(0.1);
    expect(j.readings.std.kappa.draws).toBe(200);
    expect(j.readings.std.trajectory).toBeNull();
    expect(['reproduced', 'differs', 'inconclusive']).toContain(j.report.verdict);
    expect(j.report.rows).toHaveLength(5);
    expect(j.settings.samples).toBe(5000);
    expect(j.settings.train.steps).toBe(20000);
    // Fewer samples and steps than the paper: a looser but still meaningful bound.
    expect(j.relFrobenius).toBeLessThan(0.1);
    expect(j.residualRatio).toBeGreaterThan(0.98);
    expect(j.residualRatio).toBeLessThan(1.02);
  });

  it('prints a table next to the paper values; bad options are usage errors (exit 2, one line)', async () => {
    const r = await cli(
      'reproduce',
      'linear-theory',
      '--samples',
      '1000',
      '--steps',
      '2000',
      '--entry-scale',
      'std',
      '--draws',
      '200',
      '--sgd-steps',
      '12000',
    );
    expect(r.code, r.stderr).toBe(0);
    // The paper's text verbatim, then quantity, paper, ours, verdict, rule.
    expect(r.stdout).toContain('| • κ(B) = 19.231, κ(B̂) = 19.311, κ: condition number');
    expect(r.stdout).toMatch(
      /\|\|B-hat - B\|\|_F \/ \|\|B\|\|_F\s+0\.024\s+\S+\s+(reproduced|differs|inconclusive)/,
    );
    expect(r.stdout).toMatch(/kappa\(B\)\s+19\.231\s+\S+/);
    expect(r.stdout).toMatch(/ours std 0\.1 \(std reading; --entry-scale\)/);
    expect(r.stdout).toMatch(/ours m = 3, the objective's minimiser/);
    expect(r.stdout).toMatch(/note: kappa\(B\) with entries of std 0\.1, median \[5%, 95%\] over 200 draws/);
    expect(r.stdout).toMatch(/note: paper's SGD \(lr 0\.001, momentum 0\.9\), std 0\.1/);
    expect(r.stdout.trim().split('\n').pop()).toMatch(/^verdict: (reproduced|differs|inconclusive) \(/);
    const scale = await cli('reproduce', 'linear-theory', '--entry-scale', 'huge');
    expect(scale.code).toBe(2);
    expect(scale.stderr).toMatch(/--entry-scale "huge"/);
    const bad = await cli('reproduce', 'linear-theory', '--steps', '0');
    expect(bad.code).toBe(2);
    expect(
      bad.stderr
        .trim()
        .split('\n')
        .filter((l) => !l.startsWith('npm warn')),
    ).toHaveLength(1);
    const help = await cli('reproduce', '--help');
    expect(help.stdout).toMatch(/linear-theory/);
  });
});
