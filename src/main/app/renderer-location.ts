/**
 * Where the renderer and the preload are, in development (electron-vite's dev server) and in a build
 * (files under out/, inside app.asar when packaged). The one place that decides which URLs are the
 * app's own page: IPC senders and navigation are checked against it.
 */
import { app, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Set by `electron-vite dev`; ignored in a packaged app so an environment variable cannot redirect it. */
function devServerUrl(): URL | undefined {
  const raw = process.env['ELECTRON_RENDERER_URL'];
  if (app.isPackaged || !raw) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}

/** The app root (the folder or app.asar holding package.json and out/). */
function outDir(): string {
  return join(app.getAppPath(), 'out');
}

/** Sandboxed preloads must be CommonJS; electron.vite.config.ts builds it as out/preload/index.cjs. */
export function preloadPath(): string {
  return join(outDir(), 'preload', 'index.cjs');
}

function rendererFileUrl(): URL {
  return pathToFileURL(join(outDir(), 'renderer', 'index.html'));
}

export async function loadRenderer(win: BrowserWindow): Promise<void> {
  const dev = devServerUrl();
  if (dev) await win.loadURL(dev.href);
  else await win.loadURL(rendererFileUrl().href);
}

/** Origin allowed for http(s)/ws requests: the dev server in development, none in a build. */
export function devServerOrigin(): string | undefined {
  return devServerUrl()?.origin;
}

/** True when `url` is the app's own page (query and hash ignored). */
export function isAppUrl(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  const dev = devServerUrl();
  if (dev) return u.origin === dev.origin;
  if (u.protocol !== 'file:') return false;
  // Compare paths, not URL strings: Chromium and Node percent-encode some characters differently.
  const same = (a: string, b: string): boolean =>
    process.platform === 'win32' ? a.toLowerCase() === b.toLowerCase() : a === b;
  try {
    return same(fileURLToPath(u), fileURLToPath(rendererFileUrl()));
  } catch {
    return false;
  }
}
