import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  IpcChannel,
  MODEL_PRESETS,
  TRAIN_METHODS,
  type DicomScanResult,
  type ModelListResult,
  type RobustnessResult,
  type TrainDefaults,
  type TrainResult,
} from '@shared/ipc';
import type { HostResponseMessage, HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { createEngineHost } from '../../../src/main/engine/host/host';
import { modelDir } from '../../../src/main/engine/host/workspace';
import { METHOD_NAMES } from '../../../src/main/engine/training';
import { FBPCONVNET_PRESET_NAMES } from '../../../src/main/engine/models';
import { DICOM_DATA, waitFor } from './helpers';

it('the wire lists of methods and presets match the engine', () => {
  expect([...TRAIN_METHODS]).toEqual([...METHOD_NAMES]);
  expect([...MODEL_PRESETS]).toEqual([...FBPCONVNET_PRESET_NAMES]);
});

describe('engine host: training, models, robustness', () => {
  let workspace: string;
  const out: HostToOwnerMessage[] = [];
  const host = createEngineHost((m) => out.push(m));
  let n = 0;
  async function call<T>(method: string, params: unknown): Promise<T> {
    const id = `r${++n}`;
    host.receive({ type: 'request', id, jobId: `j${n}`, method, params } as OwnerToHostMessage);
    const r = await waitFor(
      () => out.find((m): m is HostResponseMessage => m.type === 'response' && m.id === id),
      110_000,
    );
    if (!r.result.ok) throw new Error(`${r.result.error.code}: ${r.result.error.message}`);
    return r.result.value as T;
  }
  beforeAll(async () => {
    process.env.CT_AUDIT_BACKEND ??= 'cpu';
    workspace = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-ws-'));
  });
  afterAll(() => rm(workspace, { recursive: true, force: true }));

  it('trains a tiny model into the workspace, lists it, and checks one slice with attack + certification', async () => {
    const defaults = await call<TrainDefaults>(IpcChannel.TrainDefaults, { workspace });
    expect(defaults.methods.map((m) => m.name)).toEqual([...METHOD_NAMES]);
    const l2 = defaults.methods.find((m) => m.name === 'l2')!;
    expect(l2.hypers[0]).toMatchObject({ key: 'mu', default: 1e-6 });
    expect(l2.hypers[0].paper).toMatch(/papers\/000/);

    const request = {
      name: 'tiny-1',
      data: { kind: 'ellipses' },
      method: 'ord',
      preset: 'tiny',
      geometry: { preset: 'demo', size: 32, views: 12 },
      steps: 4,
      batchSize: 2,
      hyper: {},
      noise: 'none',
      seed: 1,
      filter: 'ram-lak',
      cutoff: 1,
      stepsPerEpoch: 2,
      resume: false,
      outDir: modelDir(workspace, 'tiny-1'),
    };
    const trained = await call<TrainResult>(IpcChannel.TrainStart, request);
    expect(trained.completedSteps).toBe(4);
    expect(trained.validation.length).toBe(2);
    expect(trained.model).toMatchObject({
      name: 'tiny-1',
      method: 'ord',
      preset: 'tiny',
      status: 'complete',
    });
    await expect(call(IpcChannel.TrainStart, request)).rejects.toThrow(/exists already/);

    const list = await call<ModelListResult>(IpcChannel.ModelList, { workspace });
    expect(list.models.map((m) => m.name)).toEqual(['tiny-1']);
    expect(list.models[0].geometry).toMatchObject({ size: 32, views: 12 });

    const scan = await call<DicomScanResult>(IpcChannel.DicomScan, {
      paths: [path.join(DICOM_DATA, 'ct-single/pydicom_ct-small-128x128.dcm')],
    });
    const r = await call<RobustnessResult>(IpcChannel.RobustnessRun, {
      model: { kind: 'path', path: modelDir(workspace, 'tiny-1'), name: 'tiny-1' },
      geometry: { preset: 'demo' },
      source: { seriesKey: scan.series[0].key, index: 0 },
      noise: 'none',
      seed: 0,
      attack: { kind: 'pga-y', eps: '1%,3%', steps: 3 },
      certify: { space: 'x', sigmas: [0.02, 0.05], samples: 12, confidence: 0.9, eps: '0.5%' },
    });
    expect(r.geometry.size).toBe(32);
    for (const img of [r.reference, r.clean, r.perturbed, r.smoothed]) {
      expect(img).toBeInstanceOf(Float32Array);
      expect(img.length).toBe(32 * 32);
    }
    expect(r.perturbation.length).toBe(12 * r.geometry.detectors);
    expect(r.rhoHat.map((p) => p.spec)).toEqual(['1%', '3%']);
    // Warm-started grid: rho-hat does not decrease, and the attack does not help the model.
    expect(r.rhoHat[1].error).toBeGreaterThanOrEqual(r.rhoHat[0].error);
    expect(r.rhoHat[0].error).toBeGreaterThanOrEqual(r.cleanError * 0.999);
    expect(r.rhoHat[1].epsRelative).toBeCloseTo(0.03, 6);
    expect(r.certification).toHaveLength(2);
    for (const c of r.certification) {
      expect(c.samples).toBe(12);
      expect(c.abstain || (c.certified !== null && c.certified >= c.median)).toBe(true);
      if (c.abstain) expect(c.reason).toBeTruthy();
    }
  });
});
