/** Run the `ct-audit` CLI as a user does (a child process through bin/ct-audit.mjs) and check its errors. */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'vitest';

const run = promisify(execFile);
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(repoRoot, 'bin/ct-audit.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `ct-audit ...args` on the wasm backend, from the repository root; never throws. The scan cache is off
 * (tests do not write into the user's cache folder) unless CT_AUDIT_SCAN_CACHE or --scan-cache names one.
 */
export async function cli(...args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], {
      cwd: repoRoot,
      env: {
        ...process.env,
        CT_AUDIT_BACKEND: 'wasm',
        CT_AUDIT_SCAN_CACHE: process.env.CT_AUDIT_SCAN_CACHE ?? 'off',
      },
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/**
 * Exit code `code`, exactly one error line on stderr matching, no stack. Not counted: npm's and commander's
 * hints, and the progress lines a run writes when stderr is not a terminal ("[mm:ss] phase ...", progress.ts).
 */
export function expectOneLineError(r: CliResult, code: number, pattern: RegExp): void {
  expect(r.code, r.stderr).toBe(code);
  const lines = r.stderr
    .trim()
    .split('\n')
    .filter(
      (l) =>
        !l.startsWith('npm warn') && !l.includes('(run with --help for usage)') && !/^\[\d+:\d\d\] /.test(l),
    );
  expect(lines.length, r.stderr).toBe(1);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}
