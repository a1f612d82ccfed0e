/**
 * `npm run bench` (= tsx bench/index.ts [filter...]): runs every bench/*.bench.ts in turn, or only those
 * whose file name contains one of the filters. Benchmarks print tables; they assert nothing.
 *
 * The benchmarks import engine code that uses the `@shared/*` path alias, which lives in
 * tsconfig.node.json, so they are loaded through tsx's API with that tsconfig.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

const here = fileURLToPath(new URL('.', import.meta.url));
const tsconfig = fileURLToPath(new URL('../tsconfig.node.json', import.meta.url));

export interface BenchModule {
  run(): Promise<void>;
}

async function main(): Promise<void> {
  const filters = process.argv.slice(2);
  const files = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .filter((f) => filters.length === 0 || filters.some((q) => f.includes(q)))
    .sort();
  if (files.length === 0) {
    console.error(`no benchmark matches ${filters.join(', ')}`);
    process.exitCode = 2;
    return;
  }
  for (const f of files) {
    console.log(`\n=== ${f} ===`);
    const mod = (await tsImport(pathToFileURL(`${here}${f}`).href, {
      parentURL: import.meta.url,
      tsconfig,
    })) as BenchModule;
    await mod.run();
  }
}

// Print failures briefly: the wasm backend's own handlers would otherwise dump its minified source.
main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exitCode = 1;
});
