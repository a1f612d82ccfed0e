/**
 * Issue 3's benchmark: the residual U-Net of bench/nets/unet.ts on the active tfjs backend against the
 * same net in PyTorch's CPU build (bench/py/unet_torch.py, Debian python3-torch) in the same run.
 *
 * Workloads: Adam training step (MSE) at 64x64 batch 4 and 128x128 batch 8, forward of a batch of 50 at
 * 128x128, gradient with respect to the input (what attacks use) at 128x128 batch 8.
 * Timing: per workload, 2 warm-up calls on each side, then R rounds of [one of ours, one PyTorch call at 2
 * threads, one at 1 thread], so that both sides see the same machine load; medians over the rounds. The
 * load average is printed next to every row (the machine is shared). Before timing, both nets are run on
 * the same weights and data and their loss, output and gradients compared (same definition, same math).
 *
 * Env: CT_AUDIT_BACKEND, CT_AUDIT_BENCH_REPEATS (rounds, default 7), CT_AUDIT_BENCH_WORKLOADS (comma list of
 * workload ids, default all), CT_AUDIT_BENCH_PROFILE=1 (per-kernel self-time table of one call of each
 * workload), CT_AUDIT_BENCH_TORCH1=0 (skip PyTorch's 1-thread column).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../src/main/engine/backend';
import { readNpy, writeNpy } from '../src/main/engine/io/npy';
import { createRng } from '../src/main/engine/random';
import { findPython, fmtMs, fmtRatio, peakRssMb, printTable } from './harness';
import { profileKernels } from './nets/kernel-profile';
import { PythonPeer } from './nets/torch-peer';
import {
  benchUnet,
  benchUnetForwardMacs,
  benchUnetInit,
  benchUnetShapes,
  benchUnetVariables,
  mseLoss,
  type BenchUnetParams,
} from './nets/unet';

type WorkloadKind = 'train' | 'forward' | 'input_grad';

interface Workload {
  id: string;
  label: string;
  kind: WorkloadKind;
  batch: number;
  size: number;
  /** Issue 3's goal for ours / PyTorch (2 threads). */
  goal: number;
}

const WORKLOADS: Workload[] = [
  { id: 'train64', label: 'train step 64x64 b4', kind: 'train', batch: 4, size: 64, goal: 4 },
  { id: 'train128', label: 'train step 128x128 b8', kind: 'train', batch: 8, size: 128, goal: 4 },
  { id: 'fwd50', label: 'forward 128x128 b50', kind: 'forward', batch: 50, size: 128, goal: 2 },
  { id: 'gradx', label: 'input grad 128x128 b8', kind: 'input_grad', batch: 8, size: 128, goal: 3 },
];

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function randomImages(seed: string, b: number, n: number): tf.Tensor4D {
  const v = createRng(seed).fillNormal(new Float32Array(b * n * n));
  return tf.tensor4d(v, [b, n, n, 1]);
}

/** Our side of a workload: a function that runs one call to completion, and a disposer. */
function setupOurs(w: Workload, p: BenchUnetParams): { run: () => void; dispose: () => void } {
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

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return a.length === b.length ? Math.sqrt(d / n) : Infinity;
}

/** Same weights and data on both sides: loss, output, input gradient and every parameter gradient. */
async function crossCheck(peer: PythonPeer): Promise<void> {
  const [b, n] = [2, 32];
  const dir = mkdtempSync(join(tmpdir(), 'ct-audit-unet-'));
  try {
    const host = benchUnetInit('cross-check');
    const shapes = benchUnetShapes();
    for (const [k, v] of Object.entries(host)) await writeNpy(join(dir, `${k}.npy`), v, shapes[k]);
    const x = randomImages('cc-x', b, n);
    const y = randomImages('cc-y', b, n);
    await writeNpy(join(dir, 'x.npy'), x.dataSync() as Float32Array, x.shape);
    await writeNpy(join(dir, 'y.npy'), y.dataSync() as Float32Array, y.shape);
    const p = benchUnetVariables(host);
    const { value, grads } = tf.variableGrads(() => mseLoss(benchUnet(p, x), y), Object.values(p));
    const out = tf.tidy(() => benchUnet(p, x));
    const gx = tf.grad((xx: tf.Tensor) => mseLoss(benchUnet(p, xx as tf.Tensor4D), y))(x);
    const torch = await peer.call<{ loss: number }>({ cmd: 'check', dir });
    const rows: string[][] = [];
    const loss = value.dataSync()[0];
    rows.push([
      'loss',
      `${loss.toPrecision(7)} vs ${torch.loss.toPrecision(7)}`,
      relErr([loss], [torch.loss]).toExponential(1),
    ]);
    const cmp = async (label: string, t: tf.Tensor, file: string) => {
      const ref = (await readNpy(join(dir, file))).data as Float32Array;
      rows.push([label, `[${t.shape}]`, relErr(t.dataSync(), ref).toExponential(1)]);
    };
    await cmp('output', out, 'torch_out.npy');
    await cmp('input gradient', gx, 'torch_gx.npy');
    let worst = 0;
    let worstName = '';
    for (const k of Object.keys(shapes)) {
      const ref = (await readNpy(join(dir, `torch_g_${k}.npy`))).data as Float32Array;
      const e = relErr(grads[p[k].name].dataSync(), ref);
      if (e > worst) [worst, worstName] = [e, k];
    }
    rows.push(['parameter gradients (worst)', worstName, worst.toExponential(1)]);
    printTable(
      `Same net on both sides (B${b} ${n}x${n}, shared weights): relative L2 difference`,
      ['quantity', 'value', 'rel. diff'],
      rows,
    );
    tf.dispose([value, ...Object.values(grads), out, gx, x, y, ...Object.values(p)]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function printProfile(w: Workload, p: BenchUnetParams): void {
  const ours = setupOurs(w, p);
  ours.run();
  const prof = profileKernels(ours.run, {
    byShape: (k) => k.startsWith('Conv2D') || k === 'MaxPoolGrad' || k === 'FusedConv2D',
  });
  ours.dispose();
  const top = prof.rows.slice(0, 24);
  const rest = prof.rows.slice(24).reduce((s, r) => s + r.selfMs, 0);
  const kernelMs = prof.rows.reduce((s, r) => s + r.selfMs, 0);
  printTable(
    `Profile of one ${w.label} (${fmtMs(prof.totalMs)} ms; kernels ${fmtMs(kernelMs)} ms, the rest is JS/tape overhead); load ${loadavg()}`,
    ['kernel [input shapes]', 'calls', 'self ms', '%'],
    [
      ...top.map((r) => [
        r.key,
        String(r.calls),
        fmtMs(r.selfMs),
        ((100 * r.selfMs) / prof.totalMs).toFixed(1),
      ]),
      ['(other kernels)', '', fmtMs(rest), ((100 * rest) / prof.totalMs).toFixed(1)],
    ],
  );
}

export async function run(): Promise<void> {
  const info = await initBackend();
  const rounds = Math.max(5, Number(process.env.CT_AUDIT_BENCH_REPEATS ?? 7));
  const only = process.env.CT_AUDIT_BENCH_WORKLOADS?.split(',');
  const workloads = WORKLOADS.filter((w) => !only || only.includes(w.id));
  const withTorch1 = process.env.CT_AUDIT_BENCH_TORCH1 !== '0';
  console.log(
    `backend ${info.backend} (${info.provider}${info.wasm ? `, simd ${info.wasm.simd}, threads ${info.wasm.threadCount}` : ''}), ` +
      `tfjs ${info.versions['tfjs-core']}; ${info.platform}; our kernels: ${info.registeredKernels.join(', ')}`,
  );

  const python = findPython(['torch', 'numpy']);
  let peer: PythonPeer | undefined;
  if (!python) {
    console.log('\nPyTorch not found (apt-get install python3-torch); peer columns are empty');
  } else {
    peer = new PythonPeer(python, fileURLToPath(new URL('./py/unet_torch.py', import.meta.url)), {
      OMP_NUM_THREADS: '2',
    });
    const pi = await peer.call<Record<string, unknown>>({ cmd: 'info', threads: 2 });
    console.log(
      `peer: PyTorch ${pi.torch} (python ${pi.python}, mkldnn ${pi.mkldnn}, ATen ISA ${pi.cpu_capability})`,
    );
  }

  try {
    if (peer) await crossCheck(peer);
    const p = benchUnetVariables(benchUnetInit('bench'));
    const rows: string[][] = [];
    for (const w of workloads) {
      const load0 = loadavg();
      const ours = setupOurs(w, p);
      if (peer) await peer.call({ cmd: 'setup', workload: w.kind, batch: w.batch, size: w.size });
      for (let i = 0; i < 2; i++) ours.run();
      if (peer) await peer.call({ cmd: 'time', runs: 2, threads: 2 });
      const t: Record<'ours' | 'torch2' | 'torch1', number[]> = { ours: [], torch2: [], torch1: [] };
      for (let r = 0; r < rounds; r++) {
        const t0 = performance.now();
        ours.run();
        t.ours.push(performance.now() - t0);
        if (peer) {
          t.torch2.push(
            ...(await peer.call<{ runs_ms: number[] }>({ cmd: 'time', runs: 1, threads: 2 })).runs_ms,
          );
          if (withTorch1) {
            t.torch1.push(
              ...(await peer.call<{ runs_ms: number[] }>({ cmd: 'time', runs: 1, threads: 1 })).runs_ms,
            );
          }
        }
      }
      ours.dispose();
      const m = { ours: median(t.ours), torch2: median(t.torch2), torch1: median(t.torch1) };
      const macs =
        benchUnetForwardMacs(w.batch, w.size) * (w.kind === 'forward' ? 1 : w.kind === 'train' ? 3 : 2);
      const torchRss = peer
        ? (await peer.call<{ peak_rss_mb: number }>({ cmd: 'rss' })).peak_rss_mb
        : undefined;
      rows.push([
        w.label,
        info.backend,
        fmtMs(m.ours),
        fmtMs(t.torch2.length ? m.torch2 : undefined),
        fmtRatio(t.torch2.length ? m.ours / m.torch2 : undefined),
        `<= ${w.goal}x`,
        fmtMs(t.torch1.length ? m.torch1 : undefined),
        fmtRatio(t.torch1.length ? m.ours / m.torch1 : undefined),
        ((2 * macs) / m.ours / 1e6).toFixed(1),
        peakRssMb().toFixed(0),
        torchRss !== undefined ? torchRss.toFixed(0) : '-',
        `${load0} -> ${loadavg()}`,
      ]);
    }
    printTable(
      `U-Net workloads, median of ${rounds} interleaved rounds after 2 warm-up calls (ms)`,
      [
        'workload',
        'backend',
        'ours',
        'torch 2T',
        'ratio',
        'goal',
        'torch 1T',
        'ratio 1T',
        'our GFLOP/s',
        'our RSS MB',
        'torch RSS MB',
        'loadavg before -> after',
      ],
      rows,
    );
    console.log(
      'GFLOP/s: conv multiply-adds x 2 (backward counted as 2x forward for training, 1x for the input gradient) ' +
        'per our median time. RSS: peak resident set of each process so far.',
    );
    if (process.env.CT_AUDIT_BENCH_PROFILE === '1') for (const w of workloads) printProfile(w, p);
    tf.dispose(Object.values(p));
  } finally {
    await peer?.close();
  }
}
