/**
 * Issue 3's benchmark: the residual U-Net of bench/nets/unet.ts on the active tfjs backend against the
 * same net in PyTorch's CPU build (bench/py/unet_torch.py, Debian python3-torch) in the same run.
 *
 * Workloads: Adam training step (MSE) at 64x64 batch 4 and 128x128 batch 8, forward of a batch of 50 at
 * 128x128, gradient with respect to the input (what attacks use) at 128x128 batch 8.
 * Timing: per workload, 2 warm-up calls on each side, then R rounds of [one of ours, one PyTorch call at 2
 * threads, one at 1 thread (a second Python process)], so that both sides see the same machine load;
 * medians over the rounds; then PyTorch alone, R calls back to back at 2 threads (its threads stay warm).
 * The load average is printed next to every row (the machine is shared), and the fastest round of each
 * side and the process CPU times are printed too (less sensitive to other load). Before timing, both nets
 * run on the same weights and data and their loss, output and gradients are compared (same definition).
 * Also the training engine's FBPConvNet presets (their U-Nets with batch norm; bench/py has the same).
 *
 * Env: CT_AUDIT_BACKEND, CT_AUDIT_WASM_THREADS, CT_AUDIT_WASM_FAST_KERNELS (see the backend),
 *   CT_AUDIT_BENCH_REPEATS       rounds, default 7
 *   CT_AUDIT_BENCH_WORKLOADS     comma list of ids, default all: train64, train128, fwd50, gradx, tiny,
 *                                small, smallfwd, paper
 *   CT_AUDIT_BENCH_PROFILE=1     per-kernel self-time table of one call of each workload;
 *                                CT_AUDIT_BENCH_PROFILE_TOP rows (default 24), CT_AUDIT_BENCH_PROFILE_SHAPES
 *                                kernels listed per input shape (comma list)
 *   CT_AUDIT_BENCH_TORCH1=0      no 1-thread PyTorch process
 *   CT_AUDIT_BENCH_SPLIT=K       also the benchmark net's workloads split by batch over K worker threads
 *                                (bench/nets/batch-split.ts)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { initBackend, tf } from '../src/main/engine/backend';
import { FBPCONVNET_PRESETS } from '../src/main/engine/models/fbpconvnet';
import { createRng } from '../src/main/engine/random';
import { findPython, fmtMs, fmtRatio, peakRssMb, printTable } from './harness';
import { BatchSplitPool } from './nets/batch-split';
import { profileKernels } from './nets/kernel-profile';
import { PythonPeer } from './nets/torch-peer';
import {
  benchUnet,
  benchUnetForwardMacs,
  benchUnetInit,
  benchUnetVariables,
  type BenchUnetParams,
} from './nets/unet';
import { crossCheck, relErr } from './nets/unet-cross-check';
import { WORKLOADS, setupOurs, splitRunner, type Workload } from './nets/unet-workloads';

interface PeerTiming {
  runs_ms: number[];
  cpu_ms: number[];
}

const median = (a: number[]) => {
  const s = [...a].sort((p, q) => p - q);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

function printProfile(w: Workload, p: BenchUnetParams): void {
  const ours = setupOurs(w, p);
  ours.run();
  const prof = profileKernels(ours.run, {
    byShape: (k) =>
      (
        process.env.CT_AUDIT_BENCH_PROFILE_SHAPES ??
        'Conv2D,Conv2DBackpropInput,Conv2DBackpropFilter,MaxPoolGrad,FusedConv2D'
      )
        .split(',')
        .includes(k),
  });
  ours.dispose();
  const n = Number(process.env.CT_AUDIT_BENCH_PROFILE_TOP ?? 24);
  const top = prof.rows.slice(0, n);
  const rest = prof.rows.slice(n).reduce((s, r) => s + r.selfMs, 0);
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
  // A second process for the 1-thread runs: in one process, the idle OpenMP thread left by a 2-thread
  // call spins for a while and would be billed to (and slow down) the next 1-thread call.
  let peer1: PythonPeer | undefined;
  if (!python) {
    console.log('\nPyTorch not found (apt-get install python3-torch); peer columns are empty');
  } else {
    const script = fileURLToPath(new URL('./py/unet_torch.py', import.meta.url));
    peer = new PythonPeer(python, script, { OMP_NUM_THREADS: '2' });
    if (withTorch1) peer1 = new PythonPeer(python, script, { OMP_NUM_THREADS: '1' });
    const pi = await peer.call<Record<string, unknown>>({ cmd: 'info', threads: 2 });
    console.log(
      `peer: PyTorch ${pi.torch} (python ${pi.python}, mkldnn ${pi.mkldnn}, ATen ISA ${pi.cpu_capability})`,
    );
  }

  try {
    if (peer) await crossCheck(peer);
    const initial = benchUnetInit('bench');
    const p = benchUnetVariables(initial);
    const splitK = Number(process.env.CT_AUDIT_BENCH_SPLIT ?? 0);
    const pool = splitK >= 2 ? new BatchSplitPool(splitK, initial) : undefined;
    if (pool) {
      // The workers' copies compute what the main thread does (same weights, before any training step).
      const [b, n] = [3, 32];
      const x = createRng('split-check').fillNormal(new Float32Array(b * n * n));
      const viaPool = await pool.map('forward', x, x, b, n);
      const here = tf.tidy(() => benchUnet(p, tf.tensor4d(x, [b, n, n, 1])).dataSync());
      console.log(
        `batch split over ${splitK} workers: forward vs this thread, relative difference ${relErr(viaPool, here).toExponential(1)}`,
      );
    }
    const rows: string[][] = [];
    const cpuRows: string[][] = [];
    const bestRows: string[][] = [];
    for (const w of workloads) {
      const load0 = loadavg();
      const ours = setupOurs(w, p);
      const presetArgs = w.preset
        ? [
            FBPCONVNET_PRESETS[w.preset].baseChannels,
            FBPCONVNET_PRESETS[w.preset].depth,
            FBPCONVNET_PRESETS[w.preset].convsPerBlock,
          ]
        : undefined;
      const setup = { cmd: 'setup', workload: w.kind, batch: w.batch, size: w.size, preset: presetArgs };
      if (peer) await peer.call(setup);
      if (peer1) await peer1.call({ ...setup, threads: 1 });
      for (let i = 0; i < 2; i++) ours.run();
      const split = pool && !w.preset ? splitRunner(pool, w) : undefined;
      if (split) for (let i = 0; i < 2; i++) await split();
      if (peer) await peer.call({ cmd: 'time', runs: 2, threads: 2 });
      if (peer1) await peer1.call({ cmd: 'time', runs: 2, threads: 1 });
      const t = {
        ours: [] as number[],
        oursCpu: [] as number[],
        torch2: [] as number[],
        torch1: [] as number[],
        torch1Cpu: [] as number[],
        split: [] as number[],
      };
      for (let r = 0; r < rounds; r++) {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        ours.run();
        t.ours.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        t.oursCpu.push((c.user + c.system) / 1e3);
        if (split) {
          const s0 = performance.now();
          await split();
          t.split.push(performance.now() - s0);
        }
        if (peer) {
          t.torch2.push(...(await peer.call<PeerTiming>({ cmd: 'time', runs: 1, threads: 2 })).runs_ms);
          if (peer1) {
            const one = await peer1.call<PeerTiming>({ cmd: 'time', runs: 1, threads: 1 });
            t.torch1.push(...one.runs_ms);
            t.torch1Cpu.push(...one.cpu_ms);
          }
        }
      }
      ours.dispose();
      // PyTorch on its own, back to back (its threads stay warm; nothing of ours runs in between).
      const torch2Alone = peer
        ? (await peer.call<PeerTiming>({ cmd: 'time', runs: rounds, threads: 2 })).runs_ms
        : [];
      const med = (a: number[]) => (a.length ? median(a) : undefined);
      const m = {
        torch2Alone: med(torch2Alone),
        ours: median(t.ours),
        oursCpu: median(t.oursCpu),
        torch2: med(t.torch2),
        torch1: med(t.torch1),
        torch1Cpu: med(t.torch1Cpu),
        split: med(t.split),
      };
      const ratio = (a: number, b: number | undefined) => fmtRatio(b === undefined ? undefined : a / b);
      const torchRss = peer
        ? (await peer.call<{ peak_rss_mb: number }>({ cmd: 'rss' })).peak_rss_mb
        : undefined;
      rows.push([
        w.label,
        `${info.backend}${info.wasm ? ` ${info.wasm.threadCount}T` : ''}`,
        fmtMs(m.ours),
        fmtMs(m.torch2),
        ratio(m.ours, m.torch2),
        w.goal ? `<= ${w.goal}x` : '-',
        fmtMs(m.torch2Alone),
        ratio(m.ours, m.torch2Alone),
        ...(pool ? [fmtMs(m.split), ratio(m.split ?? NaN, m.torch2)] : []),
        peakRssMb().toFixed(0),
        torchRss !== undefined ? torchRss.toFixed(0) : '-',
        `${load0} -> ${loadavg()}`,
      ]);
      const macs = w.preset
        ? undefined
        : benchUnetForwardMacs(w.batch, w.size) * (w.kind === 'forward' ? 1 : w.kind === 'train' ? 3 : 2);
      const min = (a: number[]) => (a.length ? Math.min(...a) : undefined);
      bestRows.push([
        w.label,
        fmtMs(min(t.ours)),
        fmtMs(min(t.torch2)),
        ratio(min(t.ours)!, min(t.torch2)),
        fmtMs(min(t.torch1)),
        ratio(min(t.ours)!, min(t.torch1)),
        ...(pool ? [fmtMs(min(t.split)), ratio(min(t.split) ?? NaN, min(t.torch2))] : []),
      ]);
      cpuRows.push([
        w.label,
        fmtMs(m.oursCpu),
        fmtMs(m.torch1),
        fmtMs(m.torch1Cpu),
        ratio(m.ours, m.torch1),
        ratio(m.oursCpu, m.torch1Cpu),
        macs ? ((2 * macs) / m.oursCpu / 1e6).toFixed(1) : '-',
        macs && m.torch1Cpu ? ((2 * macs) / m.torch1Cpu / 1e6).toFixed(1) : '-',
      ]);
    }
    printTable(
      `U-Net workloads: median of ${rounds} interleaved rounds after 2 warm-up calls, wall ms; PyTorch at 2 threads ` +
        `(and "alone": ${rounds} runs back to back after ours)`,
      [
        'workload',
        'backend',
        'ours',
        'torch 2T',
        'ratio',
        'goal',
        'torch 2T alone',
        'ratio',
        ...(pool ? [`ours ${splitK} workers`, 'ratio'] : []),
        'our RSS MB',
        'torch RSS MB',
        'loadavg before -> after',
      ],
      rows,
    );
    printTable(
      'Per core, less sensitive to other load: process CPU ms (ours: all our threads; PyTorch at 1 thread)',
      [
        'workload',
        'ours CPU',
        'torch 1T wall',
        'torch 1T CPU',
        'wall ratio',
        'CPU ratio',
        'our GFLOP/s',
        'torch GFLOP/s',
      ],
      cpuRows,
    );
    printTable(
      'Fastest of the rounds, wall ms (each side at its least disturbed; an estimate for an idle machine)',
      [
        'workload',
        'ours',
        'torch 2T',
        'ratio',
        'torch 1T',
        'ratio 1T',
        ...(pool ? [`ours ${splitK} workers`, 'ratio'] : []),
      ],
      bestRows,
    );
    console.log(
      'GFLOP/s per CPU second: conv multiply-adds x 2 (training = 3x forward, input gradient = 2x). ' +
        'RSS: peak resident set of each process so far.',
    );
    await pool?.close();
    if (process.env.CT_AUDIT_BENCH_PROFILE === '1') for (const w of workloads) printProfile(w, p);
    tf.dispose(Object.values(p));
  } finally {
    await peer?.close();
    await peer1?.close();
  }
}
