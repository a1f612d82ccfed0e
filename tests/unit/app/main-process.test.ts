/**
 * Electron main's wiring (src/main/app/main-process.ts, index.ts) with `electron` mocked, and the
 * engine host in a (fake) utilityProcess driven through the real engine-process.ts and HostClient:
 * start-up order and hardening, requests reaching the engine, restart after a crash with a visible
 * message, a start timeout, kill on quit, the menu's open dialog, the single-instance lock.
 */
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpcChannel, IpcEvent, type HostStatus } from '@shared/ipc';
import type { OwnerToHostMessage } from '@shared/host-protocol';
import {
  ENGINE_START_TIMEOUT_MS,
  startMainProcess,
  type MainProcess,
} from '../../../src/main/app/main-process';
import {
  FakeBrowserWindow,
  FakeUtilityProcess,
  electron,
  invokeIpc,
  ipcChannels,
  markReady,
  removeElectronFiles,
  resetElectron,
} from './electron-mock';

vi.mock('electron', async () => (await import('./electron-mock')).electron);
afterAll(removeElectronFiles);

interface MenuItem {
  label?: string;
  submenu?: MenuItem[];
  click?: (item: unknown, win: unknown) => void;
}

const statuses = (win: FakeBrowserWindow): HostStatus[] =>
  win.webContents.events(IpcEvent.HostStatus) as HostStatus[];

/** The request main posted to the engine host, once it is there. */
async function posted(
  child: FakeUtilityProcess,
  method: string,
): Promise<OwnerToHostMessage & { type: 'request' }> {
  return vi.waitFor(() => {
    const m = child.posted.find(
      (x) => (x as OwnerToHostMessage).type === 'request' && (x as { method: string }).method === method,
    );
    if (!m) throw new Error(`no ${method} request yet`);
    return m as OwnerToHostMessage & { type: 'request' };
  });
}

describe('Electron main process', () => {
  let main: MainProcess;
  let logs: string[];
  let dir: string;

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ct-audit-main-')));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    resetElectron();
    logs = [];
    for (const level of ['log', 'warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((line: string) => void logs.push(String(line)));
  });
  afterEach(() => {
    main?.host.stop();
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  async function started(): Promise<{ win: FakeBrowserWindow; engine: FakeUtilityProcess }> {
    main = startMainProcess();
    await markReady();
    await main.ready;
    const engine = FakeUtilityProcess.forks[0];
    engine.sendToMain({ type: 'ready', pid: engine.pid });
    const [win] = FakeBrowserWindow.windows;
    await vi.waitFor(() => expect(statuses(win).at(-1)?.state).toBe('ready'));
    return { win, engine };
  }

  it('sandboxes every renderer before ready, then hardens the session, serves IPC, sets the menu, opens the window and starts the engine', async () => {
    main = startMainProcess();
    expect(electron.app.enableSandbox).toHaveBeenCalledOnce();
    expect(electron.app.listenerCount('web-contents-created')).toBe(1);
    expect(FakeBrowserWindow.windows).toEqual([]);
    expect(ipcChannels()).toEqual([]);
    await markReady();
    await main.ready;
    expect(electron.session.defaultSession.permissionRequest).toBeDefined();
    expect(electron.session.defaultSession.beforeRequest).toBeDefined();
    expect(ipcChannels()).toContain(IpcChannel.DicomScan);
    expect(electron.Menu.setApplicationMenu).toHaveBeenCalledOnce();
    expect(FakeBrowserWindow.windows).toHaveLength(1);
    expect(main.window()).toBe(FakeBrowserWindow.windows[0]);
    expect(electron.utilityProcess.fork).toHaveBeenCalledOnce();
    const engine = FakeUtilityProcess.forks[0];
    expect(engine.entry).toMatch(/engine-host-entry\.ts$/);
    expect(engine.options).toMatchObject({ serviceName: 'CT Audit engine', stdio: 'pipe' });
    expect(statuses(FakeBrowserWindow.windows[0]).at(-1)?.state).toBe('starting');
  });

  it('sends renderer requests to the engine host and its answers back, typed arrays intact', async () => {
    const { engine } = await started();
    expect(statuses(FakeBrowserWindow.windows[0]).at(-1)?.message).toBe(
      `compute engine running (pid ${engine.pid})`,
    );
    const answer = invokeIpc(IpcChannel.DicomSlice, { seriesKey: 's1', index: 2 });
    const request = await posted(engine, IpcChannel.DicomSlice);
    expect(request.params).toEqual({ seriesKey: 's1', index: 2 });
    const pixels = new Float32Array([1, 2, 3]);
    engine.sendToMain({ type: 'response', id: request.id, result: { ok: true, value: { pixels } } });
    expect(await answer).toEqual({ ok: true, value: { pixels } });
  });

  it('forwards the engine output and job events (progress) to the log and the window', async () => {
    const { win, engine } = await started();
    engine.stdout.write('backend wasm\npartial');
    engine.stdout.end(' line\n');
    engine.stderr.write('a warning\n');
    await vi.waitFor(() => expect(logs.some((l) => l.includes('[engine] partial line'))).toBe(true));
    expect(logs.some((l) => l.includes('[engine] backend wasm'))).toBe(true);
    expect(logs.some((l) => l.includes('[engine] a warning'))).toBe(true);
    // A broken pipe is logged, not an uncaught 'error' event in main.
    expect(() => engine.stderr.emit('error', new Error('read EIO'))).not.toThrow();
    expect(logs.some((l) => l.includes('[engine] output stream failed: read EIO'))).toBe(true);
    const progress = { jobId: 'j1', channel: 'train:start', phase: 'train', step: 1, total: 10 };
    engine.sendToMain({ type: 'event', event: IpcEvent.JobProgress, payload: progress });
    await vi.waitFor(() => expect(win.webContents.events(IpcEvent.JobProgress)).toEqual([progress]));
  });

  it('restarts the engine after a crash, tells the window, and fails the call in flight with IPC_ENGINE_STOPPED', async () => {
    const { win, engine } = await started();
    const answer = invokeIpc(IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 });
    const request = await posted(engine, IpcChannel.DicomSlice);
    engine.exit(139);
    expect(await answer).toMatchObject({
      ok: false,
      error: {
        code: 'IPC_ENGINE_STOPPED',
        message: expect.stringMatching(/stopped unexpectedly \(exit code 139\).*run the action again/),
      },
    });
    expect(win.webContents.events(IpcEvent.JobDone)).toMatchObject([
      { jobId: request.jobId, state: 'failed' },
    ]);
    expect(statuses(win).slice(-2)).toEqual([
      { state: 'crashed', message: 'The compute engine stopped unexpectedly (exit code 139).' },
      { state: 'starting', message: 'starting the compute engine' },
    ]);
    expect(FakeUtilityProcess.forks).toHaveLength(2);
    const second = FakeUtilityProcess.forks[1];
    second.sendToMain({ type: 'ready', pid: second.pid });
    await vi.waitFor(() => expect(statuses(win).at(-1)?.state).toBe('ready'));
    // The new host serves the next call.
    const again = invokeIpc(IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 });
    const r2 = await posted(second, IpcChannel.DicomSlice);
    second.sendToMain({ type: 'response', id: r2.id, result: { ok: true, value: 'ok' } });
    expect(await again).toEqual({ ok: true, value: 'ok' });
  });

  it("survives the engine host's fatal V8 error (out of memory): logs it, names it, restarts", async () => {
    const { win, engine } = await started();
    // Electron emits 'error' on the utilityProcess, then 'exit'. An EventEmitter's 'error' without a
    // listener throws, which in main is an uncaught exception.
    expect(() => engine.emit('error', 'FatalError', 'Reached heap limit', '{"header":{}}')).not.toThrow();
    engine.exit(133);
    expect(
      logs.some((l) => l.includes('[main] engine host fatal error: FatalError (Reached heap limit)')),
    ).toBe(true);
    expect(statuses(win).slice(-2)).toEqual([
      {
        state: 'crashed',
        message: 'The compute engine stopped unexpectedly (FatalError (Reached heap limit), exit code 133).',
      },
      { state: 'starting', message: 'starting the compute engine' },
    ]);
    expect(FakeUtilityProcess.forks).toHaveLength(2);
  });

  it('stops restarting an engine that keeps crashing, and says to restart the app', async () => {
    const { win } = await started();
    for (let i = 0; i < 4; i++) {
      const current = FakeUtilityProcess.forks.at(-1)!;
      current.exit(134);
    }
    expect(FakeUtilityProcess.forks).toHaveLength(4);
    expect(statuses(win).at(-1)).toEqual({
      state: 'crashed',
      message: expect.stringMatching(
        /crashed 4 times within a minute and was not restarted again; restart the app/,
      ),
    });
  });

  it('kills the engine on quit and does not start another', async () => {
    const { win, engine } = await started();
    electron.app.emit('before-quit');
    expect(engine.killed).toBe(true);
    engine.exit(0);
    expect(statuses(win).at(-1)).toEqual({ state: 'stopped', message: 'compute engine stopped' });
    expect(FakeUtilityProcess.forks).toHaveLength(1);
    expect(await invokeIpc(IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 })).toMatchObject({
      ok: false,
      error: { code: 'IPC_ENGINE_STOPPED' },
    });
  });

  it('reports an engine that does not start in time, kills it, and tries again on the next action only', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    main = startMainProcess();
    await markReady();
    await main.ready;
    const [win] = FakeBrowserWindow.windows;
    const stuck = FakeUtilityProcess.forks[0];
    await vi.advanceTimersByTimeAsync(ENGINE_START_TIMEOUT_MS);
    expect(stuck.killed).toBe(true);
    stuck.sendToMain({ type: 'ready', pid: stuck.pid }); // too late: it was given up on
    stuck.exit(143); // what the kill does to it
    expect(statuses(win).at(-1)).toEqual({
      state: 'crashed',
      message: 'the compute engine did not start within 60 s',
    });
    // No restart loop (each try would load tfjs for another minute); the next request starts one.
    await vi.advanceTimersByTimeAsync(5 * ENGINE_START_TIMEOUT_MS);
    expect(FakeUtilityProcess.forks).toHaveLength(1);
    const answer = invokeIpc(IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 });
    await vi.waitFor(() => expect(FakeUtilityProcess.forks).toHaveLength(2));
    const fresh = FakeUtilityProcess.forks[1];
    fresh.sendToMain({ type: 'ready', pid: fresh.pid });
    const r = await posted(fresh, IpcChannel.DicomSlice);
    fresh.sendToMain({ type: 'response', id: r.id, result: { ok: true, value: 1 } });
    expect(await answer).toEqual({ ok: true, value: 1 });
  });

  it('File > Open DICOM Folder… grants the pick and hands it to the renderer; a failing dialog is shown', async () => {
    const { win } = await started();
    const template = electron.Menu.buildFromTemplate.mock.calls[0][0] as MenuItem[];
    const item = template.flatMap((m) => m.submenu ?? []).find((m) => m.label === 'Open DICOM Folder…')!;
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [dir] });
    item.click!({}, undefined);
    await vi.waitFor(() => expect(win.webContents.events(IpcEvent.PathsOpened)).toEqual([{ paths: [dir] }]));
    expect(electron.dialog.showOpenDialog.mock.calls[0][0]).toBe(win); // modal to the main window
    expect(main.policy.roots()).toEqual([dir]);

    electron.dialog.showOpenDialog.mockRejectedValue(new Error('portal not available'));
    item.click!({}, win);
    await vi.waitFor(() => expect(electron.dialog.showMessageBox).toHaveBeenCalled());
    expect(electron.dialog.showMessageBox.mock.calls[0]).toEqual([
      { type: 'error', message: 'Could not open the dialog', detail: 'Error: portal not available' },
    ]);
  });

  it('serves the desktop-only channels: the open dialog grants its pick, reports open in the system viewer', async () => {
    await started();
    electron.dialog.showOpenDialog.mockResolvedValue({ canceled: false, filePaths: [dir] });
    expect(await invokeIpc(IpcChannel.DialogOpenDicom, { kind: 'folder' })).toEqual({
      ok: true,
      value: { paths: [dir] },
    });
    const scan = invokeIpc(IpcChannel.DicomScan, { paths: [dir] });
    const request = await posted(FakeUtilityProcess.forks[0], IpcChannel.DicomScan);
    expect(request.params).toMatchObject({ paths: [dir] });
    FakeUtilityProcess.forks[0].sendToMain({
      type: 'response',
      id: request.id,
      result: { ok: true, value: [] },
    });
    expect(await scan).toEqual({ ok: true, value: [] });

    const report = (await invokeIpc(IpcChannel.AuditOpenReport, { name: 'a1' })) as {
      ok: boolean;
      error?: { message: string };
    };
    expect(report).toMatchObject({ ok: false, error: { code: 'INPUT' } });
    expect(report.error?.message).toMatch(/no report\.pdf yet/);
  });

  it('focuses the window on a second launch, quits when the last window closes (not on macOS), re-opens one on activate', async () => {
    const { win } = await started();
    win.minimized = true;
    electron.app.emit('second-instance');
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(1);

    const platform = process.platform;
    try {
      Object.defineProperty(process, 'platform', { value: 'darwin' });
      electron.app.emit('window-all-closed');
      expect(electron.app.quit).not.toHaveBeenCalled();
      Object.defineProperty(process, 'platform', { value: 'linux' });
      electron.app.emit('window-all-closed');
      expect(electron.app.quit).toHaveBeenCalledOnce();
    } finally {
      Object.defineProperty(process, 'platform', { value: platform });
    }

    electron.app.emit('activate');
    expect(FakeBrowserWindow.windows).toHaveLength(1); // a window is open: nothing to do
    win.close();
    electron.app.emit('activate');
    expect(FakeBrowserWindow.windows).toHaveLength(2);
    expect(main.window()).toBe(FakeBrowserWindow.windows[1]);
  });
});

describe('Electron main entry (index.ts)', () => {
  beforeEach(() => {
    resetElectron();
    vi.resetModules();
  });

  it('a second launch hands over to the running instance and quits', async () => {
    electron.app.requestSingleInstanceLock.mockReturnValue(false);
    await import('../../../src/main/index');
    expect(electron.app.quit).toHaveBeenCalledOnce();
    expect(electron.app.enableSandbox).not.toHaveBeenCalled();
  });

  it('the first launch starts the app', async () => {
    await import('../../../src/main/index');
    expect(electron.app.quit).not.toHaveBeenCalled();
    expect(electron.app.enableSandbox).toHaveBeenCalledOnce();
    expect(electron.app.listenerCount('before-quit')).toBe(1);
  });
});
