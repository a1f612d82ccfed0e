/**
 * The trainer as a job: progress events (loss terms, learning rate, step time, ETA) and validation against
 * FBP every epoch; cancellation between steps leaves a valid checkpoint; resuming from it gives the same
 * weights (incl. batch-norm statistics) as an uninterrupted run; the NaN/Inf guard (NaN data named by
 * source; divergence keeps the last good checkpoint); no tensor leak per step; resume refuses other settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, JobCancelledError } from '@shared/errors';
import { makeGeometry } from '@shared/geometry';
import type { JobProgress } from '@shared/jobs';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { createJobContext } from '../../../src/main/engine/job-context';
import { writeNpy } from '../../../src/main/engine/io/npy';
import type { FbpConvNet } from '../../../src/main/engine/models';
import { makePhantom } from '../../../src/main/engine/physics';
import {
  CHECKPOINT_FILE,
  readCheckpoint,
  train,
  TrainingDivergedError,
  type TrainOptions,
} from '../../../src/main/engine/training';
import { dicomPath } from '../../helpers/dicom-data';

const N = 16;
const g = makeGeometry({ size: N, views: 8 });
const seriesDir = dicomPath('ct-series');
const twoSeries = ['pydicom-ct2-16x16', 'pydicom-ct5n-16x16'].map((d) => path.join(seriesDir, d));
let tmp: string;
let stack: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-trainer-'));
  // Two "series" (files) of 5 slices: the split holds one file out.
  for (const [name, s0] of [
    ['a.npy', 0],
    ['b.npy', 10],
  ] as const) {
    const data = new Float32Array(5 * N * N);
    for (let k = 0; k < 5; k++) data.set(makePhantom('ellipses', N, { seed: s0 + k }).image, k * N * N);
    await fs.mkdir(path.join(tmp, 'two'), { recursive: true });
    await writeNpy(path.join(tmp, 'two', name), data, [5, N, N]);
  }
  stack = path.join(tmp, 'two');
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

const base = (out: string): TrainOptions => ({
  data: stack,
  geometry: g,
  method: 'jacobian', // draws from the step's generator: covers the RNG part of resume
  hyper: { powerIterations: 1 },
  preset: 'tiny',
  steps: 7,
  batchSize: 2,
  seed: 9,
  noise: { kind: 'gaussian', relative: 0.01 },
  augment: true,
  validationFraction: 0.5,
  checkpointEvery: 2,
  outDir: out,
});

function weightsOf(m: FbpConvNet): number[][] {
  return m.stateVariables().map((v) => Array.from(v.dataSync()));
}

describe('trainer', () => {
  it('reports every step and validates against FBP every epoch; no tensor leak per step', async () => {
    const events: JobProgress[] = [];
    const tensors: number[] = [];
    const start = tf.memory().numTensors;
    const r = await train({
      ...base(path.join(tmp, 'progress')),
      job: createJobContext({ onProgress: (p) => events.push(p) }),
      onStep: () => tensors.push(tf.memory().numTensors),
    });
    const steps = events.filter((e) => e.phase === 'train');
    expect(steps.map((e) => e.step)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const e of steps) {
      expect(Object.keys(e.metrics ?? {})).toEqual(
        expect.arrayContaining(['loss', 'mse', 'spectralNorm', 'penalty', 'learningRate', 'stepMs', 'epoch']),
      );
    }
    expect(steps[1].etaSeconds).toBeGreaterThanOrEqual(0);
    // 5 training slices (one file held out), batch 2: 2 steps per epoch -> epochs end at steps 2, 4, 6, 7.
    const val = events.filter((e) => e.phase === 'validate');
    expect(val.map((e) => e.step)).toEqual([1, 2, 3, 4]);
    expect(val[0].metrics?.slices).toBe(5);
    expect(r.validation.map((v) => v.step)).toEqual([2, 4, 6, 7]);
    expect(r.validation.every((v) => v.psnr > 10 && v.fbpPsnr > 10 && v.ssim > 0)).toBe(true);
    expect(r.training.data.split.validation.groups).toEqual(['a.npy']);
    expect(r.training.data.split.train.groups).toEqual(['b.npy']);
    // Adam's slots appear at the first update; from then on every step leaves the count unchanged.
    expect(new Set(tensors.slice(1)).size, `tensors after each step: ${tensors}`).toBe(1);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('cancellation leaves a valid checkpoint; resuming gives the weights of an uninterrupted run', async () => {
    const straight = await train(base(path.join(tmp, 'straight')));
    const want = weightsOf(straight.model as FbpConvNet);
    straight.model.dispose();

    const dir = path.join(tmp, 'resumed');
    const controller = new AbortController();
    const job = createJobContext({ signal: controller.signal });
    const err = await train({
      ...base(dir),
      job,
      onStep: (s) => {
        if (s.step === 3) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JobCancelledError);
    const ck = await readCheckpoint<{ step: number }>(path.join(dir, CHECKPOINT_FILE));
    expect(ck.state.step).toBe(3);
    tf.dispose([...ck.tensors.values()]);

    const resumed = await train({ ...base(dir), resume: true });
    const got = weightsOf(resumed.model as FbpConvNet);
    resumed.model.dispose();
    expect(got.length).toBe(want.length);
    let maxDiff = 0;
    got.forEach((w, i) => w.forEach((v, j) => (maxDiff = Math.max(maxDiff, Math.abs(v - want[i][j])))));
    // The issue asks for <= 1e-6; on one backend the runs are bitwise identical (Adam's bias-correction
    // products are restored as saved, not recomputed with pow).
    expect(maxDiff, 'max |resumed - uninterrupted| over all weights and BN statistics').toBe(0);
    expect(resumed.validation.map((v) => v.step)).toEqual([2, 4, 6, 7]);
  });

  it('refuses to resume under other settings, naming the field', async () => {
    const dir = path.join(tmp, 'resumed');
    await expect(train({ ...base(dir), batchSize: 3, resume: true })).rejects.toThrow(
      /batchSize = 2, but this run asks for 3/,
    );
    await expect(train({ ...base(path.join(tmp, 'none')), resume: true })).rejects.toThrow(
      /no checkpoint to resume from/,
    );
  });

  it('stops on NaN data with an error naming the source', async () => {
    const data = new Float32Array(3 * N * N).fill(1);
    data[2 * N * N + 5] = NaN;
    const file = path.join(tmp, 'nan.npy');
    await writeNpy(file, data, [3, N, N]);
    const err = await train({
      ...base(path.join(tmp, 'nan')),
      data: file,
      method: 'ord',
      hyper: {},
      validationFraction: 0,
      batchSize: 3,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/nan\.npy slice 2: pixel \(row 0, column 5\) is NaN/);
  });

  it('stops a diverging run with a clear message and keeps the last good checkpoint', async () => {
    const dir = path.join(tmp, 'diverge');
    const start = tf.memory().numTensors;
    const err = await train({
      ...base(dir),
      method: 'ord',
      hyper: {},
      learningRate: 1e30,
      lrSchedule: 'constant',
      checkpointEvery: 1,
      steps: 20,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrainingDivergedError);
    const msg = (err as Error).message;
    expect(msg).toMatch(
      /training diverged at step \d+ .*(loss|mse|weights).*last good checkpoint is kept in/,
    );
    const ck = await readCheckpoint<{ step: number }>(path.join(dir, CHECKPOINT_FILE));
    const failedAt = Number(/step (\d+)/.exec(msg)?.[1]);
    expect(ck.state.step).toBeLessThan(failedAt);
    for (const [name, t] of ck.tensors) {
      expect(
        tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0]),
        name,
      ).toBe(1);
    }
    tf.dispose([...ck.tensors.values()]);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('trains on DICOM series, holding one series out', async () => {
    const dir = path.join(tmp, 'dicom');
    await fs.mkdir(dir);
    for (const d of twoSeries) await fs.symlink(d, path.join(dir, path.basename(d)));
    const r = await train({
      ...base(path.join(tmp, 'dicom-model')),
      data: dir,
      method: 'ord',
      hyper: {},
      steps: 2,
    });
    const split = r.training.data.split;
    expect(r.training.data.kind).toBe('dicom');
    expect(split.mode).toBe('by-group');
    expect(split.train.groups).toHaveLength(1);
    expect(split.validation.groups).toHaveLength(1);
    expect(split.train.groups[0]).not.toBe(split.validation.groups[0]);
    expect(split.validation.groups[0]).toMatch(/^series-[0-9a-f]{12}$/);
    expect(r.validation.at(-1)?.slices).toBe(split.validation.slices);
    r.model.dispose();
  });
});
