/**
 * The workloads of bench/unet.bench.ts on our side: issue 3's four on the benchmark net (bench/nets/unet.ts)
 * and the training engine's FBPConvNet presets, each as a function that runs one call to completion; and
 * the benchmark-net workloads split by batch over worker threads (bench/nets/batch-split.ts).
 */
import { tf } from '../../src/main/engine/backend';
import {
  DEFAULT_BN_MOMENTUM,
  FBPCONVNET_PRESETS,
  type FbpConvNetPresetName,
} from '../../src/main/engine/models/fbpconvnet';
import { buildResidualUnet } from '../../src/main/engine/models/unet';
import { createRng } from '../../src/main/engine/random';
import type { BatchSplitPool } from './batch-split';
import { benchUnet, mseLoss, type BenchUnetParams } from './unet';

export type WorkloadKind = 'train' | 'forward' | 'input_grad';

export interface Workload {
  id: string;
  label: string;
  kind: WorkloadKind;
  batch: number;
  size: number;
  /** Issue 3's goal for ours / PyTorch (2 threads). */
  goal?: number;
  /** An FBPConvNet preset's U-Net (models/unet.ts, batch norm) instead of the benchmark net. */
  preset?: FbpConvNetPresetName;
}

export const WORKLOADS: Workload[] = [
  { id: 'train64', label: 'train step 64x64 b4', kind: 'train', batch: 4, size: 64, goal: 4 },
  { id: 'train128', label: 'train step 128x128 b8', kind: 'train', batch: 8, size: 128, goal: 4 },
  { id: 'fwd50', label: 'forward 128x128 b50', kind: 'forward', batch: 50, size: 128, goal: 2 },
  { id: 'gradx', label: 'input grad 128x128 b8', kind: 'input_grad', batch: 8, size: 128, goal: 3 },
  // The FBPConvNet presets of the training engine (U-Net part; FBP is outside the trained graph), at the
  // trainer's default batch; `paper` at 128x128 batch 1 only (it is meant for 512x512 on a GPU).
  { id: 'tiny', label: 'preset tiny: train 128x128 b4', kind: 'train', batch: 4, size: 128, preset: 'tiny' },
  {
    id: 'small',
    label: 'preset small: train 128x128 b4',
    kind: 'train',
    batch: 4,
    size: 128,
    preset: 'small',
  },
  {
    id: 'smallfwd',
    label: 'preset small: forward 128x128 b50',
    kind: 'forward',
    batch: 50,
    size: 128,
    preset: 'small',
  },
  {
    id: 'paper',
    label: 'preset paper: train 128x128 b1',
    kind: 'train',
    batch: 1,
    size: 128,
    preset: 'paper',
  },
];

export function randomImages(seed: string, b: number, n: number): tf.Tensor4D {
  const v = createRng(seed).fillNormal(new Float32Array(b * n * n));
  return tf.tensor4d(v, [b, n, n, 1]);
}

/** An FBPConvNet preset's U-Net as the trainer runs it (training-mode batch norm). */
function setupPreset(w: Workload & { preset: FbpConvNetPresetName }): {
  run: () => void;
  dispose: () => void;
} {
  const model = buildResidualUnet(
    { ...FBPCONVNET_PRESETS[w.preset], size: w.size, bnMomentum: DEFAULT_BN_MOMENTUM },
    'bench',
  );
  const x = randomImages(`x-${w.id}`, w.batch, w.size);
  const y = randomImages(`y-${w.id}`, w.batch, w.size);
  const opt: tf.Optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
  const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
  const run =
    w.kind === 'train'
      ? () => {
          const { value, grads } = tf.variableGrads(
            () => mseLoss(model.apply(x, { training: true }) as tf.Tensor, y),
            vars,
          );
          opt.applyGradients(grads);
          value.dataSync();
          tf.dispose([value, ...Object.values(grads)]);
        }
      : () => void tf.tidy(() => tf.sum(model.apply(x, { training: false }) as tf.Tensor)).dataSync();
  return {
    run,
    dispose: () => {
      opt.dispose();
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

/** Our side of a workload: a function that runs one call to completion, and a disposer. */
export function setupOurs(w: Workload, p: BenchUnetParams): { run: () => void; dispose: () => void } {
  if (w.preset) return setupPreset({ ...w, preset: w.preset });
  const x = randomImages(`x-${w.id}`, w.batch, w.size);
  const y = randomImages(`y-${w.id}`, w.batch, w.size);
  if (w.kind === 'train') {
    const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);
    const vars = Object.values(p);
    return {
      run: () => {
        const cost = opt.minimize(() => mseLoss(benchUnet(p, x), y), true, vars);
        cost?.dataSync();
        cost?.dispose();
      },
      dispose: () => {
        opt.dispose();
        tf.dispose([x, y]);
      },
    };
  }
  if (w.kind === 'forward') {
    return {
      run: () => void tf.tidy(() => tf.sum(benchUnet(p, x))).dataSync(),
      dispose: () => tf.dispose([x, y]),
    };
  }
  const gradOf = tf.grad((xx: tf.Tensor) => mseLoss(benchUnet(p, xx as tf.Tensor4D), y));
  return {
    run: () => void tf.tidy(() => tf.sum(gradOf(x))).dataSync(),
    dispose: () => tf.dispose([x, y]),
  };
}

/** The batch-split version of a benchmark-net workload (fresh random data of the same shape). */
export function splitRunner(pool: BatchSplitPool, w: Workload): () => Promise<unknown> {
  const n = w.batch * w.size * w.size;
  const x = createRng(`split-x-${w.id}`).fillNormal(new Float32Array(n));
  const y = createRng(`split-y-${w.id}`).fillNormal(new Float32Array(n));
  if (w.kind === 'train') return () => pool.trainStep(x, y, w.batch, w.size);
  return () => pool.map(w.kind === 'forward' ? 'forward' : 'gradx', x, y, w.batch, w.size);
}
