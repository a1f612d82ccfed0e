/**
 * Electron main's IPC handlers (src/main/app/ipc-handlers.ts) with `electron` mocked: every channel
 * validates its request (zod) before anything else, calls the Gateway with the paths the user granted
 * (dialogs, drops) resolved, and returns the envelope; requests from other frames, malformed requests
 * and paths outside the grants get the envelope's error and never reach the engine.
 */
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { IpcChannel, IpcEvent } from '@shared/ipc';
import { PRELOAD_DROP_CHANNEL } from '@shared/ipc-channels';
import { Gateway } from '../../../src/main/gateway/gateway';
import { PathPolicy } from '../../../src/main/gateway/path-policy';
import { broadcast, registerIpcHandlers } from '../../../src/main/app/ipc-handlers';
import { getAppInfo } from '../../../src/main/app/app-info';
import {
  FakeBrowserWindow,
  appPageUrl,
  invokeIpc,
  ipcChannels,
  removeElectronFiles,
  resetElectron,
} from './electron-mock';
import { recordingEngine, type RecordingEngine } from './recording-engine';

vi.mock('electron', async () => (await import('./electron-mock')).electron);
afterAll(removeElectronFiles);

const GEOMETRY = { preset: 'demo' };
const ATTACK = { kind: 'pga-y', eps: ['1%'], steps: 2 };
const CERTIFICATION = {
  enabled: false,
  sigma: ['eps/1'],
  samples: 10,
  confidence: 0.9,
};
const AUDIT_BASE = {
  name: 'a1',
  models: [{ kind: 'fbp' }],
  geometry: GEOMETRY,
  noise: 'none',
  seed: 1,
  attack: ATTACK,
  certification: CERTIFICATION,
  report: false,
  resume: false,
};
const TRAIN_BASE = {
  name: 'm1',
  method: 'ord',
  preset: 'tiny',
  geometry: GEOMETRY,
  batchSize: 1,
  hyper: {},
  noise: 'none',
  seed: 1,
  filter: 'ram-lak',
  cutoff: 1,
  resume: false,
};

interface Envelope {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string; name: string };
}

describe('Electron IPC handlers', () => {
  let dir: string;
  let picked: string;
  let outside: string;
  let engine: RecordingEngine;
  let policy: PathPolicy;

  beforeAll(async () => {
    dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'ct-audit-ipc-')));
    picked = path.join(dir, 'picked');
    outside = path.join(dir, 'outside');
    await mkdir(path.join(picked, 'series'), { recursive: true });
    await mkdir(outside);
    await writeFile(path.join(picked, 'series', 'a.dcm'), 'x');
    await writeFile(path.join(outside, 'secret.dcm'), 'x');
    await symlink(outside, path.join(picked, 'link-out'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  let warnings: string[];
  beforeEach(() => {
    resetElectron();
    warnings = [];
    vi.spyOn(console, 'warn').mockImplementation((line: string) => void warnings.push(line));
    engine = recordingEngine();
    policy = new PathPolicy('the files and folders you opened', 'open it with File > Open first');
    const gateway = new Gateway({ host: engine.client, paths: policy, app: getAppInfo, workspace: dir });
    registerIpcHandlers(gateway, policy);
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  const drop = (paths: unknown): Promise<unknown> => invokeIpc(PRELOAD_DROP_CHANNEL, paths);

  it('registers one handler per channel of the contract, plus the drop channel, and nothing else', () => {
    expect(ipcChannels().sort()).toEqual([...Object.values(IpcChannel), PRELOAD_DROP_CHANNEL].sort());
  });

  it.each(Object.values(IpcChannel))(
    '%s refuses a malformed request with IPC_INVALID_REQUEST before the engine sees it',
    async (channel) => {
      const r = (await invokeIpc(channel, { bogus: 1 })) as Envelope;
      expect(r).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
      expect(r.error?.message).toContain(channel);
      expect(engine.calls).toEqual([]);
    },
  );

  it.each([
    ['another site', 'https://evil.example/'],
    ['another local file', 'file:///tmp/other.html'],
    ['a dev server URL in a build without one', 'http://localhost:5173/'],
    ['a frame that is gone', null],
  ])('refuses requests from %s with IPC_FORBIDDEN; nothing is granted or run', async (_what, sender) => {
    const scan = (await invokeIpc(IpcChannel.DicomScan, { paths: [picked] }, sender)) as Envelope;
    expect(scan).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN' } });
    const dropped = (await invokeIpc(PRELOAD_DROP_CHANNEL, [picked], sender)) as Envelope;
    expect(dropped).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN' } });
    expect(policy.roots()).toEqual([]);
    expect(engine.calls).toEqual([]);
    expect(warnings).toEqual([
      expect.stringContaining(`[ipc] refused ${IpcChannel.DicomScan} from ${sender ?? '(unknown frame)'}`),
      expect.stringContaining(`[ipc] refused ${PRELOAD_DROP_CHANNEL} from ${sender ?? '(unknown frame)'}`),
    ]);
  });

  it('refuses paths nobody granted, on every channel that takes one', async () => {
    const file = path.join(picked, 'series', 'a.dcm');
    const requests: [string, unknown][] = [
      [IpcChannel.DicomScan, { paths: [file] }],
      [IpcChannel.FsList, { path: picked }],
      [IpcChannel.TrainStart, { ...TRAIN_BASE, data: { kind: 'path', path: picked } }],
      [IpcChannel.AuditRun, { ...AUDIT_BASE, data: [picked] }],
      [IpcChannel.BatchRun, { ...AUDIT_BASE, folders: [picked] }],
      [
        IpcChannel.RobustnessRun,
        {
          models: [{ kind: 'path', path: picked }],
          geometry: GEOMETRY,
          source: { seriesKey: 's1', index: 0 },
          noise: 'none',
          seed: 1,
          attack: ATTACK,
          certification: CERTIFICATION,
        },
      ],
    ];
    for (const [channel, request] of requests) {
      const r = (await invokeIpc(channel, request)) as Envelope;
      expect(r, channel).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
      expect(r.error?.message, channel).toMatch(/outside the files and folders you opened/);
    }
    expect(engine.calls).toEqual([]);
  });

  it('a drop grants its paths: the engine then gets them resolved, and the envelope comes back as is', async () => {
    expect(await drop([picked])).toEqual({ ok: true, value: { paths: [picked] } });
    expect(policy.roots()).toEqual([picked]);
    const file = path.join(picked, 'series', 'a.dcm');
    const scan = (await invokeIpc(IpcChannel.DicomScan, {
      jobId: 'job-1',
      paths: [path.join(picked, 'series', '..', 'series', 'a.dcm')],
    })) as Envelope;
    expect(engine.calls).toEqual([
      { method: IpcChannel.DicomScan, params: { jobId: 'job-1', paths: [file] }, jobId: 'job-1' },
    ]);
    expect(scan).toEqual({
      ok: true,
      value: { method: IpcChannel.DicomScan, params: { jobId: 'job-1', paths: [file] } },
    });

    const audit = (await invokeIpc(IpcChannel.AuditRun, {
      ...AUDIT_BASE,
      data: [picked, 'ellipses'],
    })) as Envelope;
    expect(audit.ok).toBe(true);
    expect(engine.calls[1]).toMatchObject({
      method: IpcChannel.AuditRun,
      params: { data: [picked, 'ellipses'], outDir: path.join(dir, 'audits', 'a1') },
    });
    const train = (await invokeIpc(IpcChannel.TrainStart, {
      ...TRAIN_BASE,
      data: { kind: 'path', path: picked },
    })) as Envelope;
    expect(train.ok).toBe(true);
    expect(engine.calls[2]).toMatchObject({
      method: IpcChannel.TrainStart,
      params: { data: { kind: 'path', path: picked }, outDir: path.join(dir, 'models', 'm1') },
    });
  });

  it('a granted folder does not extend through a link that leads outside it', async () => {
    await drop([picked]);
    const r = (await invokeIpc(IpcChannel.DicomScan, {
      paths: [path.join(picked, 'link-out', 'secret.dcm')],
    })) as Envelope;
    expect(r).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    expect(engine.calls).toEqual([]);
  });

  it('refuses a malformed drop and grants nothing', async () => {
    for (const bad of [
      '/etc',
      [42],
      [''],
      [{ path: '/etc' }],
      Array(1001).fill('/etc'),
      ['x'.repeat(4097)],
    ]) {
      expect(await drop(bad)).toMatchObject({ ok: false, error: { code: 'IPC_FORBIDDEN' } });
    }
    expect(policy.roots()).toEqual([]);
  });

  it('answers app:info with the app half (electron mode, the app version) and the engine half', async () => {
    const r = (await invokeIpc(IpcChannel.AppInfo, undefined)) as Envelope;
    expect(r).toMatchObject({
      ok: true,
      value: { name: 'CT Audit', mode: 'electron', version: '0.1.0-test', engine: { available: true } },
    });
  });

  it('dialogs are not served without the desktop handlers (the Gateway says so in the envelope)', async () => {
    const r = (await invokeIpc(IpcChannel.DialogOpenDicom, { kind: 'folder' })) as Envelope;
    expect(r).toMatchObject({ ok: false, error: { code: 'IPC_NOT_AVAILABLE' } });
  });

  it('broadcasts events only to windows that show the app page', () => {
    const app1 = new FakeBrowserWindow({});
    app1.webContents.url = `${appPageUrl()}#/viewer`;
    const foreign = new FakeBrowserWindow({});
    foreign.webContents.url = 'https://evil.example/';
    const closed = new FakeBrowserWindow({});
    closed.webContents.url = appPageUrl();
    closed.webContents.destroyed = true;
    const status = { state: 'ready' as const, message: 'compute engine running (pid 1)' };
    broadcast(IpcEvent.HostStatus, status);
    expect(app1.webContents.events(IpcEvent.HostStatus)).toEqual([status]);
    expect(foreign.webContents.sent).toEqual([]);
    expect(closed.webContents.sent).toEqual([]);
  });
});
