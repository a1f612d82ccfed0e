/**
 * The compiled CLI (scripts/build-cli.ts -> out/cli, what `npm install` builds and bin/ct-audit.mjs runs):
 * built here from the current sources into a temporary folder, it lists every command of the catalog, has
 * package.json's version, and computes exactly what the sources compute (a phantom and its sinogram, byte
 * for byte). Its worker threads run in the e2e tests: `ct-audit serve` starts the engine host in one, through
 * bin/ct-audit.mjs, which runs this build whenever it is current (always, after `npm ci`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMMANDS } from '../../../src/main/cli/commands/catalog';
import { REPO_ROOT } from '../../helpers/dicom-data';

let dir: string;
let cliPath: string;

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [script, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-compiled-'));
  const out = path.join(dir, 'cli');
  execFileSync(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules/tsx/dist/cli.mjs'), 'scripts/build-cli.ts', '--outdir', out],
    {
      cwd: REPO_ROOT,
      stdio: 'pipe',
    },
  );
  // The build resolves node_modules and package.json upwards from its folder: give it the project's.
  cliPath = path.join(REPO_ROOT, 'out', `cli-test-${process.pid}`);
  await fs.rm(cliPath, { recursive: true, force: true });
  await fs.cp(out, cliPath, { recursive: true });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
  if (cliPath) await fs.rm(cliPath, { recursive: true, force: true });
});

describe('compiled CLI', () => {
  it('lists every command and has the package version', () => {
    const help = run(path.join(cliPath, 'ct-audit.mjs'), ['--help']);
    expect(help.code, help.stderr).toBe(0);
    for (const c of COMMANDS) expect(help.stdout).toMatch(new RegExp(`^  ${c.name}\\b`, 'm'));
    const version = run(path.join(cliPath, 'ct-audit.mjs'), ['--version']);
    const pkg = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(version.stdout.trim()).toBe(pkg.version);
  });

  it('computes what the sources compute, byte for byte', async () => {
    const outputs: Buffer[][] = [];
    for (const [i, script] of [
      path.join(cliPath, 'ct-audit.mjs'),
      path.join(REPO_ROOT, 'bin/ct-audit.mjs'),
    ].entries()) {
      const env = { CT_AUDIT_FROM_SOURCE: '1', CT_AUDIT_BACKEND: 'wasm' };
      const p = `p${i}.npy`;
      const y = `y${i}.npy`;
      expect(run(script, ['phantom', '--kind', 'shepp-logan', '--size', '32', '--out', p], env).code).toBe(0);
      const r = run(script, ['radon', 'forward', '--in', p, '--views', '12', '--out', y], env);
      expect(r.code, r.stderr).toBe(0);
      outputs.push([await fs.readFile(path.join(dir, p)), await fs.readFile(path.join(dir, y))]);
    }
    expect(outputs[0][0].equals(outputs[1][0])).toBe(true);
    expect(outputs[0][1].equals(outputs[1][1])).toBe(true);
  });

  it('unknown commands and bad options are usage errors (exit 2, one line)', () => {
    const r = run(path.join(cliPath, 'ct-audit.mjs'), ['bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'bogus'/);
  });
});
