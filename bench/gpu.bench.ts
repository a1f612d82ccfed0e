/**
 * Issue 14's GPU benchmark (`npm run bench gpu`): the same workloads on `webgpu` and on `wasm` in one run,
 * with the GPU adapter, the CPU and the load average printed next to the figures.
 *
 * First the projector kernels (A, A^T, B, B^T, FBP): webgpu's against the cpu backend's values, the transposition
 * gaps, and ms per call on each backend. Then the workloads per image size N (views A = round(143 N / 512): the
 * `paper` geometry's views per pixel):
 *   train <preset>   one `ord` training step of the FBPConvNet preset (FBP + U-Net, Adam, batch B); per
 *                    image in the table, so backends may use different batches (wasm: 4 GB address space)
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
 * Env (defaults in brackets). Every value can also be given per backend, "webgpu=1000,wasm=50" (a backend
 * not named takes the default): PGA and certification cost the same per step and per sample, so a CPU
 * backend can run fewer and the table compares per-step and per-sample times (and extrapolates the total).
 *   CT_AUDIT_BENCH_GPU_SIZES      image sizes [256,512]
 *   CT_AUDIT_BENCH_GPU_BACKENDS   [webgpu,wasm]
 *   CT_AUDIT_BENCH_GPU_PRESETS    FBPConvNet presets for the training step [small,paper]
 *   CT_AUDIT_BENCH_GPU_BATCH      training batch [4]
 *   CT_AUDIT_BENCH_GPU_STEPS      PGA steps [100]
 *   CT_AUDIT_BENCH_GPU_SAMPLES    certification samples S [1000]
 *   CT_AUDIT_BENCH_GPU_CERT_BATCH samples per forward pass in certification [webgpu=32; wasm: the engine's default]
 *   CT_AUDIT_BENCH_GPU_REPEATS    timed training steps (median) [3]
 *   CT_AUDIT_BENCH_GPU_WORKLOADS  any of projectors, train, pga, certify [all]
 *   CT_AUDIT_BENCH_GPU_MAX_MS     skip a backend's remaining workloads once one took longer [1800000]
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { initBackend, tf, adapterLabel, limitsLabel, type BackendInfo } from '../src/main/engine/backend';
import { disposeAttackResult, pgaY } from '../src/main/engine/attacks';
import { certify } from '../src/main/engine/certify';
import { FbpConvNet, type FbpConvNetPresetName } from '../src/main/engine/models/fbpconvnet';
import { makePhantom, RadonOperator } from '../src/main/engine/physics';
import { createRng } from '../src/main/engine/random';
import { createMethod } from '../src/main/engine/training/methods';
import type { MethodContext } from '../src/main/engine/training/method';
import { fmtMs, peakRssMb, printTable } from './harness';

const PAPER_CERT_MS_256 = 33_520; // papers/002 Table 4, S = 1000, one 256x256 sample, RTX 3090

/** The value of env `name` for `backend`: "v" for all, or "webgpu=v1,wasm=v2" (others: the default). */
function setting(name: string, backend: string, dflt: string): string {
  const raw = process.env[name];
  if (!raw) return dflt;
  if (!raw.includes('=')) return raw;
  const hit = raw
    .split(/[,;](?=[a-z]+=)/)
    .map((p) => p.split('='))
    .find(([b]) => b.trim() === backend);
  return hit ? hit[1].trim() : dflt;
}
const list = (name: string, dflt: string, backend = ''): string[] =>
  setting(name, backend, dflt)
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const num = (name: string, dflt: number, backend = ''): number => {
  const v = Number(setting(name, backend, String(dflt)));
  return Number.isFinite(v) && v > 0 ? v : dflt;
};
const loadavg = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

type BackendChoice = 'webgpu' | 'wasm' | 'cpu' | 'tensorflow';

/** Switch to `name` (webgpu without a GPU driver: the SwiftShader adapter, when installed). */
function useBackend(name: BackendChoice): Promise<BackendInfo> {
  return initBackend({ backend: name });
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
  /** Steps or samples in `ms` (1 for a training step). */
  units: number;
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
  const { x, y } = data(g, 1, 11);
  const o = { reference: x, sigma: 0.02, confidence: 0.99, radii: [0.01], space: 'x' as const, batchSize };
  try {
    await certify(model, y, { ...o, samples: Math.min(samples, batchSize ?? 8) });
    return await timed(() => certify(model, y, { ...o, samples }));
  } finally {
    model.dispose();
    tf.dispose([x, y]);
  }
}

type ProjectorOutputs = Record<'A' | 'AT' | 'B' | 'BT' | 'FBP', Float32Array>;

/** The projector kernels on the active backend: outputs for a phantom, and the median ms per call. */
async function projectors(
  g: Geometry,
): Promise<{ out: ProjectorOutputs; ms: Record<string, number>; gaps: number[] }> {
  const op = new RadonOperator(g);
  const { x, y } = data(g, 1, 3);
  // B^T (no public op of its own): the gradient of <B q, img> with respect to q.
  const bT = (q: tf.Tensor4D, img: tf.Tensor4D) =>
    tf.grad((v: tf.Tensor) => tf.sum(tf.mul(op.pixelBackproject(v as tf.Tensor4D), img)))(q);
  const calls: Record<keyof ProjectorOutputs, () => tf.Tensor> = {
    A: () => op.forward(x),
    AT: () => op.adjoint(y),
    B: () => op.pixelBackproject(y),
    BT: () => bT(y, x),
    FBP: () => op.fbp(y),
  };
  const out = {} as ProjectorOutputs;
  const ms: Record<string, number> = {};
  for (const [k, f] of Object.entries(calls) as [keyof ProjectorOutputs, () => tf.Tensor][]) {
    out[k] = tf.tidy(() => f().dataSync() as Float32Array); // also the warm-up
    // Timed with the result summed on the device and 4 bytes read back: what a pipeline sees (a full read
    // back adds the transfer, which on some machines costs more than the kernel).
    const runs: number[] = [];
    for (let r = 0; r < 3; r++) runs.push(await timed(() => tf.tidy(() => tf.sum(f()).dataSync())));
    ms[k] = median(runs);
    const full: number[] = [];
    for (let r = 0; r < 3; r++) full.push(await timed(() => tf.tidy(() => f().dataSync())));
    ms[`${k} read`] = median(full);
  }
  // Transposition gaps |<A x, y> - <x, A^T y>| / (||A x|| ||y||) on random data, for A and B.
  const rx = tf.randomNormal([1, g.size, g.size, 1], 0, 1, 'float32', 5) as tf.Tensor4D;
  const ry = tf.randomNormal([1, g.views, g.detectors, 1], 0, 1, 'float32', 6) as tf.Tensor4D;
  const gap = (fx: tf.Tensor, yy: tf.Tensor, xx: tf.Tensor, fty: tf.Tensor) =>
    tf.tidy(() => {
      const d = Math.abs(tf.sum(tf.mul(fx, yy)).dataSync()[0] - tf.sum(tf.mul(xx, fty)).dataSync()[0]);
      return d / (tf.norm(fx).dataSync()[0] * tf.norm(yy).dataSync()[0]);
    });
  const gaps = tf.tidy(() => [
    gap(op.forward(rx), ry, rx, op.adjoint(ry)),
    gap(op.pixelBackproject(ry), rx, ry, bT(ry, rx)),
  ]);
  tf.dispose([x, y, rx, ry]);
  return { out, ms, gaps };
}

function relErr(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return Math.sqrt(d / n);
}

/** The WGSL kernels against the cpu backend and their speed against wasm, per size (before the workloads). */
async function projectorTable(sizes: number[], backends: BackendChoice[]): Promise<void> {
  if (!backends.includes('webgpu')) return;
  try {
    await useBackend('webgpu');
  } catch (e) {
    console.log(`projector kernels not compared: ${(e as Error).message}`);
    return;
  }
  const rows: (string | number)[][] = [];
  for (const N of sizes) {
    const g = geometryFor(N);
    await useBackend('cpu');
    const ref = await projectors(g);
    const times: Record<string, Record<string, number>> = {};
    let gpu: Awaited<ReturnType<typeof projectors>> | undefined;
    for (const b of backends) {
      await useBackend(b);
      const r = await projectors(g);
      times[b] = r.ms;
      if (b === 'webgpu') gpu = r;
    }
    for (const k of Object.keys(ref.out) as (keyof ProjectorOutputs)[]) {
      rows.push([
        k,
        N,
        gpu ? relErr(gpu.out[k], ref.out[k]).toExponential(1) : '-',
        k === 'A' || k === 'B' ? (gpu?.gaps[k === 'A' ? 0 : 1] ?? NaN).toExponential(1) : '',
        ...backends.map((b) => `${fmtMs(times[b]?.[k])} / ${fmtMs(times[b]?.[`${k} read`])}`),
      ]);
    }
  }
  printTable(
    'Projector kernels: webgpu against the cpu backend (relative L2 on a phantom), transposition gap of the pair ' +
      '(|<Fx,y> - <x,F^T y>| / ||Fx|| ||y||, float32), median ms per call: result summed on the device / ' +
      'the whole result read back',
    ['op', 'N', 'rel. err vs cpu', 'transpose gap', ...backends.map((b) => `${b} ms`)],
    rows,
  );
}

function describeBackend(info: BackendInfo): string {
  if (info.webgpu) return `webgpu on ${adapterLabel(info.webgpu)}; limits: ${limitsLabel(info.webgpu)}`;
  if (info.wasm) return `wasm (SIMD ${info.wasm.simd}, ${info.wasm.threadCount} thread(s))`;
  return `${info.backend} (${info.provider})`;
}

export async function run(): Promise<void> {
  const backends = list('CT_AUDIT_BENCH_GPU_BACKENDS', 'webgpu,wasm') as BackendChoice[];
  const cpus = os.cpus();
  const header = [
    `CPU: ${cpus[0]?.model ?? 'unknown'} x ${cpus.length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ` +
      `${os.platform()} ${os.release()}; node ${process.versions.node}`,
  ];
  if (list('CT_AUDIT_BENCH_GPU_WORKLOADS', 'projectors,train,pga,certify', 'webgpu').includes('projectors')) {
    await projectorTable(list('CT_AUDIT_BENCH_GPU_SIZES', '256,512', 'webgpu').map(Number), backends);
  }
  const rows: Row[] = [];
  for (const name of backends) {
    const sizes = list('CT_AUDIT_BENCH_GPU_SIZES', '256,512', name).map(Number);
    const presets = list('CT_AUDIT_BENCH_GPU_PRESETS', 'small,paper', name) as FbpConvNetPresetName[];
    const workloads = list('CT_AUDIT_BENCH_GPU_WORKLOADS', 'train,pga,certify', name);
    const B = num('CT_AUDIT_BENCH_GPU_BATCH', 4, name);
    const steps = num('CT_AUDIT_BENCH_GPU_STEPS', 100, name);
    const S = num('CT_AUDIT_BENCH_GPU_SAMPLES', 1000, name);
    const repeats = num('CT_AUDIT_BENCH_GPU_REPEATS', 3, name);
    const maxMs = num('CT_AUDIT_BENCH_GPU_MAX_MS', 1_800_000, name);
    const certBatch = name === 'webgpu' ? num('CT_AUDIT_BENCH_GPU_CERT_BATCH', 32, name) : undefined;
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
      units: number,
      unit: string,
      f: () => Promise<{ ms: number; note?: string }>,
    ): Promise<void> => {
      const load = loadavg();
      const row: Row = { workload, size, backend: name, ms: undefined, units, unit, note: '', load };
      rows.push(row);
      if (overBudget) {
        row.note = 'skipped (CT_AUDIT_BENCH_GPU_MAX_MS)';
        return;
      }
      try {
        const { ms, note } = await f();
        row.ms = ms;
        row.note = note ?? '';
        row.load = `${load} -> ${loadavg()}`;
        if (ms > maxMs) overBudget = true;
      } catch (e) {
        row.note = `failed: ${(e as Error).message.split('\n')[0]}`;
      }
      console.log(`  ${name} ${workload} N ${size}: ${fmtMs(row.ms)} ms ${row.note}`);
    };
    for (const N of sizes) {
      const g = geometryFor(N);
      if (workloads.includes('train')) {
        for (const preset of presets) {
          await add(`train ${preset}`, N, B, 'image', async () => ({
            ms: await trainStep(g, preset, B, repeats),
            note: `batch ${B}, median of ${repeats} steps`,
          }));
        }
      }
      if (workloads.includes('pga')) {
        await add('pga-y (small)', N, steps, 'step', async () => {
          const r = await pga(g, steps);
          return { ms: r.ms, note: `${steps} steps; error/clean ${r.ratio.toFixed(3)}` };
        });
      }
      if (workloads.includes('certify')) {
        await add('certify (small)', N, S, 'sample', async () => {
          const ms = await certification(g, S, certBatch);
          const perPixel = ms / S / (N * N) / (PAPER_CERT_MS_256 / 1000 / (256 * 256));
          return { ms, note: `S ${S}; ${perPixel.toFixed(2)}x the paper's RTX 3090 per sample and pixel` };
        });
      }
    }
  }
  console.log(`\n${header.join('\n')}`);
  const perUnit = (r: Row) => (r.ms === undefined ? undefined : r.ms / r.units);
  const wasmOf = (r: Row) =>
    rows.find((q) => q.backend === 'wasm' && q.workload === r.workload && q.size === r.size);
  printTable(
    'GPU benchmark: views = round(143 N / 512); PGA on the y-ball of 1% ||A x||; certification in space x, ' +
      'sigma 0.02. per unit: per trained image, PGA step or certification sample; ' +
      'x wasm: wasm time / this time (per unit). papers/002 Table 4: S = 1000 in 33.5 s per 256x256 (RTX 3090)',
    [
      'workload',
      'N',
      'backend',
      'total ms',
      'per unit ms',
      'unit',
      'x 100 / x 1000',
      'x wasm',
      'note',
      'loadavg',
    ],
    rows.map((r) => {
      const w = wasmOf(r);
      const pu = perUnit(r);
      const wpu = w ? perUnit(w) : undefined;
      const scaled =
        pu === undefined
          ? '-'
          : r.unit === 'step' && r.workload.startsWith('pga')
            ? `${fmtMs(pu * 100)} ms`
            : r.unit === 'sample'
              ? `${fmtMs(pu * 1000)} ms`
              : '-';
      const ratio =
        pu !== undefined && wpu !== undefined && r.backend !== 'wasm' ? `${(wpu / pu).toFixed(1)}x` : '-';
      return [r.workload, r.size, r.backend, fmtMs(r.ms), fmtMs(pu), r.unit, scaled, ratio, r.note, r.load];
    }),
  );
  console.log(`peak RSS ${peakRssMb().toFixed(0)} MiB`);
}
