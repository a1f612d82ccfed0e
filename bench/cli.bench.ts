/**
 * `npm run bench cli`: start-up time of the `ct-audit` command (goal: `ct-audit --help` under 1 s on an idle
 * machine). Times whole processes, as a user sees them: the launcher bin/ct-audit.mjs running the compiled
 * CLI (out/cli, built by `npm install` and `npm run build`), the compiled entry directly, and the sources
 * through tsx (what the launcher falls back to when the sources are newer than the build), for `--help` and
 * for `info` (which loads tfjs and the wasm backend).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { fmtMs, printTable, time } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));

function runner(args: string[], env: Record<string, string> = {}): () => void {
  return () => {
    execFileSync(process.execPath, args, { cwd: root, stdio: 'ignore', env: { ...process.env, ...env } });
  };
}

export async function run(): Promise<void> {
  if (!existsSync(`${root}out/cli/ct-audit.mjs`))
    execFileSync('npx', ['tsx', 'scripts/build-cli.ts'], { cwd: root });
  const cases: [string, () => void][] = [
    ['bin/ct-audit.mjs --help (compiled)', runner(['bin/ct-audit.mjs', '--help'])],
    ['out/cli/ct-audit.mjs --help', runner(['out/cli/ct-audit.mjs', '--help'])],
    [
      'bin/ct-audit.mjs --help (sources, tsx)',
      runner(['bin/ct-audit.mjs', '--help'], { CT_AUDIT_FROM_SOURCE: '1' }),
    ],
    ['bin/ct-audit.mjs info (compiled)', runner(['bin/ct-audit.mjs', 'info'])],
    [
      'bin/ct-audit.mjs info (sources, tsx)',
      runner(['bin/ct-audit.mjs', 'info'], { CT_AUDIT_FROM_SOURCE: '1' }),
    ],
  ];
  const rows: string[][] = [];
  for (const [name, fn] of cases) {
    const t = await time(fn, { warmup: 1, repeats: 5 });
    rows.push([name, fmtMs(t.medianMs), fmtMs(t.minMs)]);
  }
  printTable(
    `ct-audit start-up, whole process (load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})`,
    ['command', 'median ms', 'min ms'],
    rows,
  );
}
