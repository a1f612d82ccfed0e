/**
 * The audit runner end to end at a tiny size (N 16, 8 views): the folder of DESIGN.md section 5, results that
 * validate, a summary equal to the one rebuilt from results.jsonl, images, the manifest (versions, hashes,
 * times), progress with slice/model/phase and ETA, no leaked tensors; cancellation and resume giving the
 * same bytes as an uninterrupted run; slices independent of the others; the resume checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpec } from '../../../src/shared/audit-spec';
import { resultLineSchema, summarySchema } from '../../../src/shared/audit-results';
import { JobCancelledError } from '../../../src/shared/errors';
import type { JobProgress } from '../../../src/shared/jobs';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { readResults, runAudit, summarize } from '../../../src/main/engine/audit';
import { createJobContext } from '../../../src/main/engine/job-context';
import { decodeNpy, encodeNpy } from '../../../src/main/engine/io/npy';
import { makePhantom } from '../../../src/main/engine/physics';
import { tempDir, tinyModel, walk } from './helpers';

let dir: string;
let model: string;

function spec(o: Partial<Record<string, unknown>> = {}): AuditSpec {
  return parseAuditSpec({
    models: [model],
    data: { sources: ['ellipses'], phantoms: 3 },
    geometry: { size: 16, views: 8 },
    attack: { eps: ['1%', '2%'], steps: 4 },
    certification: { sigma: ['eps/0.5', 'eps/1'], samples: 16 },
    report: { worstSlices: 2, pdf: false },
    seed: 3,
    ...o,
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('runner');
  model = await tinyModel(path.join(dir, 'model-ord'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('runAudit', () => {
  let full: string;

  it('writes spec, manifest, results, summary and images; leaks no tensors; reports progress', async () => {
    full = path.join(dir, 'full');
    const events: JobProgress[] = [];
    const before = tf.memory().numTensors;
    const r = await runAudit({
      spec: spec(),
      outDir: full,
      job: createJobContext({ onProgress: (p) => events.push(p) }),
      commandLine: ['ct-audit', 'audit', '--test'],
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.units).toEqual({ total: 6, computed: 6, resumed: 0 });
    expect(r.skipped).toEqual([]);
    const files = await walk(full);
    for (const f of ['spec.json', 'manifest.json', 'results.jsonl', 'summary.json', 'images/index.json'])
      expect(files).toContain(f);
    expect(files.filter((f) => f.includes('.cache'))).toEqual([]);
    // Worst slices: 2 per model, each with its arrays and panel.
    for (const m of ['fbp', 'model-ord'])
      expect(files.filter((f) => f.startsWith(`images/${m}/`) && f.endsWith('panel.png'))).toHaveLength(2);
    const ref = decodeNpy(
      await fs.readFile(
        path.join(
          full,
          files.find((f) => f.endsWith('reference.npy'))!,
        ),
      ),
    );
    expect(ref.shape).toEqual([16, 16]);
    const pert = decodeNpy(
      await fs.readFile(
        path.join(
          full,
          files.find((f) => f.endsWith('perturbation.npy'))!,
        ),
      ),
    );
    expect(pert.shape).toEqual([8, 23]);

    // spec.json: defaults filled and parsing to itself.
    const written = JSON.parse(await fs.readFile(path.join(full, 'spec.json'), 'utf8'));
    expect(parseAuditSpec(written)).toEqual(written);
    expect(written.models.map((m: { name: string }) => m.name)).toEqual(['fbp', 'model-ord']);

    // results.jsonl: 3 slices x 2 models x 2 radii, each line valid, each with its certificate at the
    // attacked input. sigma = eps/0.5 (eps/sigma 0.5: needs S >= 13 at c 0.99) certifies with S = 16;
    // sigma = eps/1 (needs S >= 27) abstains with the reason and the S it needs.
    const text = await fs.readFile(path.join(full, 'results.jsonl'), 'utf8');
    const lines = text
      .trim()
      .split('\n')
      .map((l) => resultLineSchema.parse(JSON.parse(l)));
    expect(lines).toHaveLength(12);
    for (const l of lines) {
      expect(l.attack.perturbed.error).toBeGreaterThanOrEqual(l.clean.error * 0.999);
      expect(l.attack.deltaNorm).toBeLessThanOrEqual(l.eps.value * (1 + 1e-6));
      expect(l.eps.relative).toBeCloseTo(l.epsIndex === 0 ? 0.01 : 0.02, 12);
      expect(l.eps.space).toBe('y');
      expect(l.eps.hu).toBeCloseTo(l.eps.value / l.reference.perHu, 9);
      const [half, one] = l.certification!.perSigma;
      expect(half.sigmaValue).toBeCloseTo(2 * l.eps.value, 9);
      expect(one.sigmaValue).toBeCloseTo(l.eps.value, 9);
      expect(half.abstain).toBe(false);
      expect(half.certified!).toBeGreaterThanOrEqual(half.median);
      expect(one.abstain).toBe(true);
      expect(one.minSamples).toBe(27);
      expect(one.reason).toMatch(/use at least 27 samples/);
    }

    // summary.json is exactly the summary of results.jsonl.
    const summary = summarySchema.parse(
      JSON.parse(await fs.readFile(path.join(full, 'summary.json'), 'utf8')),
    );
    expect(summary).toEqual(
      summarize((await readResults(path.join(full, 'results.jsonl'))).lines, { worstSlices: 2 }),
    );
    expect(r.summary).toEqual(summary);

    // manifest.json: versions, OS, seed, spec, model hashes, start/end, command line.
    const man = JSON.parse(await fs.readFile(path.join(full, 'manifest.json'), 'utf8'));
    expect(man.app.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(man.backend.name).toBe('wasm');
    expect(man.backend.versions['tfjs-core']).toBeTruthy();
    expect(man.os.platform).toBeTruthy();
    expect(man.seed).toBe('3');
    expect(man.spec).toEqual(written);
    expect(man.status).toBe('complete');
    expect(Date.parse(man.endedAt)).toBeGreaterThanOrEqual(Date.parse(man.startedAt));
    expect(man.runs[0].commandLine).toEqual(['ct-audit', 'audit', '--test']);
    const weights = await fs.readFile(path.join(model, 'weights.bin'));
    const wsha = createHash('sha256').update(weights).digest('hex');
    expect(man.models[1].files.find((f: { file: string }) => f.file === 'weights.bin').sha256).toBe(wsha);

    // Progress: slice k of n, the model and the phase, with an ETA once a unit is done.
    const audit = events.filter((e) => e.phase === 'audit');
    expect(audit.some((e) => /slice 2 of 3 · model model-ord · /.test(e.message ?? ''))).toBe(true);
    expect(audit.some((e) => e.etaSeconds !== undefined)).toBe(true);
    expect(audit.at(-1)!.step).toBe(6);
  });

  it('a cancelled audit resumes to the same bytes as the uninterrupted one', async () => {
    const part = path.join(dir, 'part');
    const abort = new AbortController();
    await expect(
      runAudit({
        spec: spec(),
        outDir: part,
        job: createJobContext({ signal: abort.signal }),
        onUnit: (u) => {
          if (u.done === 2) abort.abort();
        },
      }),
    ).rejects.toBeInstanceOf(JobCancelledError);
    const man = JSON.parse(await fs.readFile(path.join(part, 'manifest.json'), 'utf8'));
    expect(man.status).toBe('cancelled');
    expect((await readResults(path.join(part, 'results.jsonl'))).units.size).toBe(2);
    // Cut the last line in half, as a kill during a write would.
    const text = await fs.readFile(path.join(part, 'results.jsonl'), 'utf8');
    await fs.writeFile(path.join(part, 'results.jsonl'), text.slice(0, text.length - 200));
    const r = await runAudit({ spec: spec(), outDir: part, resume: true });
    expect(r.units).toEqual({ total: 6, computed: 5, resumed: 1 });
    for (const f of ['results.jsonl', 'summary.json', 'images/index.json'])
      expect(await fs.readFile(path.join(part, f), 'utf8'), f).toBe(
        await fs.readFile(path.join(full, f), 'utf8'),
      );
    const runs = JSON.parse(await fs.readFile(path.join(part, 'manifest.json'), 'utf8')).runs;
    expect(runs.map((x: { status: string }) => x.status)).toEqual(['cancelled', 'complete']);
  });

  it('a slice does not depend on the other slices or their order', async () => {
    // Two phantoms saved as .npy files, audited as [a, b] and as [b, a]: the same numbers per slice id.
    const data = path.join(dir, 'npy');
    await fs.mkdir(data, { recursive: true });
    for (const [name, seed] of [
      ['a.npy', 1],
      ['b.npy', 2],
    ] as const)
      await fs.writeFile(
        path.join(data, name),
        encodeNpy(makePhantom('ellipses', 16, { seed }).image, [16, 16]),
      );
    const run = async (sources: string[], out: string) => {
      await runAudit({
        spec: spec({ data: { sources }, baseline: false, report: { worstSlices: 0, pdf: false } }),
        outDir: path.join(dir, out),
      });
      const { lines } = await readResults(path.join(dir, out, 'results.jsonl'));
      return new Map(
        lines.map((l) => [`${l.slice.id}/${l.epsIndex}`, { ...l, slice: { ...l.slice, index: 0 } }]),
      );
    };
    const ab = await run([path.join(data, 'a.npy'), path.join(data, 'b.npy')], 'ab');
    const ba = await run([path.join(data, 'b.npy'), path.join(data, 'a.npy')], 'ba');
    const b = await run([path.join(data, 'b.npy')], 'b');
    expect(ab.size).toBe(4);
    for (const [k, v] of ba) expect(ab.get(k), k).toEqual(v);
    for (const [k, v] of b) expect(ab.get(k), k).toEqual(v);
  });

  it('skips a slice the settings cannot apply to (a blank slice: no data range, no relative radius), listing why', async () => {
    const data = path.join(dir, 'npy');
    await fs.writeFile(path.join(data, 'zero.npy'), encodeNpy(new Float32Array(256), [16, 16]));
    const r = await runAudit({
      spec: spec({
        data: { sources: [path.join(data, 'zero.npy'), path.join(data, 'a.npy')] },
        baseline: false,
      }),
      outDir: path.join(dir, 'zero'),
    });
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatchObject({ slice: 0, id: 'zero.npy#0', model: 'model-ord' });
    expect(r.skipped[0].reason).toMatch(/data range 0|non-zero clean signal/);
    expect(r.summary.slices.count).toBe(1);
    const man = JSON.parse(await fs.readFile(path.join(dir, 'zero', 'manifest.json'), 'utf8'));
    expect(man.runs[0].skipped).toHaveLength(1);
    expect(man.status).toBe('complete');
  });

  it('refuses to overwrite, to resume with other settings, and to resume with other weights', async () => {
    await expect(runAudit({ spec: spec(), outDir: full })).rejects.toThrow(/already holds an audit/);
    await expect(
      runAudit({
        spec: spec({ attack: { eps: ['1%', '3%'], steps: 4 } }),
        outDir: full,
        resume: true,
      }),
    ).rejects.toThrow(/differs from the audit being resumed \(field "attack"\)/);
    const copy = path.join(dir, 'model-copy');
    await fs.cp(model, copy, { recursive: true });
    const other = await tinyModel(path.join(dir, 'model-other'), 'ord', undefined, 4);
    const s1 = spec({ models: [{ path: copy, name: 'm' }], data: { sources: ['ellipses'], phantoms: 1 } });
    await runAudit({ spec: s1, outDir: path.join(dir, 'w') });
    await fs.rm(copy, { recursive: true });
    await fs.cp(other, copy, { recursive: true });
    await expect(runAudit({ spec: s1, outDir: path.join(dir, 'w'), resume: true })).rejects.toThrow(
      /model m has other weights/,
    );
  });
});
