import { app, BrowserWindow } from 'electron';
import icon from '../../../resources/icon.png?asset';
import { PRODUCT_NAME } from './app-info';
import { loadRenderer, preloadPath } from './renderer-location';

export function createMainWindow(): BrowserWindow {
  const win = new BrowserWindow({
    title: PRODUCT_NAME,
    width: 1280,
    height: 800,
    minWidth: 800,
    minHeight: 560,
    show: false,
    backgroundColor: '#0f172a',
    // macOS and Windows take the icon from the packaged app; Linux needs it on the window.
    ...(process.platform === 'linux' ? { icon } : {}),
    webPreferences: {
      preload: preloadPath(),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  loadRenderer(win).catch((e: unknown) => {
    console.error('[window] could not load the renderer:', e);
  });
  return win;
}
