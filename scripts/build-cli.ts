/**
 * Compiles the `ct-audit` CLI and its worker threads into out/cli (ES modules, one file per entry plus shared
 * chunks, dependencies left in node_modules), so the command starts without compiling TypeScript at run time.
 * Runs on `npm install` / `npm ci` (the `prepare` script) and in `npm run build`. bin/ct-audit.mjs runs this
 * build when it is newer than the sources, else the sources through tsx.
 *   tsx scripts/build-cli.ts [--outdir dir]
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED_WORKERS } from '../src/main/engine/worker-script';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const at = process.argv.indexOf('--outdir');
const outdir = at > 0 ? path.resolve(process.argv[at + 1]) : path.join(root, 'out', 'cli');

const t0 = performance.now();
rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: {
    'ct-audit': 'src/main/cli/bin.ts',
    ...BUNDLED_WORKERS,
  },
  outdir,
  // Chunks sit next to the entries: worker-script.ts finds a worker as a sibling of its own chunk.
  entryNames: '[name]',
  chunkNames: '[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  tsconfig: 'tsconfig.node.json',
  sourcemap: 'linked',
  logLevel: 'warning',
});
console.log(
  `ct-audit CLI compiled into ${path.relative(root, outdir)}/ in ${Math.round(performance.now() - t0)} ms`,
);
