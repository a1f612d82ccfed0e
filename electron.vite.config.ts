import { fileURLToPath } from 'node:url';
import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import type { Plugin } from 'vite';
import { BUNDLED_WORKERS } from './src/main/engine/worker-script';

const shared = fileURLToPath(new URL('./src/shared', import.meta.url));
const renderer = fileURLToPath(new URL('./src/renderer/src', import.meta.url));

/**
 * The CSP meta tag in src/renderer/index.html is the production policy. Vite's dev server injects
 * component styles as <style> tags and talks HMR over a WebSocket, so `electron-vite dev` (and only
 * it) gets those two allowances.
 */
function devCspAllowances(): Plugin {
  const relax: [string, string][] = [
    ["style-src 'self'", "style-src 'self' 'unsafe-inline'"],
    ["connect-src 'self'", "connect-src 'self' ws://localhost:* ws://127.0.0.1:*"],
  ];
  return {
    name: 'ct-audit:dev-csp-allowances',
    apply: 'serve',
    transformIndexHtml(html) {
      return relax.reduce((out, [from, to]) => {
        if (!out.includes(from)) throw new Error(`dev CSP: "${from}" not found in index.html`);
        return out.replace(from, to);
      }, html);
    },
  };
}

// Entries follow electron-vite's conventions (src/main/index.ts, src/preload/index.ts,
// src/renderer/index.html); output goes to out/. Main-process `dependencies` (tfjs, dicom-parser, zod, ...)
// stay external and are loaded from node_modules; the renderer bundles everything it imports.
export default defineConfig({
  main: {
    resolve: { alias: { '@shared': shared } },
    // The worker threads the engine starts (batch series, the engine host of the web mode) are entries of
    // their own, next to index.js: engine/worker-script.ts finds them there.
    build: {
      rolldownOptions: {
        input: {
          index: fileURLToPath(new URL('./src/main/index.ts', import.meta.url)),
          ...Object.fromEntries(
            Object.entries(BUNDLED_WORKERS).map(([name, file]) => [
              name,
              fileURLToPath(new URL(`./${file}`, import.meta.url)),
            ]),
          ),
        },
      },
    },
  },
  preload: {
    resolve: { alias: { '@shared': shared } },
    build: {
      // package.json says "type": "module", which would make electron-vite emit an ES module preload
      // (index.mjs). Sandboxed preloads (sandbox: true) cannot load ES modules and can `require` only
      // `electron` and a few builtins, so the preload is one self-contained CommonJS file: index.cjs.
      externalizeDeps: false,
      rolldownOptions: { output: { format: 'cjs' } },
    },
  },
  renderer: {
    resolve: { alias: { '@shared': shared, '@renderer': renderer } },
    plugins: [vue(), devCspAllowances()],
  },
});
