/**
 * Memory over a long audit (issue 5: "memory stays flat over a long batch"): one audit of a few hundred
 * random-ellipse phantoms through the same per-slice loop a batch runs for each series (load, measure, attack
 * curve, smoothing at the attacked input, certification, result append, worst-image cache), with FBP and a
 * tiny FBPConvNet. Prints every `every` slices the RSS, the V8 heap, tf.memory() tensors and bytes, and the
 * rate; then the growth between the first and the last report. Not a test: nothing is asserted.
 *
 * Env: CT_AUDIT_BENCH_SLICES (default 300), CT_AUDIT_BENCH_N (64), CT_AUDIT_BENCH_EVERY (25).
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeGeometry } from '@shared/geometry';
import { parseAuditSpec } from '@shared/audit-spec';
import { initBackend, tf } from '../src/main/engine/backend';
import { runAudit } from '../src/main/engine/audit';
import { train } from '../src/main/engine/training';
import { printTable } from './harness';

export async function run(): Promise<void> {
  const info = await initBackend();
  const slices = Number(process.env.CT_AUDIT_BENCH_SLICES ?? 300);
  const N = Number(process.env.CT_AUDIT_BENCH_N ?? 64);
  const every = Number(process.env.CT_AUDIT_BENCH_EVERY ?? 25);
  const views = Math.max(4, Math.round((N * 36) / 128));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-bench-batch-'));
  try {
    const geometry = makeGeometry({ size: N, views });
    const modelDir = path.join(dir, 'tiny');
    const trained = await train({
      data: 'ellipses',
      geometry,
      method: 'ord',
      preset: 'tiny',
      steps: 5,
      stepsPerEpoch: 5,
      validationSlices: 2,
      outDir: modelDir,
    });
    trained.model.dispose();
    const spec = parseAuditSpec({
      models: [modelDir],
      data: { sources: ['ellipses'], phantoms: slices },
      attack: { eps: ['1%', '2%'], steps: 5 },
      certification: { sigma: ['eps/0.5'], samples: 16 },
      report: { worstSlices: 3, pdf: false },
    });
    console.log(
      `backend ${info.backend}; ${slices} phantoms at N ${N}, ${views} views; models fbp + tiny FBPConvNet; ` +
        `pga-y 2 radii x 5 steps, smoothing 2 samples, certification S 8; report every ${every} slices`,
    );
    const rows: (string | number)[][] = [];
    const samples: { slice: number; rss: number; heap: number; tensors: number; bytes: number }[] = [];
    const t0 = performance.now();
    let tPrev = t0;
    const models = spec.models.length;
    await runAudit({
      spec,
      outDir: path.join(dir, 'audit'),
      onUnit: (u) => {
        if (u.done % (every * models) !== 0 && u.done !== u.total) return;
        const m = process.memoryUsage();
        const mem = tf.memory();
        const s = {
          slice: u.done / models,
          rss: m.rss / 2 ** 20,
          heap: m.heapUsed / 2 ** 20,
          tensors: mem.numTensors,
          bytes: mem.numBytes,
        };
        samples.push(s);
        const now = performance.now();
        rows.push([
          s.slice,
          s.rss.toFixed(1),
          s.heap.toFixed(1),
          s.tensors,
          (s.bytes / 2 ** 20).toFixed(2),
          (
            (now - tPrev) /
            1000 /
            (samples.length > 1 ? s.slice - samples[samples.length - 2].slice : s.slice)
          ).toFixed(2),
        ]);
        tPrev = now;
      },
    });
    printTable(
      'memory over the audit',
      ['slices done', 'RSS MiB', 'heap MiB', 'tf tensors', 'tf MiB', 's/slice'],
      rows,
    );
    if (samples.length >= 3) {
      // From the second report on (the first includes warm-up allocations: wasm heap growth, kernel plans).
      const a = samples[1];
      const b = samples[samples.length - 1];
      const per = (x: number) => (x / Math.max(1, b.slice - a.slice)).toFixed(4);
      console.log(
        `growth from slice ${a.slice} to ${b.slice}: RSS ${(b.rss - a.rss).toFixed(1)} MiB (${per(b.rss - a.rss)} MiB/slice), ` +
          `heap ${(b.heap - a.heap).toFixed(1)} MiB, tensors ${b.tensors - a.tensors}, tf bytes ${b.bytes - a.bytes}; ` +
          `total ${((performance.now() - t0) / 1000).toFixed(0)} s`,
      );
    }
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
}
