/// <reference types="electron-vite/node" />
/**
 * Electron main entry: one window, hardened (see app/security.ts), the IPC contract served by
 * app/ipc-handlers.ts, and the application menu. The compute engine is not imported here: it will
 * run in a utilityProcess so training never blocks this process.
 */
import { app, BrowserWindow, Menu, session } from 'electron';
import { registerIpcHandlers } from './app/ipc-handlers';
import { buildAppMenu } from './app/menu';
import { guardAllWebContents, hardenSession } from './app/security';
import { createMainWindow } from './app/window';

function start(): void {
  let mainWindow: BrowserWindow | undefined;

  // Every renderer sandboxed, whatever its webPreferences say.
  app.enableSandbox();
  guardAllWebContents();

  app.on('second-instance', () => {
    if (!mainWindow || mainWindow.isDestroyed()) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    registerIpcHandlers();
    Menu.setApplicationMenu(buildAppMenu());
    mainWindow = createMainWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow();
    });
  });
}

// A second launch hands over to the running instance (its 'second-instance' focuses the window).
if (app.requestSingleInstanceLock()) start();
else app.quit();
