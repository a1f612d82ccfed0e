/// <reference types="electron-vite/node" />
/**
 * Electron main entry. The wiring (window, IPC, engine host, dialogs, menu) is app/main-process.ts;
 * a second launch hands over to the running instance (its 'second-instance' focuses the window).
 */
import { app } from 'electron';
import { startMainProcess } from './app/main-process';

if (app.requestSingleInstanceLock()) startMainProcess();
else app.quit();
