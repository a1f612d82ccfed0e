/**
 * E2E fixtures.
 * - `server` (one per worker): the real `ct-audit serve` CLI on a free port, sharing a fresh temporary
 *   root folder; its printed URL carries the per-start token.
 * - `dataDir` (one per test): the test's own folder inside that root, filled by `copyData`.
 * - `shot(view, element?)`: a screenshot of the current page (or of one element, whole even when it is taller
 *   than the window) under test-results/screenshots/<test>--<view>.png.
 * Reference CT files come from tests/helpers/dicom-data.ts (the shared set when present, else the subset
 * vendored in tests/fixtures/dicom); a test that needs a file only the shared set has skips, saying why.
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dicomPath, hasDicom } from '../helpers/dicom-data';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

export interface ServerInfo {
  url: string;
  origin: string;
  token: string;
  root: string;
  output: () => string;
}

async function startServe(root: string): Promise<{ info: ServerInfo; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin', 'ct-audit.mjs'),
      'serve',
      '--port',
      '0',
      '--root',
      root,
      // Models trained by the tests stay in the test's temporary folder.
      '--workspace',
      path.join(root, 'workspace'),
    ],
    {
      cwd: ROOT,
      env: { ...process.env, CT_AUDIT_BACKEND: process.env.CT_AUDIT_BACKEND ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (out += c));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ct-audit serve did not print its URL in 60 s:\n${out}`)),
      60_000,
    );
    const check = (): void => {
      const m = /CT Audit web mode: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', (code) => reject(new Error(`ct-audit serve exited with ${code}:\n${out}`)));
  });
  const u = new URL(url);
  return {
    info: { url, origin: u.origin, token: u.searchParams.get('token') ?? '', root, output: () => out },
    child,
  };
}

export const test = base.extend<
  { dataDir: string; shot: (view: string, element?: Locator) => Promise<void> },
  { server: ServerInfo }
>({
  server: [
    // Playwright reads the fixture's dependencies from this destructuring: none.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const root = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-e2e-'));
      const { info, child } = await startServe(root);
      await use(info);
      child.kill('SIGTERM');
      await rm(root, { recursive: true, force: true });
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  dataDir: async ({ server }, use, testInfo) => {
    const dir = path.join(server.root, `t-${testInfo.testId}`);
    await mkdir(dir, { recursive: true });
    await use(dir);
  },
  shot: async ({ page }, use, testInfo) => {
    const slug = testInfo.title
      .replace(/[^a-z0-9]+/gi, '-')
      .replace(/^-|-$/g, '')
      .toLowerCase();
    await use(async (view, element) => {
      await mkdir(SCREENSHOTS, { recursive: true });
      const file = path.join(SCREENSHOTS, `${slug}--${view}.png`);
      if (!element) {
        await page.screenshot({ path: file });
        return;
      }
      // An element taller than the window (inside the app's scrolling main area) would be cut: the window
      // grows to hold it for the shot, and the canvases redraw at the new size first.
      const window = page.viewportSize();
      const box = await element.boundingBox();
      if (window && box && box.height > window.height - 80) {
        await page.setViewportSize({ width: window.width, height: Math.ceil(box.height + 160) });
        await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      }
      await element.screenshot({ path: file });
      if (window) await page.setViewportSize(window);
    });
  },
});

/** Copies files or folders (relative to the DICOM test set) into `dir`; returns the copies' paths. */
export async function copyData(dir: string, ...relative: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const rel of relative) {
    const to = path.join(dir, path.basename(rel));
    await cp(dicomPath(rel), to, { recursive: true });
    out.push(to);
  }
  return out;
}

/**
 * Skips the test, printing the reason (not a silent pass), when the DICOM set in use lacks one of `relative`
 * (the vendored subset leaves out a few large files that the shared set has).
 */
export function needDicom(...relative: string[]): void {
  const missing = relative.filter((rel) => !hasDicom(rel));
  const reason = `needs ${missing.join(', ')}, only in the larger shared DICOM set (../shared/data/dicom)`;
  if (missing.length > 0) console.log(`[e2e] skipped: ${reason}`);
  test.skip(missing.length > 0, reason);
}

export async function openApp(page: Page, server: ServerInfo): Promise<void> {
  await page.goto(server.url);
  await expect(page.getByTestId('connection-status')).toHaveText(/Web ·/);
}

export { expect };
