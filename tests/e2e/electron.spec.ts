/**
 * The desktop app through Playwright's Electron driver, where an Electron binary is installed
 * (`npm install` downloads it on machines with network access). Skipped, with the reason printed,
 * where it is not.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron } from '@playwright/test';
import { expect, ROOT, test } from './fixtures';

const BINARY = path.join(
  ROOT,
  'node_modules',
  'electron',
  'dist',
  process.platform === 'darwin' ? 'Electron.app' : process.platform === 'win32' ? 'electron.exe' : 'electron',
);
const HAVE_ELECTRON = existsSync(BINARY);
const REASON = `no Electron binary at ${BINARY} (it is downloaded by electron's install script, which needs network access)`;

test.describe('Electron', () => {
  test.beforeEach(() => {
    if (!HAVE_ELECTRON) console.log(`[e2e] skipped: ${REASON}`);
    test.skip(!HAVE_ELECTRON, REASON);
  });

  test('the desktop window is hardened and reaches the engine', async () => {
    const app = await electron.launch({ args: [path.join(ROOT, 'out', 'main', 'index.js')], cwd: ROOT });
    try {
      const win = await app.firstWindow();
      await expect(win.getByTestId('connection-status')).toHaveText(/Desktop ·/, { timeout: 60_000 });
      const globals = await win.evaluate(() => ({
        require: typeof (window as unknown as { require?: unknown }).require,
        process: typeof (window as unknown as { process?: unknown }).process,
        api: Object.keys((window as unknown as { ctAudit: object }).ctAudit).sort(),
      }));
      expect(globals.require).toBe('undefined');
      expect(globals.process).toBe('undefined');
      expect(globals.api).toEqual(['invoke', 'on', 'onDroppedPaths', 'transport']);
      // A path the user never picked is refused with a validation error.
      const refused = await win.evaluate(() =>
        (
          window as unknown as { ctAudit: { invoke: (c: string, r: unknown) => Promise<unknown> } }
        ).ctAudit.invoke('dicom:scan', { paths: ['/etc'] }),
      );
      expect(refused).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
      await win.screenshot({ path: path.join(ROOT, 'test-results', 'screenshots', 'electron--library.png') });
    } finally {
      await app.close();
    }
  });
});
