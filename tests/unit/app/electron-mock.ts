/**
 * A stand-in for the `electron` module, for testing Electron main without an Electron binary (none can
 * be downloaded on the CI machines), as Podman Desktop and electron-vite's templates do:
 *
 *   vi.mock('electron', async () => (await import('./electron-mock')).electron);
 *
 * It records what main does (windows and their options, IPC handlers, menus, dialogs, forked utility
 * processes) and lets a test play Electron's part: `markReady()` resolves app.whenReady(), `invokeIpc`
 * calls a handler as a renderer frame would, a FakeUtilityProcess sends messages and exits. Only the
 * API surface main uses is here; `resetElectron()` gives each test a fresh one.
 */
import { EventEmitter } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { vi } from 'vitest';

/** Where the fake app lies (app.getAppPath()): out/renderer/index.html is the app's own page. */
export const APP_PATH = path.join(os.tmpdir(), 'ct-audit-fake-app');
/** app.getPath(name) lies in it (main's log file is written there): removeElectronFiles() deletes it. */
const USER_DATA = mkdtempSync(path.join(os.tmpdir(), 'ct-audit-electron-user-'));

/** For each test file's afterAll. */
export function removeElectronFiles(): void {
  rmSync(USER_DATA, { recursive: true, force: true });
}

export class FakeWebContents extends EventEmitter {
  url = '';
  destroyed = false;
  readonly sent: { channel: string; payload: unknown }[] = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | undefined;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload: structuredClone(payload) });
  }
  getURL(): string {
    return this.url;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  /** Events sent on `channel`, payloads only. */
  events(channel: string): unknown[] {
    return this.sent.filter((s) => s.channel === channel).map((s) => s.payload);
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static windows: FakeBrowserWindow[] = [];
  static getAllWindows(): FakeBrowserWindow[] {
    return FakeBrowserWindow.windows.filter((w) => !w.destroyed);
  }
  readonly webContents = new FakeWebContents();
  destroyed = false;
  shown = false;
  minimized = false;
  focused = 0;
  readonly loaded: string[] = [];
  constructor(readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> }) {
    super();
    FakeBrowserWindow.windows.push(this);
  }
  async loadURL(url: string): Promise<void> {
    this.loaded.push(url);
    this.webContents.url = url;
  }
  show(): void {
    this.shown = true;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  restore(): void {
    this.minimized = false;
  }
  focus(): void {
    this.focused += 1;
  }
  /** The user closes it. */
  close(): void {
    this.destroyed = true;
    this.webContents.destroyed = true;
  }
}

/** An Electron utilityProcess as main sees it; the test plays the engine host inside it. */
export class FakeUtilityProcess extends EventEmitter {
  static forks: FakeUtilityProcess[] = [];
  readonly stdout = new PassThrough();
  readonly stderr = new PassThrough();
  readonly posted: unknown[] = [];
  pid = 4200 + FakeUtilityProcess.forks.length;
  killed = false;
  constructor(
    readonly entry: string,
    readonly args: string[],
    readonly options: Record<string, unknown>,
  ) {
    super();
    FakeUtilityProcess.forks.push(this);
  }
  postMessage(message: unknown): void {
    // utilityProcess messages are structured-cloned (typed arrays stay typed arrays).
    this.posted.push(structuredClone(message));
  }
  kill(): boolean {
    this.killed = true;
    return true;
  }
  /** The host's side: `ready`, responses, events. */
  sendToMain(message: unknown): void {
    this.emit('message', structuredClone(message));
  }
  exit(code: number): void {
    this.emit('exit', code);
  }
}

export interface FakeSession {
  permissionRequest?: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void;
  permissionCheck?: (...args: unknown[]) => boolean;
  beforeRequest?: (details: { url: string }, callback: (response: { cancel: boolean }) => void) => void;
  beforeRequestFilter?: { urls: string[] };
  setPermissionRequestHandler(h: FakeSession['permissionRequest']): void;
  setPermissionCheckHandler(h: FakeSession['permissionCheck']): void;
  webRequest: {
    onBeforeRequest(filter: { urls: string[] }, h: FakeSession['beforeRequest']): void;
  };
}

function fakeSession(): FakeSession {
  const s: FakeSession = {
    setPermissionRequestHandler: (h) => (s.permissionRequest = h),
    setPermissionCheckHandler: (h) => (s.permissionCheck = h),
    webRequest: {
      onBeforeRequest: (filter, h) => {
        s.beforeRequestFilter = filter;
        s.beforeRequest = h;
      },
    },
  };
  return s;
}

let resolveReady: () => void = () => undefined;
let ready = new Promise<void>((r) => (resolveReady = r));

const app = Object.assign(new EventEmitter(), {
  isPackaged: false,
  getVersion: (): string => '0.1.0-test',
  getAppPath: (): string => APP_PATH,
  getPath: (name: string): string => path.join(USER_DATA, name),
  enableSandbox: vi.fn(),
  quit: vi.fn(),
  requestSingleInstanceLock: vi.fn(() => true),
  whenReady: (): Promise<void> => ready,
});

type IpcHandler = (event: { senderFrame: { url: string } | null }, raw: unknown) => unknown;
const ipcHandlers = new Map<string, IpcHandler>();
const ipcMain = {
  handle: vi.fn((channel: string, handler: IpcHandler) => {
    // As Electron: a second handler for a channel is an error.
    if (ipcHandlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    ipcHandlers.set(channel, handler);
  }),
};

const dialog = {
  showOpenDialog: vi.fn(),
  showMessageBox: vi.fn(async () => ({ response: 0, checkboxChecked: false })),
};
const shell = { openPath: vi.fn(async (_file: string) => '') };
const Menu = {
  buildFromTemplate: vi.fn((template: unknown[]) => ({ template })),
  setApplicationMenu: vi.fn(),
};
const session = { defaultSession: fakeSession() };
const utilityProcess = {
  fork: vi.fn(
    (entry: string, args: string[], options: Record<string, unknown>) =>
      new FakeUtilityProcess(entry, args, options),
  ),
};

export const electron = {
  app,
  ipcMain,
  dialog,
  shell,
  Menu,
  session,
  utilityProcess,
  BrowserWindow: FakeBrowserWindow,
};
export default electron;

/** Resolves app.whenReady() (Electron's 'ready'), then lets the handlers chained on it run. */
export async function markReady(): Promise<void> {
  resolveReady();
  await ready;
  // setImmediate, not setTimeout: tests that fake timers (start timeouts) call this too.
  await new Promise((r) => setImmediate(r));
}

/** The app's own page (out/renderer/index.html under the app path), as a file: URL. */
export function appPageUrl(): string {
  return new URL(`file://${path.join(APP_PATH, 'out', 'renderer', 'index.html')}`).href;
}

/**
 * Calls the ipcMain handler of `channel` as a renderer frame showing `senderUrl` would (null: the frame
 * is gone), with `raw` as the request; returns what the renderer would receive.
 */
export async function invokeIpc(
  channel: string,
  raw: unknown,
  senderUrl: string | null = appPageUrl(),
): Promise<unknown> {
  const handler = ipcHandlers.get(channel);
  if (!handler) throw new Error(`no ipcMain handler for ${channel}`);
  // Requests cross the process boundary structured-cloned.
  const request = raw === undefined ? undefined : structuredClone(raw);
  return structuredClone(
    await handler({ senderFrame: senderUrl === null ? null : { url: senderUrl } }, request),
  );
}

export function ipcChannels(): string[] {
  return [...ipcHandlers.keys()];
}

export function resetElectron(): void {
  app.removeAllListeners();
  app.isPackaged = false;
  app.requestSingleInstanceLock.mockReset().mockReturnValue(true);
  app.enableSandbox.mockReset();
  app.quit.mockReset();
  ready = new Promise<void>((r) => (resolveReady = r));
  ipcHandlers.clear();
  ipcMain.handle.mockClear();
  dialog.showOpenDialog.mockReset();
  dialog.showMessageBox.mockClear();
  shell.openPath.mockReset().mockResolvedValue('');
  Menu.buildFromTemplate.mockClear();
  Menu.setApplicationMenu.mockReset();
  session.defaultSession = fakeSession();
  utilityProcess.fork.mockClear();
  FakeBrowserWindow.windows = [];
  FakeUtilityProcess.forks = [];
  Reflect.deleteProperty(process.env, 'ELECTRON_RENDERER_URL');
}
