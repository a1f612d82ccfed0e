/**
 * The window (src/main/app/window.ts), what counts as the app's own page (renderer-location.ts) and
 * process-wide hardening (security.ts), with `electron` mocked: the renderer runs isolated and
 * sandboxed without Node, loads only the app's own page, and cannot open windows, navigate, embed
 * webviews, get permissions or reach the network (DESIGN.md section 7, Electron's security checklist).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMainWindow } from '../../../src/main/app/window';
import { isAppUrl, preloadPath } from '../../../src/main/app/renderer-location';
import { guardAllWebContents, hardenSession } from '../../../src/main/app/security';
import {
  APP_PATH,
  FakeBrowserWindow,
  FakeWebContents,
  appPageUrl,
  electron,
  removeElectronFiles,
  resetElectron,
  type FakeSession,
} from './electron-mock';

vi.mock('electron', async () => (await import('./electron-mock')).electron);
afterAll(removeElectronFiles);

const DEV_URL = 'http://localhost:5173';

beforeEach(() => resetElectron());
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

describe('main window', () => {
  it('runs the renderer isolated, sandboxed, without Node, webviews or insecure content', () => {
    createMainWindow();
    const [win] = FakeBrowserWindow.windows;
    expect(win.options.webPreferences).toEqual({
      preload: path.join(APP_PATH, 'out', 'preload', 'index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: true,
    });
    expect(preloadPath()).toMatch(/index\.cjs$/); // sandboxed preloads must be CommonJS
  });

  it('loads the built page, and shows the window once it has painted', async () => {
    createMainWindow();
    const [win] = FakeBrowserWindow.windows;
    await vi.waitFor(() => expect(win.loaded).toEqual([appPageUrl()]));
    expect(win.loaded[0]).toBe(pathToFileURL(path.join(APP_PATH, 'out', 'renderer', 'index.html')).href);
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('loads the dev server in development, never in a packaged app, and closes devtools there', async () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', DEV_URL);
    createMainWindow();
    await vi.waitFor(() => expect(FakeBrowserWindow.windows[0].loaded).toEqual([`${DEV_URL}/`]));
    electron.app.isPackaged = true;
    createMainWindow();
    const packaged = FakeBrowserWindow.windows[1];
    await vi.waitFor(() => expect(packaged.loaded).toEqual([appPageUrl()]));
    expect(packaged.options.webPreferences?.devTools).toBe(false);
  });
});

describe("the app's own page", () => {
  it('is the built index.html (any hash or query), nothing else', () => {
    expect(isAppUrl(appPageUrl())).toBe(true);
    expect(isAppUrl(`${appPageUrl()}?x=1#/viewer`)).toBe(true);
    for (const other of [
      pathToFileURL(path.join(APP_PATH, 'out', 'renderer', 'other.html')).href,
      'file:///etc/passwd',
      'https://evil.example/index.html',
      `${DEV_URL}/`,
      'not a url',
      '',
    ])
      expect(isAppUrl(other), other).toBe(false);
  });

  it('is the dev server in development, and only while not packaged', () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', DEV_URL);
    expect(isAppUrl(`${DEV_URL}/#/train`)).toBe(true);
    expect(isAppUrl('http://localhost:5174/')).toBe(false);
    expect(isAppUrl(appPageUrl())).toBe(false);
    electron.app.isPackaged = true;
    expect(isAppUrl(`${DEV_URL}/`)).toBe(false);
    expect(isAppUrl(appPageUrl())).toBe(true);
  });
});

describe('hardening', () => {
  function guardedContents(): FakeWebContents {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    guardAllWebContents();
    const contents = new FakeWebContents();
    electron.app.emit('web-contents-created', {}, contents);
    return contents;
  }

  it('denies window.open for every webContents the app creates', () => {
    const contents = guardedContents();
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: appPageUrl() })).toEqual({ action: 'deny' });
  });

  it('prevents navigation and <webview>', () => {
    const contents = guardedContents();
    for (const event of ['will-navigate', 'will-attach-webview']) {
      const e = { url: 'https://evil.example/', preventDefault: vi.fn() };
      contents.emit(event, e);
      expect(e.preventDefault, event).toHaveBeenCalledOnce();
    }
  });

  function hardened(): Required<
    Pick<FakeSession, 'permissionRequest' | 'permissionCheck' | 'beforeRequest'>
  > &
    FakeSession {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const s = electron.session.defaultSession;
    hardenSession(s as never);
    return s as never;
  }
  const cancelled = (s: FakeSession, url: string): boolean => {
    let answer: boolean | undefined;
    s.beforeRequest!({ url }, (r) => (answer = r.cancel));
    return answer!;
  };

  it('denies every permission request and check', () => {
    const s = hardened();
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read']) {
      const callback = vi.fn();
      s.permissionRequest(undefined, permission, callback);
      expect(callback).toHaveBeenCalledWith(false);
    }
    expect(s.permissionCheck()).toBe(false);
  });

  it("cancels every network request in a build; the app's files, data: and blob: pass", () => {
    const s = hardened();
    expect(s.beforeRequestFilter).toEqual({ urls: ['<all_urls>'] });
    for (const url of [
      'https://evil.example/x.js',
      'http://127.0.0.1:8765/api/info',
      'ws://localhost:5173/',
      'wss://x/',
      '::',
    ])
      expect(cancelled(s, url), url).toBe(true);
    for (const url of [
      appPageUrl(),
      'data:image/png;base64,AA==',
      'blob:file:///1234',
      'devtools://devtools/x',
    ])
      expect(cancelled(s, url), url).toBe(false);
  });

  it('lets the dev server (http and its HMR socket) through in development, nothing else', () => {
    vi.stubEnv('ELECTRON_RENDERER_URL', DEV_URL);
    const s = hardened();
    expect(cancelled(s, `${DEV_URL}/src/main.ts`)).toBe(false);
    expect(cancelled(s, 'ws://localhost:5173/')).toBe(false);
    expect(cancelled(s, 'http://localhost:5174/')).toBe(true);
    expect(cancelled(s, 'https://localhost:5173/')).toBe(true);
  });
});
