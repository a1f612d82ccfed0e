/**
 * Which script a worker thread runs. From TypeScript sources (tsx, vitest) it is the caller's bootstrap
 * `.mjs`, which registers tsx in the new thread and imports the `.ts` entry; from a build (the compiled CLI in
 * out/cli, electron-vite's out/main) it is the entry bundled next to this module under `bundledName`, with
 * this module's own extension (.mjs or .js). Both builds name the entries in one place: BUNDLED_WORKERS.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const BUNDLED_WORKERS = {
  'engine-host-worker': 'src/main/engine/host/worker-entry.ts',
  'batch-series-worker': 'src/main/engine/audit/batch-worker.ts',
  'smoothing-worker': 'src/main/engine/certify/smoothing-worker.ts',
} as const;
export type BundledWorker = keyof typeof BUNDLED_WORKERS;

export function workerScript(sourceBootstrap: URL, bundledName: BundledWorker): URL {
  // tsx's tsImport (npm run bench) adds a ?tsx-namespace= query to module URLs.
  const here = import.meta.url.split('?')[0];
  if (here.endsWith('.ts')) return sourceBootstrap;
  const ext = here.slice(here.lastIndexOf('.'));
  // Next to this module, or one folder up when a bundler put this module into a chunks/ folder.
  const candidates = [`./${bundledName}${ext}`, `../${bundledName}${ext}`].map((p) => new URL(p, here));
  const found = candidates.find((u) => existsSync(fileURLToPath(u)));
  if (!found) {
    throw new Error(`worker script ${bundledName}${ext} not found next to ${here} (is the build complete?)`);
  }
  return found;
}
