/**
 * Distributed batch throughput (issue 15): series x model units per second of `ct-audit batch --queue` with 1
 * and 2 `ct-audit worker` processes on this machine, next to the queue-less batch (in this process, and with
 * 2 worker threads). A private redis-server (tests/helpers/redis-server.ts) on a free port; the data are
 * `CT_AUDIT_BENCH_SERIES` series of 4 copies of a CT slice with new UIDs (bench/dicom-copies.ts), the models a
 * tiny FBPConvNet and the FBP baseline at N 64, 18 views. Workers are started (and their start-up waited for)
 * before the clock starts; each figure is one batch: scan, queueing, units, assembly of the folders. Not a
 * test: nothing is asserted.
 *
 * Env: CT_AUDIT_BENCH_SERIES (default 8).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAuditSpec } from '@shared/audit-spec';
import { makeGeometry } from '@shared/geometry';
import { initBackend } from '../src/main/engine/backend';
import { runBatch } from '../src/main/engine/audit/batch';
import { train } from '../src/main/engine/training';
import { startRedis } from '../tests/helpers/redis-server';
import { copySources, writeCopies } from './dicom-copies';
import { printTable } from './harness';

const root = fileURLToPath(new URL('..', import.meta.url));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function startWorker(url: string, roots: string[]): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [path.join(root, 'bin/ct-audit.mjs'), 'worker', '--queue', url, ...roots.flatMap((r) => ['--root', r])],
    { cwd: root, env: { ...process.env, CT_AUDIT_SCAN_CACHE: 'off' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^worker \d+: queue /m.test(out)) resolve(child);
      // A failed unit says why (the table only counts failed series).
      for (const l of d.toString().split('\n'))
        if (/: failed: |restarted/.test(l)) console.log(`worker ${child.pid}: ${l}`);
    });
    child.once('exit', (code) => reject(new Error(`worker exited with code ${code}: ${out}`)));
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
        }),
    ),
  );
}

export async function run(): Promise<void> {
  const info = await initBackend();
  const redis = await startRedis();
  if ('skip' in redis) {
    console.log(`queue bench skipped: ${redis.skip}`);
    return;
  }
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-bench-queue-'));
  try {
    const nSeries = Number(process.env.CT_AUDIT_BENCH_SERIES ?? 8);
    const data = path.join(dir, 'data');
    writeCopies(await copySources(path.join(root, 'tests/fixtures/dicom/ct-series')), data, nSeries * 4, {
      perSeries: 4,
    });
    const modelDir = path.join(dir, 'models', 'tiny');
    const geometry = makeGeometry({ size: 64, views: 18 });
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
      data: { sources: ['(batch)'], maxSlices: 4 },
      attack: { eps: ['1%', '2%'], steps: 10 },
      certification: { sigma: ['eps/0.5'], samples: 16 },
      report: { worstSlices: 1, pdf: false },
    });
    const units = nSeries * spec.models.length;
    console.log(
      `backend ${info.backend}; ${nSeries} series x 4 slices x ${spec.models.length} models (fbp + tiny FBPConvNet) ` +
        `= ${units} units at N 64, 18 views; pga-y 2 radii x 10 steps, certification S 16 at sigma eps/0.5; ` +
        `${os.cpus().length} CPUs (other sessions share this machine)`,
    );
    const rows: (string | number)[][] = [];
    let oneWorker = 0;
    const measure = async (name: string, o: { queue?: boolean; concurrency?: number }) => {
      const t0 = performance.now();
      const r = await runBatch({
        folders: [data],
        spec,
        outDir: path.join(dir, name.replace(/\W+/g, '-')),
        concurrency: o.concurrency,
        ...(o.queue ? { queue: { url: redis.url } } : {}),
      });
      const seconds = (performance.now() - t0) / 1000;
      const failedRows = r.record.series.filter((s) => s.status !== 'complete');
      for (const f of failedRows) console.log(`${name}: series ${f.id} ${f.status}: ${f.error}`);
      const failed = failedRows.length;
      const rate = units / seconds;
      if (name === 'queue, 1 worker') oneWorker = rate;
      rows.push([
        name,
        units,
        seconds.toFixed(1),
        rate.toFixed(3),
        oneWorker && name.startsWith('queue') ? `${(rate / oneWorker).toFixed(2)}x` : '-',
        failed,
        load(),
      ]);
    };
    await measure('no queue, in process', {});
    await measure('no queue, 2 threads', { concurrency: 2 });
    const roots = [data, path.dirname(modelDir)];
    let workers = [await startWorker(redis.url, roots)];
    await measure('queue, 1 worker', { queue: true });
    await stopAll(workers);
    workers = await Promise.all([startWorker(redis.url, roots), startWorker(redis.url, roots)]);
    await measure('queue, 2 workers', { queue: true });
    await stopAll(workers);
    printTable(
      'Series x model units per second (one batch each; worker start-up not counted)',
      ['configuration', 'units', 'seconds', 'units/s', 'vs 1 worker', 'failed series', 'load 1/5/15 min'],
      rows,
    );
  } finally {
    await redis.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}
