/**
 * Before the e2e tests: the system Chromium must exist (a missing browser fails loudly, never skips),
 * and the renderer build must be current (built with electron-vite when missing or older than its
 * sources, so `npm test` works on a fresh clone).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CHROMIUM = process.env.CT_AUDIT_CHROMIUM ?? '/usr/bin/chromium';

function newest(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const name of readdirSync(p)) t = Math.max(t, newest(path.join(p, name)));
  return t;
}

export default function globalSetup(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `e2e: no Chromium at ${CHROMIUM}. Install it (Debian: apt-get install -y chromium; .ci/run does) or set CT_AUDIT_CHROMIUM.`,
    );
  }
  const built = path.join(ROOT, 'out', 'renderer', 'index.html');
  const sources = Math.max(
    newest(path.join(ROOT, 'src', 'renderer')),
    newest(path.join(ROOT, 'src', 'shared')),
    newest(path.join(ROOT, 'electron.vite.config.ts')),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) return;
  console.log('[e2e] building the renderer (electron-vite build)…');
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'],
    {
      cwd: ROOT,
      stdio: 'inherit',
    },
  );
}
