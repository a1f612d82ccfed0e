// ESLint 9 flat config. Formatting is Prettier's job (eslint-config-prettier, last, turns off the
// rules that would fight it); `npm run lint` runs both.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import tseslint from 'typescript-eslint';

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

  // Globals for plain JavaScript files: the renderer runs in a browser, everything else in Node.
  { files: ['src/renderer/**/*.{js,mjs}'], languageOptions: { globals: globals.browser } },
  { files: ['**/*.{js,mjs,cjs}'], ignores: ['src/renderer/**'], languageOptions: { globals: globals.node } },

  prettier,
);
