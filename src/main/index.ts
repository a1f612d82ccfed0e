/// <reference types="electron-vite/node" />
/**
 * Electron main entry: one hardened window (app/security.ts), the IPC contract served through the
 * Gateway (validation, picked paths), the engine host in a utilityProcess (app/engine-process.ts;
 * HostClient owns its start timeout, crash -> message + restart, and kill on quit), native dialogs and
 * the application menu. The compute engine is never imported here, so training never blocks this process.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { IpcChannel, IpcEvent, type HostStatus, type IpcEventPayloads } from '@shared/ipc';
import { Gateway } from './gateway/gateway';
import { HostClient } from './gateway/host-client';
import { PathPolicy } from './gateway/path-policy';
import { auditFolder } from './engine/host/workspace';
import { getAppInfo } from './app/app-info';
import { openDicomDialog, openModelDialog, openReport } from './app/dialogs';
import { spawnUtilityHost } from './app/engine-process';
import { broadcast, registerIpcHandlers } from './app/ipc-handlers';
import { log } from './app/log';
import { buildAppMenu } from './app/menu';
import { guardAllWebContents, hardenSession } from './app/security';
import { createMainWindow } from './app/window';

function start(): void {
  let mainWindow: BrowserWindow | undefined;
  const policy = new PathPolicy(
    'the files and folders you opened',
    'open it with File > Open (or drop it on the window) first',
  );

  const host = new HostClient({
    spawn: spawnUtilityHost,
    startTimeoutMs: 60_000,
    onStatus: (status: HostStatus) => {
      log('engine', `${status.state}: ${status.message}`, status.state === 'crashed' ? 'warn' : 'info');
      broadcast(IpcEvent.HostStatus, status);
    },
    onEvent: (event, payload) => broadcast(event as IpcEvent, payload as IpcEventPayloads[IpcEvent]),
  });

  // Trained models and audits go to the app's user-data folder (DESIGN.md section 5).
  const workspace = path.join(app.getPath('userData'), 'workspace');
  const gateway = new Gateway({
    host,
    paths: policy,
    app: getAppInfo,
    workspace,
    local: {
      [IpcChannel.DialogOpenDicom]: ({ kind }) => openDicomDialog(mainWindow, kind, policy),
      [IpcChannel.DialogOpenModel]: () => openModelDialog(mainWindow, policy),
      [IpcChannel.AuditOpenReport]: (where) =>
        openReport(path.join(auditFolder(workspace, where), 'report.pdf')),
    },
  });

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

  // The engine host must not outlive the app (a training job would keep running headless).
  app.on('before-quit', () => host.stop());

  void app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    registerIpcHandlers(gateway, policy);
    Menu.setApplicationMenu(
      buildAppMenu({
        openDicom: (kind, win) => {
          void openDicomDialog(win ?? mainWindow, kind, policy)
            .then((r) => {
              if (r.paths.length > 0) broadcast(IpcEvent.PathsOpened, r);
            })
            .catch((e: unknown) => {
              log('main', `open dialog failed: ${String(e)}`, 'error');
              void dialog.showMessageBox({
                type: 'error',
                message: 'Could not open the dialog',
                detail: String(e),
              });
            });
        },
      }),
    );
    mainWindow = createMainWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow();
    });
    // Start the engine while the window loads; a failure is shown by the UI through host:status.
    host.start().catch((e: unknown) => log('engine', `start failed: ${String(e)}`, 'error'));
  });
}

// A second launch hands over to the running instance (its 'second-instance' focuses the window).
if (app.requestSingleInstanceLock()) start();
else app.quit();
