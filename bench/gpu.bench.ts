/**
 * Issue 14's GPU benchmark (`npm run bench gpu`): the same workloads on `webgpu` and on `wasm` in one run,
 * with the GPU adapter, the CPU and the load average printed next to the figures.
 *
 * Workloads per image size N (views A = round(143 N / 512): the `paper` geometry's views per pixel):
 *   train <preset>   one `ord` training step of the FBPConvNet preset (FBP + U-Net, Adam, batch B)
 *   pga-y            the y-space attack, 100 steps (eps 1% of ||A x||), on the `small` FBPConvNet
 *   certify          randomized-smoothing certification, S = 1000 samples (space x, sigma 0.02), `small`
 * papers/002 Table 4 is the anchor: S = 1000 takes 33.5 s per 256x256 sample on an RTX 3090.
 *
 * A GPU machine needs nothing special: Dawn picks the hardware adapter. Without one, on Linux, the
 * benchmark uses the SwiftShader software adapter where Debian's chromium package installed it (the figures
 * are then of a CPU running shaders, and say so). Workloads time one call after a warm-up call (the long
 * ones) or the median of CT_AUDIT_BENCH_GPU_REPEATS; each call ends with a read of its result, so GPU time
 * is included. Weights are random: the cost does not depend on them.
 *
 * Env (defaults in brackets):
 *   CT_AUDIT_BENCH_GPU_SIZES      image sizes [256,512]
 *   CT_AUDIT_BENCH_GPU_BACKENDS   [webgpu,wasm]
 *   CT_AUDIT_BENCH_GPU_PRESETS    FBPConvNet presets for the training step [small,paper]
 *   CT_AUDIT_BENCH_GPU_BATCH      training batch [4]
 *   CT_AUDIT_BENCH_GPU_STEPS      PGA steps [100]
 *   CT_AUDIT_BENCH_GPU_SAMPLES    certification samples S [1000]
 *   CT_AUDIT_BENCH_GPU_CERT_BATCH samples per forward pass in certification [32 on webgpu, the default on wasm]
 *   CT_AUDIT_BENCH_GPU_REPEATS    timed training steps (median) [3]
 *   CT_AUDIT_BENCH_GPU_WORKLOADS  any of train, pga, certify [all]
 *   CT_AUDIT_BENCH_GPU_MAX_MS     skip the remaining workloads of a backend once one took longer [1800000]
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { initBackend, tf, adapterLabel, limitsLabel, type BackendInfo } from '../src/main/engine/backend';
import { findSwiftShaderIcd } from '../src/main/engine/backend/webgpu';
import { disposeAttackResult, pgaY } from '../src/main/engine/attacks';
import { certify } from '../src/main/engine/certify';
import { FbpConvNet, type FbpConvNetPresetName } from '../src/main/engine/models/fbpconvnet';
import { makePhantom, RadonOperator } from '../src/main/engine/physics';
import { createRng } from '../src/main/engine/random';
import { createMethod } from '../src/main/engine/training/methods';
import type { MethodContext } from '../src/main/engine/training/method';
import { fmtMs, peakRssMb, printTable } from './harness';

const PAPER_CERT_MS_256 = 33_520; // papers/002 Table 4, S = 1000, one 256x256 sample, RTX 3090

const list = (name: string, dflt: string): string[] =>
  (process.env[name] ?? dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const num = (name: string, dflt: number): number => {
  const v = Number(process.env[name] ?? dflt);
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type BackendChoice = 'webgpu' | 'wasm' | 'cpu' | 'tensorflow';

/** Switch to `name`; for webgpu without a GPU driver, the SwiftShader adapter when installed. */
async function useBackend(name: BackendChoice): Promise<BackendInfo> {
  if (name !== 'webgpu') return initBackend({ backend: name });
  try {
    return await initBackend({ backend: 'webgpu' });
  } catch (e) {
    const icd = findSwiftShaderIcd();
    if (process.env.VK_ICD_FILENAMES || !icd) throw e;
    console.log(
      `no GPU adapter (${(e as Error).message}); using SwiftShader (${icd}): a CPU running shaders`,
    );
    process.env.VK_ICD_FILENAMES = icd;
    return initBackend({ backend: 'webgpu' });
  }
}

function geometryFor(N: number): Geometry {
  return makeGeometry({ size: N, views: Math.max(1, Math.round((143 * N) / 512)) });
}

/** B ellipse phantoms [B,N,N,1] and their sinograms. */
function data(g: Geometry, B: number, seed: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const N = g.size;
  const xv = new Float32Array(B * N * N);
  for (let b = 0; b < B; b++) xv.set(makePhantom('ellipses', N, { seed: seed + b }).image, b * N * N);
  const x = tf.tensor4d(xv, [B, N, N, 1]);
  return { x, y: new RadonOperator(g).forward(x) };
}

async function timed(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

const median = (a: number[]): number => {
  const s = [...a].sort((p, q) => p - q);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Row {
  workload: string;
  size: number;
  backend: string;
  ms: number | undefined;
  unit: string;
  note: string;
  load: string;
}

async function trainStep(
  g: Geometry,
  preset: FbpConvNetPresetName,
  B: number,
  repeats: number,
): Promise<number> {
  const model = FbpConvNet.create(g, { preset, seed: 0 });
  const optimizer = tf.train.adam(1e-3);
  const { x, y } = data(g, B, 1);
  const ctx: MethodContext = {
    model,
    optimizer,
    op: model.op,
    geometry: g,
    rng: createRng(0),
    step: 0,
    epoch: 0,
    stepsPerEpoch: 10,
  };
  const method = createMethod('ord');
  try {
    await method.init(ctx);
    method.step({ x, y }, ctx); // warm-up: shaders compiled, buffers allocated
    const runs: number[] = [];
    for (let r = 0; r < repeats; r++) runs.push(await timed(() => method.step({ x, y }, ctx)));
    return median(runs);
  } finally {
    method.dispose();
    optimizer.dispose();
    model.dispose();
    tf.dispose([x, y]);
  }
}

async function pga(g: Geometry, steps: number): Promise<{ ms: number; ratio: number }> {
  const model = FbpConvNet.create(g, { preset: 'small', seed: 0 });
  const { x, y } = data(g, 1, 7);
  const eps = 0.01 * tf.tidy(() => tf.norm(y).dataSync()[0]);
  try {
    await pgaY.attack(model, x, y, { eps, steps: 2 }).then(disposeAttackResult);
    let ratio = NaN;
    const ms = await timed(async () => {
      const r = await pgaY.attack(model, x, y, { eps, steps });
      ratio = r.error[0] / r.cleanError[0];
      disposeAttackResult(r);
    });
    return { ms, ratio };
  } finally {
    model.dispose();
    tf.dispose([x, y]);
  }
}

async function certification(g: Geometry, samples: number, batchSize: number | undefined): Promise<number> {
  const model = FbpConvNet.create(g, { preset: 'small', seed: 0 });
  const { y } = data(g, 1, 11);
  const o = { sigma: 0.02, confidence: 0.99, eps: 0.01, space: 'x' as const, batchSize };
  try {
    await certify(model, y, { ...o, samples: Math.min(samples, batchSize ?? 8) });
    return await timed(() => certify(model, y, { ...o, samples }));
  } finally {
    model.dispose();
    y.dispose();
  }
}

function describeBackend(info: BackendInfo): string {
  if (info.webgpu) return `webgpu on ${adapterLabel(info.webgpu)}; limits: ${limitsLabel(info.webgpu)}`;
  if (info.wasm) return `wasm (SIMD ${info.wasm.simd}, ${info.wasm.threadCount} thread(s))`;
  return `${info.backend} (${info.provider})`;
}

export async function run(): Promise<void> {
  const sizes = list('CT_AUDIT_BENCH_GPU_SIZES', '256,512').map(Number);
  const backends = list('CT_AUDIT_BENCH_GPU_BACKENDS', 'webgpu,wasm') as BackendChoice[];
  const presets = list('CT_AUDIT_BENCH_GPU_PRESETS', 'small,paper') as FbpConvNetPresetName[];
  const workloads = list('CT_AUDIT_BENCH_GPU_WORKLOADS', 'train,pga,certify');
  const B = num('CT_AUDIT_BENCH_GPU_BATCH', 4);
  const steps = num('CT_AUDIT_BENCH_GPU_STEPS', 100);
  const S = num('CT_AUDIT_BENCH_GPU_SAMPLES', 1000);
  const repeats = num('CT_AUDIT_BENCH_GPU_REPEATS', 3);
  const maxMs = num('CT_AUDIT_BENCH_GPU_MAX_MS', 1_800_000);
  const cpus = os.cpus();
  const header = [
    `CPU: ${cpus[0]?.model ?? 'unknown'} x ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
      `${os.platform()} ${os.release()}; node ${process.versions.node}`,
  ];
  const rows: Row[] = [];
  for (const name of backends) {
    let info: BackendInfo;
    try {
      info = await useBackend(name);
    } catch (e) {
      header.push(`${name}: not available: ${(e as Error).message}`);
      continue;
    }
    header.push(`${name}: ${describeBackend(info)}; tfjs ${info.versions['tfjs-core']}`);
    let overBudget = false;
    const add = async (
      workload: string,
      size: number,
      unit: string,
      f: () => Promise<{ ms: number; note?: string }>,
    ): Promise<void> => {
      const load = loadavg();
      if (overBudget) {
        rows.push({
          workload,
          size,
          backend: name,
          ms: undefined,
          unit,
          note: 'skipped (time budget)',
          load,
        });
        return;
      }
      try {
        const { ms, note } = await f();
        rows.push({
          workload,
          size,
          backend: name,
          ms,
          unit,
          note: note ?? '',
          load: `${load} -> ${loadavg()}`,
        });
        if (ms > maxMs) overBudget = true;
      } catch (e) {
        rows.push({
          workload,
          size,
          backend: name,
          ms: undefined,
          unit,
          note: `failed: ${(e as Error).message.split('\n')[0]}`,
          load,
        });
      }
      console.log(
        `  ${name} ${workload} ${size}: ${fmtMs(rows[rows.length - 1].ms)} ms ${rows[rows.length - 1].note}`,
      );
    };
    for (const N of sizes) {
      const g = geometryFor(N);
      if (workloads.includes('train')) {
        for (const preset of presets) {
          await add(`train ${preset} b${B}`, N, 'ms/step', async () => ({
            ms: await trainStep(g, preset, B, repeats),
            note: `median of ${repeats}`,
          }));
        }
      }
      if (workloads.includes('pga')) {
        await add(`pga-y ${steps} steps (small)`, N, 'ms', async () => {
          const r = await pga(g, steps);
          return { ms: r.ms, note: `error/clean ${r.ratio.toFixed(3)}` };
        });
      }
      if (workloads.includes('certify')) {
        const bs = name === 'webgpu' ? num('CT_AUDIT_BENCH_GPU_CERT_BATCH', 32) : undefined;
        await add(`certify S=${S} (small)`, N, 'ms/slice', async () => {
          const ms = await certification(g, S, bs);
          const perPixel = (ms * (256 * 256)) / (N * N) / ((PAPER_CERT_MS_256 * S) / 1000);
          return { ms, note: `${perPixel.toFixed(2)}x the paper's RTX 3090 per pixel and sample` };
        });
      }
    }
  }
  console.log(`\n${header.join('\n')}`);
  const ref = (r: Row) =>
    rows.find(
      (q) =>
        q.workload === r.workload && q.size === r.size && q.backend !== r.backend && q.backend === 'wasm',
    );
  printTable(
    `GPU benchmark (views = round(143 N / 512); training batch ${B}; PGA ${steps} steps; certification S = ${S}). ` +
      'ratio: wasm time / this backend time',
    ['workload', 'N', 'backend', 'time', 'unit', 'vs wasm', 'note', 'loadavg'],
    rows.map((r) => {
      const w = ref(r);
      const ratio = r.ms !== undefined && w?.ms !== undefined ? `${(w.ms / r.ms).toFixed(2)}x` : '-';
      return [r.workload, r.size, r.backend, fmtMs(r.ms), r.unit, ratio, r.note, r.load];
    }),
  );
  console.log(`peak RSS ${peakRssMb().toFixed(0)} MiB`);
}
