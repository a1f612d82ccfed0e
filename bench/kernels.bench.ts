/**
 * Convolution kernels of the U-Net benchmark (bench/nets/unet.ts) one by one on wasm: the forward Conv2D
 * (XNNPACK) next to the backward kernels, wasm's own and ours, at every layer shape of a 128x128 batch-8
 * training step. Each kernelFunc is called directly (no engine, no tape); median of >= 5 runs after one
 * warm-up, wall time and this process's CPU time (less sensitive to other processes on a shared machine).
 *
 * Env: CT_AUDIT_BENCH_KERNEL_SIZE (default 128), CT_AUDIT_BENCH_KERNEL_BATCH (default 8),
 * CT_AUDIT_BENCH_REPEATS (default 5).
 */
import { readFileSync } from 'node:fs';
import { tf } from '../src/main/engine/backend';
import type { BackendWasm } from '../src/main/engine/backend/wasm-kernels/wasm-backend';
import { fmtMs, printTable } from './harness';
import { BENCH_UNET_LAYERS } from './nets/unet';

type KernelFunc = (args: {
  inputs: Record<string, tf.TensorInfo>;
  backend: BackendWasm;
  attrs: object;
}) => unknown;

const median = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1];

function timeKernel(
  fn: KernelFunc,
  inputs: Record<string, tf.TensorInfo>,
  attrs: object,
  repeats: number,
): { wall: number; cpu: number } {
  const backend = tf.backend() as BackendWasm;
  const once = () => {
    const out = fn({ inputs, backend, attrs }) as tf.TensorInfo;
    backend.disposeData(out.dataId);
  };
  once();
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    once();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1e3);
  }
  return { wall: median(wall), cpu: median(cpu) };
}

export async function run(): Promise<void> {
  // wasm's own kernels, captured before the project registers its replacements.
  await import('@tensorflow/tfjs-backend-wasm');
  const nativeInput = tf.getKernel('Conv2DBackpropInput', 'wasm')?.kernelFunc as KernelFunc;
  const { initBackend } = await import('../src/main/engine/backend');
  const info = await initBackend({ backend: 'wasm' });
  const { conv2DBackpropInput } =
    await import('../src/main/engine/backend/wasm-kernels/conv2d-backprop-input');
  const { conv2DBackpropFilter } =
    await import('../src/main/engine/backend/wasm-kernels/conv2d-backprop-filter');
  const { conv2DBackpropFilterGemm } =
    await import('../src/main/engine/backend/wasm-kernels/conv2d-backprop-filter-gemm');
  const conv = tf.getKernel('Conv2D', 'wasm')!.kernelFunc as KernelFunc;
  const n = Number(process.env.CT_AUDIT_BENCH_KERNEL_SIZE ?? 128);
  const batch = Number(process.env.CT_AUDIT_BENCH_KERNEL_BATCH ?? 8);
  const repeats = Math.max(5, Number(process.env.CT_AUDIT_BENCH_REPEATS ?? 5));
  console.log(
    `wasm (simd ${info.wasm?.simd}, threads ${info.wasm?.threadCount}); U-Net layers at ${n}x${n}, batch ${batch}; ` +
      `median of ${repeats}; load ${readFileSync('/proc/loadavg', 'utf8').trim()}`,
  );
  const side: Record<string, number> = {
    enc1a: n,
    enc1b: n,
    enc2a: n / 2,
    enc2b: n / 2,
    mida: n / 4,
    midb: n / 4,
    up2: n / 4,
    dec2a: n / 2,
    dec2b: n / 2,
    up1: n / 2,
    dec1a: n,
    dec1b: n,
    head: n,
  };
  const rows: string[][] = [];
  const totals = { fwd: 0, dxNative: 0, dx: 0, dw: 0, dwGemm: 0 };
  for (const l of BENCH_UNET_LAYERS) {
    // Everything as the conv it is (a transposed conv is the conv from its output to its input):
    // conv x [B,s,s,ci] -> y [B,s/stride,...,co] with filter [k,k,ci,co].
    const stride = l.kind === 'tconv' ? 2 : 1;
    const s = l.kind === 'tconv' ? 2 * side[l.name] : side[l.name];
    const [ci, co] = l.kind === 'tconv' ? [l.outC, l.inC] : [l.inC, l.outC];
    const xShape = [batch, s, s, ci];
    const fShape = [l.k, l.k, ci, co];
    const convInfo = tf.backend_util.computeConv2DInfo(
      xShape as [number, number, number, number],
      fShape as [number, number, number, number],
      stride,
      1,
      'same',
    );
    const x = tf.randomNormal(xShape);
    const w = tf.randomNormal(fShape);
    const dy = tf.randomNormal(convInfo.outShape);
    const convAttrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', dilations: 1 };
    const fwd = timeKernel(conv, { x, filter: w }, convAttrs, repeats);
    const inAttrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', inputShape: xShape };
    const dxNative = timeKernel(nativeInput, { dy, filter: w }, inAttrs, repeats);
    const dx = timeKernel(conv2DBackpropInput as KernelFunc, { dy, filter: w }, inAttrs, repeats);
    const fAttrs = { strides: stride, pad: 'same', dataFormat: 'NHWC', filterShape: fShape };
    const dw = timeKernel(conv2DBackpropFilter as KernelFunc, { x, dy }, fAttrs, repeats);
    const dwGemm = timeKernel(conv2DBackpropFilterGemm as KernelFunc, { x, dy }, fAttrs, repeats);
    tf.dispose([x, w, dy]);
    const macs = tf.util.sizeFromShape(convInfo.outShape) * l.k * l.k * ci;
    const g = (ms: number) => ((2 * macs) / ms / 1e6).toFixed(1);
    totals.fwd += fwd.wall;
    totals.dxNative += dxNative.wall;
    totals.dx += dx.wall;
    totals.dw += dw.wall;
    totals.dwGemm += dwGemm.wall;
    rows.push([
      `${l.name} ${l.kind === 'tconv' ? 'T' : ''}[${xShape}] k${l.k} s${stride} ->${co}`,
      (macs / 1e6).toFixed(0),
      `${fmtMs(fwd.wall)} (${g(fwd.wall)})`,
      fmtMs(dxNative.wall),
      `${fmtMs(dx.wall)} (${g(dx.wall)})`,
      `${fmtMs(dw.wall)} (${g(dw.wall)})`,
      `${fmtMs(dwGemm.wall)} (${g(dwGemm.wall)})`,
      `${fmtMs(fwd.cpu)} / ${fmtMs(dx.cpu)} / ${fmtMs(dw.cpu)} / ${fmtMs(dwGemm.cpu)}`,
    ]);
  }
  rows.push([
    'total',
    '',
    fmtMs(totals.fwd),
    fmtMs(totals.dxNative),
    fmtMs(totals.dx),
    fmtMs(totals.dw),
    fmtMs(totals.dwGemm),
    '',
  ]);
  printTable(
    'Per layer, ms (GFLOP/s): forward conv, input gradient (wasm native / ours), filter gradient (ours: ' +
      'swapped conv / GEMM, which hands strided convs to the swapped conv)',
    [
      'layer (as conv: x shape)',
      'MMAC',
      'Conv2D fwd',
      'dx wasm',
      'dx ours',
      'dW swapped conv',
      'dW GEMM',
      'CPU ms fwd/dx/dW/dW',
    ],
    rows,
  );
  console.log(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}`);
}
