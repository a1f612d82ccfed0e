import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IpcChannel,
  IpcEvent,
  type AppInfo,
  type DicomScanResult,
  type FbpSeriesResult,
  type HostStatus,
  type JobDone,
  type JobProgress,
} from '@shared/ipc';
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { FILTER_NAMES as ENGINE_FILTERS } from '../../../src/main/engine/physics/filters';
import { FILTER_NAMES } from '@shared/ipc';
import {
  Gateway,
  HostClient,
  PathPolicy,
  spawnWorkerHost,
  type HostTransport,
} from '../../../src/main/gateway';
import { DICOM_DATA, waitFor } from './helpers';

const APP = (): Omit<AppInfo, 'engine'> => ({
  name: 'CT Audit',
  version: 'test',
  mode: 'web',
  versions: { electron: '', chrome: '', node: process.versions.node, v8: process.versions.v8 },
  platform: process.platform,
  arch: process.arch,
});

it('the wire filter list matches the engine filter list', () => {
  expect([...FILTER_NAMES]).toEqual([...ENGINE_FILTERS]);
});

describe('HostClient life cycle (fake transports)', () => {
  /** A host that answers 'ready' and then does what `behave` says with each request. */
  function fakeSpawner(
    behave: (
      m: OwnerToHostMessage,
      t: { emit: (m: HostToOwnerMessage) => void; exit: (code: number) => void },
    ) => void,
    sendReady = true,
  ) {
    let spawned = 0;
    const spawn = (): HostTransport => {
      spawned += 1;
      const listeners: ((m: HostToOwnerMessage) => void)[] = [];
      const exits: ((i: { code: number | null; reason: string }) => void)[] = [];
      const ctl = {
        emit: (m: HostToOwnerMessage) => setTimeout(() => listeners.forEach((l) => l(m)), 0),
        exit: (code: number) =>
          setTimeout(() => exits.forEach((l) => l({ code, reason: `exit code ${code}` })), 0),
      };
      if (sendReady) ctl.emit({ type: 'ready', pid: 1000 + spawned });
      return {
        post: (m) => behave(m, ctl),
        onMessage: (l) => listeners.push(l),
        onExit: (l) => exits.push(l),
        kill: () => ctl.exit(0),
      };
    };
    return { spawn, count: () => spawned };
  }

  it('fails pending calls with IPC_ENGINE_STOPPED on a crash, reports it, and restarts', async () => {
    const statuses: HostStatus[] = [];
    const done: JobDone[] = [];
    const fake = fakeSpawner((m, t) => {
      if (m.type === 'request') t.exit(139); // the host dies on the first request
    });
    const client = new HostClient({
      spawn: fake.spawn,
      onStatus: (s) => statuses.push(s),
      onEvent: (e, p) => e === IpcEvent.JobDone && done.push(p as JobDone),
    });
    const r = await client.call(IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 }, 'job-a');
    expect(r).toMatchObject({ ok: false, error: { code: 'IPC_ENGINE_STOPPED' } });
    expect(r.ok || r.error.message).toMatch(/stopped unexpectedly \(exit code 139\).*run the action again/);
    expect(done).toMatchObject([{ jobId: 'job-a', state: 'failed' }]);
    await waitFor(() => (statuses.at(-1)?.state === 'ready' && fake.count() === 2 ? true : undefined));
    expect(statuses.map((s) => s.state)).toEqual(['starting', 'ready', 'crashed', 'starting', 'ready']);
    client.stop();
  });

  it('gives up after a start timeout with a message saying so', async () => {
    const fake = fakeSpawner(() => undefined, false);
    const client = new HostClient({ spawn: fake.spawn, startTimeoutMs: 50, restart: false });
    const r = await client.call(IpcChannel.DicomSlice, { seriesKey: 's1', index: 0 });
    expect(r).toMatchObject({ ok: false, error: { code: 'IPC_ENGINE_STOPPED' } });
    expect(r.ok || r.error.message).toMatch(/did not start within/);
  });
});

describe('Gateway: validation and picked paths', () => {
  let dir: string;
  let outside: string;
  let client: HostClient;
  let gateway: Gateway;
  const requests: OwnerToHostMessage[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-gw-'));
    outside = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-out-'));
    await mkdir(path.join(dir, 'picked'));
    await writeFile(path.join(dir, 'picked', 'a.dcm'), 'x');
    await writeFile(path.join(outside, 'secret.dcm'), 'x');
    await symlink(outside, path.join(dir, 'picked', 'link-out'));
    client = new HostClient({
      spawn: () => {
        const listeners: ((m: HostToOwnerMessage) => void)[] = [];
        setTimeout(() => listeners.forEach((l) => l({ type: 'ready', pid: 1 })), 0);
        return {
          post: (m) => {
            requests.push(m);
            if (m.type === 'request')
              setTimeout(
                () =>
                  listeners.forEach((l) =>
                    l({ type: 'response', id: m.id, result: { ok: true, value: { echoed: m.params } } }),
                  ),
                0,
              );
          },
          onMessage: (l) => listeners.push(l),
          onExit: () => undefined,
          kill: () => undefined,
        };
      },
    });
    const policy = new PathPolicy('the folders you opened', 'open it first');
    await policy.allow(path.join(dir, 'picked'));
    gateway = new Gateway({ host: client, paths: policy, app: APP, workspace: path.join(dir, 'workspace') });
  });
  afterAll(async () => {
    client.stop();
    await rm(dir, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('forwards a scan of a picked folder with resolved paths', async () => {
    const r = await gateway.invoke(IpcChannel.DicomScan, { paths: [path.join(dir, 'picked')] });
    expect(r.ok).toBe(true);
  });

  it.each([
    ['a path outside the picked folders', () => ({ paths: [path.join(outside, 'secret.dcm')] })],
    ['a parent-folder escape', () => ({ paths: [path.join(dir, 'picked', '..', '..')] })],
    [
      'a symbolic link leading outside',
      () => ({ paths: [path.join(dir, 'picked', 'link-out', 'secret.dcm')] }),
    ],
    ['a relative path', () => ({ paths: ['picked/a.dcm'] })],
  ])('rejects %s with a validation error before the engine sees it', async (_name, req) => {
    const before = requests.length;
    const r = await gateway.invoke(IpcChannel.DicomScan, req());
    expect(r).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    expect(requests.length).toBe(before);
  });

  it.each([
    ['an unknown channel', 'shell:exec', {}],
    ['extra fields', IpcChannel.DicomScan, { paths: ['/x'], recursive: true }],
    ['a wrong type', IpcChannel.DicomSlice, { seriesKey: 's1', index: '0' }],
    ['a bad job id', IpcChannel.JobCancel, { jobId: '../../etc' }],
    [
      'a filter that does not exist',
      IpcChannel.FbpReconstruct,
      {
        source: { seriesKey: 's1', index: 0 },
        geometry: { preset: 'demo' },
        filter: 'magic',
        cutoff: 1,
        noise: 'none',
        seed: 0,
      },
    ],
  ])('rejects a malformed request (%s)', async (_name, channel, req) => {
    const r = await gateway.invoke(channel, req);
    expect(r).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
  });

  it('lists folders inside the roots only; no dialogs unless the owner has them', async () => {
    const roots = await gateway.invoke(IpcChannel.FsList, {});
    expect(roots).toMatchObject({ ok: true, value: { path: null } });
    const inside = await gateway.invoke(IpcChannel.FsList, { path: path.join(dir, 'picked') });
    expect(inside.ok && (inside.value as { entries: { name: string }[] }).entries.map((e) => e.name)).toEqual(
      ['link-out', 'a.dcm'],
    );
    const out = await gateway.invoke(IpcChannel.FsList, { path: outside });
    expect(out).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    const dlg = await gateway.invoke(IpcChannel.DialogOpenDicom, { kind: 'folder' });
    expect(dlg).toMatchObject({ ok: false, error: { code: 'IPC_NOT_AVAILABLE' } });
  });
});

describe('engine host in a worker thread', () => {
  let client: HostClient;
  const progress: JobProgress[] = [];
  const done: JobDone[] = [];
  beforeAll(() => {
    client = new HostClient({
      spawn: () => spawnWorkerHost({ env: { CT_AUDIT_BACKEND: 'cpu' } }),
      onEvent: (e, p) => {
        if (e === IpcEvent.JobProgress) progress.push(p as JobProgress);
        if (e === IpcEvent.JobDone) done.push(p as JobDone);
      },
    });
  });
  afterAll(() => client.stop());

  it('reports engine info, scans with transferred arrays, and cancels a series FBP mid-way', async () => {
    const info = await client.call('engine:info', undefined);
    expect(info).toMatchObject({ ok: true, value: { available: true, backend: 'cpu' } });
    const scan = await client.call(IpcChannel.DicomScan, {
      paths: [path.join(DICOM_DATA, 'ct-series/pydicom-ct5n-16x16')],
    });
    expect(scan.ok).toBe(true);
    const series = (scan as { value: DicomScanResult }).value.series[0];
    expect(series.thumbnail.pixels).toBeInstanceOf(Uint8Array);

    const run = client.call(
      IpcChannel.FbpSeries,
      {
        seriesKey: series.key,
        geometry: { preset: 'demo', size: 96, views: 90 },
        filter: 'hann',
        cutoff: 1,
        noise: 'none',
        seed: 0,
      },
      'series-job',
    );
    await waitFor(() => (progress.some((p) => p.jobId === 'series-job' && p.step >= 1) ? true : undefined));
    expect(client.cancel('series-job')).toBe(true);
    const r = await run;
    // Either the cancel landed before the last slice (the usual case) or the job had already finished.
    if (!r.ok) expect(r.error.code).toBe('CANCELLED');
    else expect((r.value as FbpSeriesResult).rows).toHaveLength(5);
    expect(done.find((d) => d.jobId === 'series-job')?.state).toBe(r.ok ? 'done' : 'cancelled');
    expect(client.cancel('series-job')).toBe(false);
  });
});
