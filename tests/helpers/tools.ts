/**
 * External programs the tests run, and the Debian package each comes from (`.ci/run` installs them all).
 * A missing program fails the test with a one-line message naming the package, never `spawnSync ENOENT`
 * and never a silent skip.
 */
import { spawnSync } from 'node:child_process';

export const TOOL_PACKAGES = {
  pdftotext: 'poppler-utils',
  pdftoppm: 'poppler-utils',
} as const;
export type ToolName = keyof typeof TOOL_PACKAGES;

/** Runs `name args` and returns its stdout; throws a clear error when the program is missing or fails. */
export function runTool(name: ToolName, args: readonly string[]): Buffer {
  const r = spawnSync(name, args, { maxBuffer: 256 * 2 ** 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(
      `${name} is not installed: install the Debian package ${TOOL_PACKAGES[name]} (.ci/run does: apt-get install -y ${TOOL_PACKAGES[name]})`,
    );
  }
  if (r.error) throw new Error(`${name} ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) {
    throw new Error(`${name} ${args.join(' ')} exited with ${r.status}: ${r.stderr.toString().trim()}`);
  }
  return r.stdout;
}
