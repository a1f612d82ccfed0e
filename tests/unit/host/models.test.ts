import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
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
import { parseAuditSpec } from '@shared/audit-spec';
import type { ResultLine } from '@shared/audit-results';
import { readResults, runAudit } from '../../../src/main/engine/audit';
import { cli } from '../helpers/cli';

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
    // The CLI the test compares with runs on wasm: so do the host and the folder audit here.
    process.env.CT_AUDIT_BACKEND = 'wasm';
    workspace = await mkdtemp(path.join(os.tmpdir(), 'ct-audit-ws-'));
  });
  afterAll(() => rm(workspace, { recursive: true, force: true }));

  it('trains a tiny model, lists it, and audits one slice with the numbers of a folder audit and the CLI', async () => {
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
    // The one-slice audit of the app (fbp baseline + the model, every default of src/shared/robustness.ts
    // but a short attack and few samples).
    const attack = { eps: ['0.5%', '1%'], steps: 3 };
    const certification = { samples: 16, sigma: ['eps/0.5', 'eps/1'] };
    const r = await call<RobustnessResult>(IpcChannel.RobustnessRun, {
      models: [{ kind: 'path', path: modelDir(workspace, 'tiny-1'), name: 'tiny-1' }],
      geometry: { preset: 'demo' },
      source: { seriesKey: scan.series[0].key, index: 0 },
      noise: 'none',
      seed: 0,
      attack,
      certification,
    });
    expect(r.geometry.size).toBe(32);
    expect(r.models.map((m) => m.name)).toEqual(['fbp', 'tiny-1']);
    expect(r.reference.length).toBe(32 * 32);
    for (const m of r.models) {
      expect(m.lines).toHaveLength(2);
      expect(m.points).toHaveLength(2);
      for (const pt of m.points) {
        for (const img of [pt.perturbed, pt.smoothed as Float32Array]) expect(img.length).toBe(32 * 32);
        expect(pt.perturbation.length).toBe(12 * r.geometry.detectors);
      }
      // Warm-started grid: Delta_max does not decrease, and the attack does not help the model.
      expect(m.lines[1].attack.perturbed.error).toBeGreaterThanOrEqual(m.lines[0].attack.perturbed.error);
      expect(m.lines[0].attack.perturbed.error).toBeGreaterThanOrEqual(m.lines[0].clean.error * 0.999);
      expect(m.lines[1].eps.relative).toBeCloseTo(0.01, 12);
    }

    // The same slice, models and settings in a folder audit (the file among others) and through the CLI's
    // `certify`: identical result lines, number for number.
    const folder = path.join(workspace, 'data');
    await mkdir(folder);
    for (const f of ['ct-single/pydicom_ct-small-128x128.dcm', 'ct-single/nema-ct1_explicit-vr-le.dcm'])
      await copyFile(path.join(DICOM_DATA, f), path.join(folder, path.basename(f)));
    const spec = parseAuditSpec({
      models: [{ path: modelDir(workspace, 'tiny-1'), name: 'tiny-1' }],
      data: { sources: [folder] },
      geometry: { preset: 'demo' },
      attack,
      certification,
      report: { worstSlices: 0, pdf: false },
    });
    const audited = path.join(workspace, 'audit');
    await runAudit({ spec, outDir: audited });
    const cliOut = path.join(workspace, 'cli');
    const cliRun = await cli(
      'certify',
      '--model',
      modelDir(workspace, 'tiny-1'),
      '--model',
      'fbp',
      '--data',
      path.join(folder, 'pydicom_ct-small-128x128.dcm'),
      '--eps',
      '0.5%,1%',
      '--steps',
      '3',
      '--samples',
      '16',
      '--sigma',
      'eps/0.5,eps/1',
      '--out',
      cliOut,
      '--json',
    );
    expect(cliRun.code, cliRun.stderr).toBe(0);
    const strip = (l: ResultLine) => ({
      ...l,
      slice: { ...l.slice, index: 0 },
      model: { ...l.model, index: 0 },
    });
    const byKey = (lines: ResultLine[]) =>
      new Map(
        lines.filter((l) => l.slice.id === r.sliceId).map((l) => [`${l.model.name}/${l.epsIndex}`, strip(l)]),
      );
    const folderLines = byKey((await readResults(path.join(audited, 'results.jsonl'))).lines);
    const cliLines = byKey((await readResults(path.join(cliOut, 'results.jsonl'))).lines);
    const uiLines = byKey(r.models.flatMap((m) => m.lines));
    expect(uiLines.size).toBe(4);
    for (const [k, v] of uiLines) {
      expect(folderLines.get(k), `folder audit ${k}`).toEqual(v);
      expect(cliLines.get(k), `ct-audit certify ${k}`).toEqual(v);
    }
  });
});
