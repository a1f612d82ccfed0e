/**
 * End-to-end tests (Playwright test runner) against the web mode (`ct-audit serve`) in Debian's
 * Chromium, and against Electron where an Electron binary is installed (else skipped with the reason).
 * No browser is downloaded: the system Chromium is used (`.ci/run` installs it; CT_AUDIT_CHROMIUM
 * overrides the path). global-setup.ts builds the renderer when it is missing or older than its sources.
 */
import { defineConfig } from '@playwright/test';

export const CHROMIUM = process.env.CT_AUDIT_CHROMIUM ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  globalSetup: './tests/e2e/global-setup.ts',
  outputDir: 'test-results/e2e-artifacts',
  // Two cores shared with the engine's own work: one browser at a time keeps timings predictable.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 90_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    launchOptions: {
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu'],
    },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
