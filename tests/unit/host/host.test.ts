import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  IpcChannel,
  IpcEvent,
  type DicomScanResult,
  type DicomSliceResult,
  type FbpReconstructResult,
  type JobDone,
  type JobProgress,
} from '@shared/ipc';
import type { HostResponseMessage, HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { createEngineHost } from '../../../src/main/engine/host/host';
import type { MethodContext } from '../../../src/main/engine/host/methods/context';
import { DICOM_DATA, waitFor } from './helpers';

function harness(methods?: Parameters<typeof createEngineHost>[1]) {
  const out: HostToOwnerMessage[] = [];
  const host = createEngineHost((m) => out.push(m), methods);
  let n = 0;
  const call = async (
    method: string,
    params: unknown,
    jobId = `job-${++n}`,
  ): Promise<HostResponseMessage> => {
    const id = `req-${n}-${Math.random()}`;
    host.receive({ type: 'request', id, jobId, method, params } as OwnerToHostMessage);
    return waitFor(
      () => out.find((m): m is HostResponseMessage => m.type === 'response' && m.id === id),
      60_000,
    );
  };
  const events = <T>(event: string): T[] =>
    out.filter((m) => m.type === 'event' && m.event === event).map((m) => (m as { payload: T }).payload);
  return { host, out, call, events };
}

describe('engine host: jobs', () => {
  it('runs a call as a job: progress events, one job:done, the value in the envelope', async () => {
    const h = harness({
      methods: {
        'fbp:series': async (_p: never, { job }: MethodContext) => {
          for (let i = 1; i <= 3; i++) job.progress({ phase: 'p', step: i, total: 3 });
          return { answer: 42 };
        },
      },
    });
    const r = await h.call(IpcChannel.FbpSeries, {}, 'j1');
    expect(r.result).toEqual({ ok: true, value: { answer: 42 } });
    const progress = h.events<JobProgress>(IpcEvent.JobProgress);
    expect(progress.length).toBeGreaterThanOrEqual(2); // first and last always go, the middle one is throttled
    expect(progress.every((p) => p.jobId === 'j1')).toBe(true);
    expect(progress.at(-1)).toMatchObject({ step: 3, total: 3 });
    const done = h.events<JobDone>(IpcEvent.JobDone);
    expect(done).toHaveLength(1);
    expect(done[0]).toMatchObject({ jobId: 'j1', channel: 'fbp:series', state: 'done' });
  });

  it('cancels a running job at its next step (CANCELLED in the envelope, state cancelled)', async () => {
    const h = harness({
      methods: {
        'fbp:series': async (_p: never, { job }: MethodContext) => {
          for (let i = 0; i < 1000; i++) {
            await new Promise((r) => setTimeout(r, 5));
            job.throwIfCancelled();
          }
          return 'finished';
        },
      },
    });
    const pending = h.call(IpcChannel.FbpSeries, {}, 'slow');
    await new Promise((r) => setTimeout(r, 30));
    expect(h.host.running).toBe(1);
    h.host.receive({ type: 'cancel', jobId: 'slow' });
    const r = await pending;
    expect(r.result.ok).toBe(false);
    if (!r.result.ok) expect(r.result.error.code).toBe('CANCELLED');
    expect(h.events<JobDone>(IpcEvent.JobDone)[0].state).toBe('cancelled');
    expect(h.host.running).toBe(0);
  });

  it('answers unknown methods and duplicate job ids with a typed validation error', async () => {
    const h = harness({
      methods: { 'fbp:series': () => new Promise((r) => setTimeout(() => r('ok'), 50)) },
    });
    const unknown = await h.call('shell:exec', {});
    expect(unknown.result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    const first = h.call(IpcChannel.FbpSeries, {}, 'same');
    const second = await h.call(IpcChannel.FbpSeries, {}, 'same');
    expect(second.result).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_REQUEST' } });
    expect((await first).result.ok).toBe(true);
  });

  it('turns engine errors into their typed envelope (code and details survive)', async () => {
    const h = harness();
    const r = await h.call(IpcChannel.DicomSlice, { seriesKey: 's999', index: 0 });
    expect(r.result).toMatchObject({ ok: false, error: { code: 'INPUT', details: { seriesKey: 's999' } } });
    expect(r.result.ok || r.result.error.message).toMatch(/open its folder again/);
  });
});

describe('engine host: DICOM and FBP on the reference data', () => {
  it('scans a folder into de-identified series with per-file errors, then serves slices and FBP', async () => {
    const h = harness();
    const scan = await h.call(IpcChannel.DicomScan, {
      paths: [
        path.join(DICOM_DATA, 'ct-series/pydicom-ct2-16x16'),
        path.join(DICOM_DATA, 'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm'),
        path.join(DICOM_DATA, 'ct-single/pydicom_ct-small-128x128.dcm'),
      ],
    });
    expect(scan.result.ok).toBe(true);
    const value = (scan.result as { value: DicomScanResult }).value;
    expect(value.series).toHaveLength(2);
    const series = value.series.find((s) => s.sliceCount === 4)!;
    expect(series.rows).toBe(16);
    expect(series.files.every((f) => !path.isAbsolute(f))).toBe(true);
    expect(series.seriesUidHash).toMatch(/^2\.25\.\d+$/);
    expect(series.thumbnail.pixels).toBeInstanceOf(Uint8Array);
    expect(series.thumbnail.pixels.length).toBe(64 * 64);
    expect(value.errors).toHaveLength(1);
    expect(value.errors[0]).toMatchObject({
      file: 'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm',
      code: 'DICOM_TRUNCATED',
    });
    // No patient identifiers in what leaves the host.
    expect(JSON.stringify(value)).not.toMatch(/PatientName|patientName|birth/i);
    expect(h.events<JobProgress>(IpcEvent.JobProgress).some((p) => p.phase === 'scan')).toBe(true);

    const slice = await h.call(IpcChannel.DicomSlice, { seriesKey: series.key, index: 3 });
    const s = (slice.result as { value: DicomSliceResult }).value;
    expect(s.hu).toBeInstanceOf(Float32Array);
    expect(s.hu.length).toBe(256);
    expect(s.stats.count + s.stats.paddingCount).toBe(256);

    const small = value.series.find((x) => x.rows === 128)!;
    const fbp = await h.call(IpcChannel.FbpReconstruct, {
      source: { seriesKey: small.key, index: 0 },
      geometry: { preset: 'demo', size: 32, views: 12 },
      filter: 'ram-lak',
      cutoff: 1,
      noise: 'gaussian:1%',
      seed: 3,
    });
    expect(fbp.result.ok).toBe(true);
    const f = (fbp.result as { value: FbpReconstructResult }).value;
    expect(f.geometry).toMatchObject({ size: 32, views: 12, detectors: 46 });
    expect(f.reference).toBeInstanceOf(Float32Array);
    expect(f.fbp.length).toBe(32 * 32);
    expect(f.sinogram.length).toBe(12 * 46);
    expect(Number.isFinite(f.psnr) && f.psnr > 5).toBe(true);
    expect(f.ssim).toBeGreaterThan(0);
    expect(f.relativeNoise).toBeGreaterThan(0.005);
    // The reference is in HU: air near -1000.
    expect(Math.min(...f.reference)).toBeGreaterThanOrEqual(-1000);

    const badNoise = await h.call(IpcChannel.FbpReconstruct, {
      source: { seriesKey: small.key, index: 0 },
      geometry: { preset: 'demo', size: 32, views: 12 },
      filter: 'ram-lak',
      cutoff: 1,
      noise: 'loud',
      seed: 0,
    });
    expect(badNoise.result).toMatchObject({ ok: false, error: { code: 'USAGE' } });
  });
});
