/**
 * Same net, same math: the benchmark net of bench/nets/unet.ts and its PyTorch twin (bench/py/unet_torch.py)
 * on the same weights and data, comparing loss, output, input gradient and every parameter gradient.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../../src/main/engine/backend';
import { readNpy, writeNpy } from '../../src/main/engine/io/npy';
import { printTable } from '../harness';
import type { PythonPeer } from './torch-peer';
import { benchUnet, benchUnetInit, benchUnetShapes, benchUnetVariables, mseLoss } from './unet';
import { randomImages } from './unet-workloads';

export function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    d += (a[i] - b[i]) ** 2;
    n += b[i] ** 2;
  }
  return a.length === b.length ? Math.sqrt(d / n) : Infinity;
}

/** Same weights and data on both sides: loss, output, input gradient and every parameter gradient. */
export async function crossCheck(peer: PythonPeer): Promise<void> {
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
