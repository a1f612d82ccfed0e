/**
 * Electron main's wiring, as one function (index.ts calls it once it holds the single-instance lock):
 * one hardened window (security.ts), the IPC contract served through the Gateway (validation, picked
 * paths), the engine host in a utilityProcess (engine-process.ts; HostClient owns its start timeout,
 * crash -> message + restart, and kill on quit), native dialogs and the application menu. The compute
 * engine is never imported here, so training never blocks this process.
 *
 * A function rather than module-level code so that tests can run it with `electron` mocked
 * (tests/unit/app): it returns what they look at.
 */
import path from 'node:path';
import { app, BrowserWindow, dialog, Menu, session } from 'electron';
import { IpcChannel, IpcEvent, type HostStatus, type IpcEventPayloads } from '@shared/ipc';
import { Gateway } from '../gateway/gateway';
import { HostClient, type HostTransport } from '../gateway/host-client';
import { PathPolicy } from '../gateway/path-policy';
import { auditFolder } from '../engine/host/workspace';
import { getAppInfo } from './app-info';
import { openDicomDialog, openModelDialog, openNetworkDialog, openReport } from './dialogs';
import { spawnUtilityHost } from './engine-process';
import { broadcast, registerIpcHandlers } from './ipc-handlers';
import { log } from './log';
import { buildAppMenu } from './menu';
import { guardAllWebContents, hardenSession } from './security';
import { createMainWindow } from './window';

/** How long the engine host may take to say `ready` (loading tfjs and its wasm on a slow machine). */
export const ENGINE_START_TIMEOUT_MS = 60_000;

export interface MainProcess {
  host: HostClient;
  policy: PathPolicy;
  gateway: Gateway;
  /** The main window, once the app is ready. */
  window(): BrowserWindow | undefined;
  /** Settles when the 'ready' work (session, IPC, menu, window, engine start) is done. */
  ready: Promise<void>;
}

export interface MainProcessOptions {
  /** The engine host's transport (default: a utilityProcess). */
  spawnHost?: () => HostTransport;
}

/** File > Open DICOM…: the native dialog; what was picked becomes readable and the renderer scans it. */
export async function openDicomFromMenu(
  kind: 'files' | 'folder',
  win: BrowserWindow | undefined,
  policy: PathPolicy,
): Promise<void> {
  try {
    const r = await openDicomDialog(win, kind, policy);
    if (r.paths.length > 0) broadcast(IpcEvent.PathsOpened, r);
  } catch (e) {
    log('main', `open dialog failed: ${String(e)}`, 'error');
    await dialog.showMessageBox({ type: 'error', message: 'Could not open the dialog', detail: String(e) });
  }
}

export function startMainProcess(options: MainProcessOptions = {}): MainProcess {
  let mainWindow: BrowserWindow | undefined;
  const policy = new PathPolicy(
    'the files and folders you opened',
    'open it with File > Open (or drop it on the window) first',
  );

  const host = new HostClient({
    spawn: options.spawnHost ?? spawnUtilityHost,
    startTimeoutMs: ENGINE_START_TIMEOUT_MS,
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
      [IpcChannel.DialogOpenNetwork]: () => openNetworkDialog(mainWindow, policy),
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

  const ready = app.whenReady().then(() => {
    hardenSession(session.defaultSession);
    registerIpcHandlers(gateway, policy);
    Menu.setApplicationMenu(
      buildAppMenu({
        openDicom: (kind, win) => void openDicomFromMenu(kind, win ?? mainWindow, policy),
      }),
    );
    mainWindow = createMainWindow();
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) mainWindow = createMainWindow();
    });
    // Start the engine while the window loads; a failure is shown by the UI through host:status.
    host.start().catch((e: unknown) => log('engine', `start failed: ${String(e)}`, 'error'));
  });

  return { host, policy, gateway, window: () => mainWindow, ready };
}
