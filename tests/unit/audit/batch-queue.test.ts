/**
 * Distributed batches (issue 15), against a private redis-server (tests/helpers/redis-server.ts) and real
 * `ct-audit worker` processes:
 *  - the batch over the DICOM test set with a tiny trained model and the FBP baseline (series x 2 models),
 *    run by 3 workers of which one is SIGKILLed in the middle of a unit, with Redis restarted mid-batch,
 *    gives the files of `runBatch` without a queue: batch.json, results.jsonl, summary.json and images of the
 *    overall folder and of every series, byte for byte; the killed worker's unit is done by another worker;
 *  - a poison unit (its files replaced after the batch was queued) fails after its attempts with the reason,
 *    a unit naming paths outside a worker's data roots is refused at once, the other series complete, and
 *    the queue password shows nowhere (worker output, batch files, progress).
 * Skipped, with the reason printed, only when redis-server cannot start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, promises as fs, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditSpec, type AuditSpec } from '../../../src/shared/audit-spec';
import type { JobProgress } from '../../../src/shared/jobs';
import { initBackend } from '../../../src/main/engine/backend';
import { runBatch } from '../../../src/main/engine/audit/batch';
import { createJobContext } from '../../../src/main/engine/job-context';
import { BUNDLED_DICOM, DICOM_DIR, REPO_ROOT } from '../../helpers/dicom-data';
import { startRedis, type RedisServer } from '../../helpers/redis-server';
import { tempDir, tinyModel, walk } from './helpers';

const bin = path.join(REPO_ROOT, 'bin/ct-audit.mjs');

interface WorkerProc {
  child: ChildProcess;
  lines: string[];
  waitFor(re: RegExp, ms?: number): Promise<string>;
  stop(): Promise<void>;
}

function startWorker(url: string, roots: string[], extra: string[] = []): WorkerProc {
  const child = spawn(
    process.execPath,
    [
      bin,
      'worker',
      '--queue',
      url,
      '--lock-duration',
      '4000',
      ...roots.flatMap((r) => ['--root', r]),
      ...extra,
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, CT_AUDIT_BACKEND: 'wasm', CT_AUDIT_SCAN_CACHE: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve(l: string): void }[] = [];
  const onLine = (l: string) => {
    lines.push(l);
    for (const w of [...waiters]) {
      if (w.re.test(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  };
  let rest = '';
  const feed = (d: Buffer) => {
    rest += d.toString();
    const parts = rest.split('\n');
    rest = parts.pop()!;
    parts.forEach(onLine);
  };
  child.stdout!.on('data', feed);
  child.stderr!.on('data', feed);
  return {
    child,
    lines,
    waitFor(re, ms = 240000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`worker: no line matching ${re} in ${ms} ms:\n${lines.join('\n')}`)),
          ms,
        );
        waiters.push({
          re,
          resolve: (l) => {
            clearTimeout(t);
            resolve(l);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

async function sameFiles(a: string, b: string, rels: string[]): Promise<void> {
  for (const rel of rels) {
    const [x, y] = await Promise.all([fs.readFile(path.join(a, rel)), fs.readFile(path.join(b, rel))]);
    expect(x.equals(y), `${rel} differs`).toBe(true);
  }
}

const redis = await startRedis();
const skip = 'skip' in redis ? redis.skip : null;
if (skip) console.warn(`skipped: queue tests: ${skip}`);
// At file level: a describe's afterAll does not run when its tests are filtered out.
afterAll(async () => {
  if (!('skip' in redis)) await redis.stop();
});

describe.skipIf(skip !== null)('distributed batch on 3 workers, one killed, Redis restarted', () => {
  const server = redis as RedisServer;
  let dir: string;
  let spec: AuditSpec;
  let modelDir: string;
  const workers: WorkerProc[] = [];

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    dir = await tempDir('queue');
    modelDir = await tinyModel(path.join(dir, 'models', 'tiny'));
    spec = parseAuditSpec({
      models: [modelDir],
      data: { sources: ['(batch)'], maxSlices: 2 },
      attack: { eps: ['1%', '2%'], steps: 2 },
      certification: { sigma: ['eps/0.5'], samples: 6 },
      report: { worstSlices: 1, pdf: false },
    });
  }, 300_000);
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('gives the files of the queue-less batch, with no unit lost or written twice', async () => {
    const ref = await runBatch({ folders: [DICOM_DIR], spec, outDir: path.join(dir, 'ref') });
    const units = ref.record.series.length * spec.models.length;
    expect(spec.models.map((m) => m.name)).toEqual(['fbp', 'tiny']);

    const roots = [DICOM_DIR, path.dirname(modelDir)];
    for (let i = 0; i < 3; i++) workers.push(startWorker(server.url, roots));
    await Promise.all(workers.map((w) => w.waitFor(/^worker \d+: queue /)));

    const events: JobProgress[] = [];
    const out = path.join(dir, 'queued');
    const run = runBatch({
      folders: [DICOM_DIR],
      spec,
      outDir: out,
      queue: { url: server.url, attempts: 3 },
      job: createJobContext({ onProgress: (p) => events.push(p) }),
    });
    // SIGKILL the first worker that starts a unit, while it runs it.
    const victim = await Promise.race(
      workers.map((w) => w.waitFor(/unit \S+ \(attempt 1\): started/).then((line) => ({ w, line }))),
    );
    victim.w.child.kill('SIGKILL');
    const lostUnit = /unit (\S+) \(attempt/.exec(victim.line)![1];
    // Restart Redis once a few units are done.
    const others = workers.filter((w) => w !== victim.w);
    await Promise.race(others.map((w) => w.waitFor(/: done in/)));
    await server.restart();
    const r = await run;

    expect(r.record.series.every((s) => s.status === 'complete')).toBe(true);
    // The killed worker's unit was done by another one, after its lock expired.
    const doneBy = others.filter((w) =>
      w.lines.some((l) => l.includes(`unit ${lostUnit} `) && / done in /.test(l)),
    );
    expect(doneBy.length, `${lostUnit} done by another worker`).toBe(1);
    const doneLines = others.flatMap((w) => w.lines.filter((l) => / done in /.test(l)));
    expect(doneLines.length).toBeGreaterThanOrEqual(units); // retries after the restart may add some

    const refDir = path.join(dir, 'ref');
    await sameFiles(refDir, out, ['batch.json', 'results.jsonl', 'summary.json', 'images/index.json']);
    for (const s of ref.record.series) {
      const files = (await walk(path.join(refDir, s.folder))).filter(
        (f) => f !== 'manifest.json' && f !== 'spec.json',
      );
      expect(await walk(path.join(out, s.folder))).toEqual(await walk(path.join(refDir, s.folder)));
      await sameFiles(path.join(refDir, s.folder), path.join(out, s.folder), files);
    }
    const m = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
    const mr = JSON.parse(await fs.readFile(path.join(refDir, 'manifest.json'), 'utf8'));
    expect(m.models).toEqual(mr.models);
    expect(m.data.files).toEqual(mr.data.files);
    expect(m.status).toBe('complete');

    const batch = events.filter((e) => e.phase === 'batch');
    expect(batch.some((e) => (e.metrics?.workers ?? 0) >= 2)).toBe(true);
    expect(batch.at(-1)!.step).toBe(batch.at(-1)!.total);
    expect(batch.some((e) => /unit\(s\) left, \d+ running on \d+ worker\(s\)/.test(e.message ?? ''))).toBe(
      true,
    );
  }, 900_000);
});

describe.skipIf(skip !== null)('poison units, data roots and the queue password', () => {
  const password = 'pw-Sx7-never-shown';
  let server: RedisServer;
  let dir: string;
  let worker: WorkerProc | undefined;

  beforeAll(async () => {
    await initBackend({ backend: 'wasm' });
    const s = await startRedis({ password });
    if ('skip' in s) throw new Error(s.skip);
    server = s;
    dir = await tempDir('queue-faults');
  });
  afterAll(async () => {
    await worker?.stop();
    await server?.stop();
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('fails a poison unit after its attempts, refuses paths outside the roots, completes the rest', async () => {
    const root = path.join(dir, 'root');
    const outside = path.join(dir, 'outside');
    cpSync(path.join(BUNDLED_DICOM, 'ct-series/pydicom-ct5n-16x16'), path.join(root, 'good'), {
      recursive: true,
    });
    cpSync(path.join(BUNDLED_DICOM, 'ct-series/pydicom-ct2-16x16'), path.join(root, 'poison'), {
      recursive: true,
    });
    cpSync(path.join(BUNDLED_DICOM, 'ct-single/pydicom_ct-small-128x128.dcm'), path.join(outside, 'ct.dcm'));
    const spec = parseAuditSpec({
      models: ['fbp'],
      data: { sources: ['(batch)'], maxSlices: 1 },
      geometry: { size: 16, views: 8 },
      attack: { eps: ['1%'], steps: 1 },
      certification: { sigma: ['eps/0.5'], samples: 4 },
      report: { worstSlices: 0, pdf: false },
    });
    const events: JobProgress[] = [];
    const out = path.join(dir, 'out');
    const run = runBatch({
      folders: [root, outside],
      spec,
      outDir: out,
      queue: { url: server.url, attempts: 2 },
      commandLine: ['batch', '--queue', 'redis://:***@127.0.0.1'],
      job: createJobContext({ onProgress: (p) => events.push(p) }),
    });
    // Once the units are queued (no worker yet), the poison series' files stop being DICOM.
    const t0 = Date.now();
    while (!events.some((e) => e.phase === 'batch' && (e.metrics?.pendingUnits ?? 0) === 3)) {
      if (Date.now() - t0 > 120000) throw new Error('units never queued');
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const f of await fs.readdir(path.join(root, 'poison')))
      writeFileSync(path.join(root, 'poison', f), 'not DICOM any more\n');
    worker = startWorker(server.url, [root]);
    const r = await run.catch((e: unknown) => {
      console.log(JSON.stringify(events.slice(-5), null, 1), worker?.lines);
      throw e;
    });

    const row = (file: string) =>
      r.record.series.find((s) => r.record.files.some((f) => f.series === s.id && f.path.includes(file)))!;
    expect(row(`${path.sep}good${path.sep}`).status).toBe('complete');
    const poison = row(`${path.sep}poison${path.sep}`);
    expect(poison.status).toBe('failed');
    expect(poison.error).toMatch(/^model fbp: .*no usable CT slices.* \(after 2 attempt\(s\)\)$/);
    const refused = row(`${path.sep}outside${path.sep}`);
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(
      /^model fbp: refused: .* is outside this worker's data roots .* \(after 1 attempt\(s\)\)$/,
    );
    expect(worker.lines.filter((l) => /poison|unit .*: failed/.test(l)).length).toBeGreaterThan(0);

    // The password shows nowhere: worker output, progress, and every file of the batch folder.
    await worker.stop();
    const texts = [
      worker.lines.join('\n'),
      JSON.stringify(events),
      ...(await Promise.all((await walk(out)).map((f) => fs.readFile(path.join(out, f), 'utf8')))),
    ];
    for (const t of texts) expect(t).not.toContain(password);
    expect(worker.lines[0]).toContain(`redis://:***@127.0.0.1:${server.port}`);
  }, 600_000);
});
