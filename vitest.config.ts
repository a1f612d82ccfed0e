import { defineConfig } from 'vitest/config';
import type { Plugin } from 'vite';
import { fileURLToPath } from 'node:url';

const PATH_IMPORT = '\0electron-vite-path:';

/**
 * electron-vite's `?modulePath` (a utilityProcess entry) and `?asset` imports evaluate to a file path
 * at run time (electron.vite.config.ts builds the file and exports where it lies). The main-process
 * tests get the source file's path, so the modules that use them (app/engine-process.ts,
 * app/window.ts) load under vitest; `electron` itself is mocked in those tests.
 */
function electronVitePathImports(): Plugin {
  return {
    name: 'ct-audit:electron-vite-path-imports',
    enforce: 'pre',
    async resolveId(source, importer) {
      const m = /^(.*)\?(?:modulePath|asset)$/.exec(source);
      if (!m) return null;
      const resolved = await this.resolve(m[1], importer, { skipSelf: true });
      return resolved ? PATH_IMPORT + resolved.id : null;
    },
    load(id) {
      return id.startsWith(PATH_IMPORT)
        ? `export default ${JSON.stringify(id.slice(PATH_IMPORT.length))};`
        : null;
    },
  };
}

export default defineConfig({
  plugins: [electronVitePathImports()],
  resolve: { alias: { '@shared': fileURLToPath(new URL('./src/shared', import.meta.url)) } },
  test: {
    include: ['tests/unit/**/*.test.ts'],
    globalSetup: ['tests/unit/global-setup.ts'],
    environment: 'node',
    // Engine tests are CPU-heavy and the CI machine has two cores: two forks, long timeouts
    // (timeouts guard against hangs; speed goals live in `npm run bench`).
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
