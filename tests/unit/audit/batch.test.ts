/**
 * Batch audits over the DICOM test set (tests/helpers/dicom-data.ts) (engine/audit/batch.ts): every file accounted for (audited in a
 * series, or skipped / not DICOM with its reason), the CT series and single CT files audited, per-series
 * folders, the overall folder equal to the summary of the merged results, the worst series flagged, and the
 * same files with two worker threads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec } from '../../../src/shared/audit-spec';
import { initBackend } from '../../../src/main/engine/backend';
import { readResults, summarize } from '../../../src/main/engine/audit';
import { runBatch, type BatchOutcome } from '../../../src/main/engine/audit/batch';
import type { JobProgress } from '../../../src/shared/jobs';
import { createJobContext } from '../../../src/main/engine/job-context';
import { tempDir, walk } from './helpers';
import { DICOM_DIR, hasDicom } from '../../helpers/dicom-data';

const data = DICOM_DIR;

const spec = parseAuditSpec({
  models: ['fbp'],
  data: { sources: ['(batch)'], maxSlices: 2 },
  geometry: { size: 16, views: 8 },
  attack: { eps: ['1%', '2%'], steps: 2 },
  certification: { sigma: ['eps/0.5'], samples: 16 },
  report: { worstSlices: 1, pdf: false },
});

let dir: string;
let one: BatchOutcome;
const events: JobProgress[] = [];

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('batch');
  one = await runBatch({
    folders: [data],
    spec,
    outDir: path.join(dir, 'k1'),
    job: createJobContext({ onProgress: (p) => events.push(p) }),
  });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('runBatch over the DICOM test set', () => {
  it('accounts for every file: audited, skipped or not DICOM, each non-audited one with a reason', async () => {
    const all = (await walk(data)).map((f) => path.join(data, f));
    const rec = one.record;
    expect(rec.files.map((f) => f.path).sort()).toEqual(all.sort());
    for (const f of rec.files) {
      if (f.kind === 'ct') expect(f.series).toMatch(/^(series|file)-[0-9a-f]{12}$/);
      else expect(f.reason, f.path).toBeTruthy();
    }
    const kind = (name: string) => rec.files.find((f) => f.path.endsWith(name))!;
    expect(kind('README.md').kind).toBe('not-dicom');
    expect(kind('mr_pydicom-mr-small.dcm').reason).toMatch(/not CT/);
    expect(kind('truncated-nema-ct1-in-pixeldata-50pct.dcm').reason).toMatch(/truncated/i);
    expect(kind('ctimage_jpeg-spectral-selection-retired.dcm').reason).toMatch(/unsupported transfer syntax/);
    // Truncated files are left out, except the one cut only after its (complete) pixel data.
    const truncated = rec.files.filter((f) => path.basename(f.path).startsWith('truncated-'));
    expect(truncated.length).toBeGreaterThan(5);
    for (const f of truncated)
      expect(f.kind, f.path).toBe(f.path.endsWith('truncated-nema-ct1-minus-1-byte.dcm') ? 'ct' : 'skipped');
  });

  it('audits the CT series and the single CT files, one folder each', async () => {
    const rec = one.record;
    expect(rec.series.length).toBe(rec.counts.series);
    expect(rec.series.length).toBeGreaterThanOrEqual(8);
    expect(rec.series.every((s) => s.status === 'complete')).toBe(true);
    // The GE head series (28 files, only in the shared set) is one series, audited on its first 2 slices.
    if (hasDicom('ct-series/dcm_qa_ct-ge-hispeed-head-tilt'))
      expect(rec.series.some((s) => s.files === 28 && s.slices === 2)).toBe(true);
    expect(rec.series.some((s) => s.files === 5 && s.slices === 2)).toBe(true);
    for (const s of rec.series) {
      const files = await walk(path.join(dir, 'k1', s.folder));
      expect(files).toEqual(
        expect.arrayContaining(['summary.json', 'results.jsonl', 'manifest.json', 'spec.json']),
      );
    }
    expect(rec.series.filter((s) => s.models[0].worst)).toHaveLength(1);
    const worst = rec.series.find((s) => s.models[0].worst)!;
    for (const s of rec.series)
      expect(s.models[0].rhoHat[1].value).toBeLessThanOrEqual(worst.models[0].rhoHat[1].value);
  });

  it('reports progress over series and slices with an ETA', () => {
    const batch = events.filter((e) => e.phase === 'batch');
    const n = one.record.series.length;
    const re = new RegExp(`^series \\d+ of ${n} \\(series-[0-9a-f]{12}\\) · slice 2 of 2 · model fbp · `);
    expect(batch.some((e) => re.test(e.message ?? ''))).toBe(true);
    expect(batch.some((e) => e.etaSeconds !== undefined)).toBe(true);
    expect(batch.at(-1)!.step).toBe(batch.at(-1)!.total);
    expect(events.some((e) => e.phase === 'scan')).toBe(true);
  });

  it('the overall folder is the summary of all series lines', async () => {
    const out = path.join(dir, 'k1');
    const { lines } = await readResults(path.join(out, 'results.jsonl'));
    const expected = one.record.series.reduce((a, s) => a + s.slices, 0);
    expect(new Set(lines.map((l) => l.slice.index)).size).toBe(expected);
    const summary = JSON.parse(await fs.readFile(path.join(out, 'summary.json'), 'utf8'));
    expect(summary).toEqual(summarize(lines, { worstSlices: 1 }));
    const idx = JSON.parse(await fs.readFile(path.join(out, 'images/index.json'), 'utf8'));
    expect(idx.worst).toHaveLength(1);
    expect(await walk(path.join(out, idx.worst[0].dir))).toContain('panel.png');
  });

  it('two worker threads give the same files', async () => {
    const out = path.join(dir, 'k2');
    await runBatch({ folders: [data], spec, outDir: out, concurrency: 2 });
    for (const f of ['summary.json', 'results.jsonl', 'images/index.json'])
      expect(await fs.readFile(path.join(out, f), 'utf8'), f).toBe(
        await fs.readFile(path.join(dir, 'k1', f), 'utf8'),
      );
  });
});
