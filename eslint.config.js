// ESLint 9 flat config. Formatting is Prettier's job (eslint-config-prettier, last, turns off the
// rules that would fight it); `npm run lint` runs both.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * Layers: imports point down. The engine's modules from the lowest layer up; a module may import its own
 * layer and the ones below, never one above (DESIGN.md section 1). Engine code never imports Electron or the
 * main-process side (app, gateway, server, cli); src/shared imports nothing from src/main or the renderer.
 */
const ENGINE_LAYERS = [
  ['numeric', 'random', 'job-context', 'app-version', 'worker-script'],
  ['backend', 'io'],
  ['ops', 'physics', 'metrics'],
  ['dicom', 'data'],
  ['models'],
  ['training', 'attacks', 'certify', 'linear-theory', 'pipeline'],
  ['audit'],
  ['reproduce'],
  ['host'],
];
const ABOVE_ENGINE = ['app', 'gateway', 'server', 'cli'];
const banned = (names) => names.flatMap((n) => [`**/${n}`, `**/${n}/**`, `**/${n}.ts`]);
const engineLayerRules = ENGINE_LAYERS.flatMap((layer, i) => {
  const above = ENGINE_LAYERS.slice(i + 1).flat();
  const patterns = [
    {
      group: banned(ABOVE_ENGINE.map((n) => `main/${n}`)),
      message: 'The engine never imports the main-process side (app, gateway, server, cli).',
    },
  ];
  if (above.length > 0) {
    patterns.push({
      group: banned(above),
      message: `This engine module sits below ${above.join(', ')}: imports point down the layers (eslint.config.js).`,
    });
  }
  return layer.map((name) => ({
    files: [`src/main/engine/${name}/**/*.ts`, `src/main/engine/${name}.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine never imports Electron (DESIGN.md section 1).' }],
          patterns,
        },
      ],
    },
  }));
});

export default defineConfig(
  globalIgnores(['out/', 'dist/', 'node_modules/', 'coverage/', 'test-results/', 'playwright-report/']),

  js.configs.recommended,
  tseslint.configs.recommended,
  vue.configs['flat/recommended'],

  {
    // <script lang="ts"> in single-file components.
    files: ['**/*.vue'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'] },
    },
  },
  {
    files: ['**/*.ts', '**/*.vue'],
    rules: {
      // The TypeScript compiler reports undefined names (and knows types, which no-undef does not).
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },

  ...engineLayerRules,
  {
    files: ['src/shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '**/renderer/**', 'electron'],
              message: 'src/shared is pure: no main, renderer or Electron imports.',
            },
          ],
        },
      ],
    },
  },

  // Globals for plain JavaScript files: the renderer runs in a browser, everything else in Node.
  { files: ['src/renderer/**/*.{js,mjs}'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.{js,mjs,cjs}'], ignores: ['src/renderer/**'], languageOptions: { globals: globals.node } },

  prettier,
);
