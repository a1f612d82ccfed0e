/**
 * Acceptance of issue 5 for the report an audit writes: report.pdf renders page by page (pdftoppm), and the
 * key numbers of summary.json (rho-hat per model and eps, the clean error, the certified bound at the best
 * sigma) are in its text, printed as the report prints numbers (report/format.ts). Needs poppler-utils
 * (tests/helpers/tools.ts says so when it is missing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec } from '../../../src/shared/audit-spec';
import { initBackend } from '../../../src/main/engine/backend';
import { runAudit, type AuditOutcome } from '../../../src/main/engine/audit';
import { formatPsnr, formatValue } from '../../../src/main/engine/audit/report/format';
import { buildReportInput } from '../../../src/main/engine/audit/report-input';
import { REPO_ROOT } from '../../helpers/dicom-data';
import { runTool } from '../../helpers/tools';
import { tempDir, tinyModel } from './helpers';

let dir: string;
let r: AuditOutcome;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('report');
  const model = await tinyModel(path.join(dir, 'ord'));
  r = await runAudit({
    spec: parseAuditSpec({
      models: [model],
      // A head slice with its own window (35/85 HU), and phantoms (not calibrated HU: their range).
      data: { sources: [path.join(REPO_ROOT, 'resources/demo/ge-head-15.dcm'), 'ellipses'], phantoms: 2 },
      geometry: { size: 16, views: 8 },
      attack: { eps: ['1%', '2%'], steps: 4 },
      certification: { sigma: ['eps/0.5', 'eps/1'], samples: 30 },
      report: { worstSlices: 3, pdf: true },
    }),
    outDir: path.join(dir, 'audit'),
  });
});
afterAll(async () => {
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

describe('report.pdf of an audit', () => {
  it('renders every page', async () => {
    expect(r.report).toBe(path.join(dir, 'audit', 'report.pdf'));
    const out = path.join(dir, 'pages');
    await fs.mkdir(out);
    runTool('pdftoppm', ['-r', '20', '-png', r.report as string, path.join(out, 'p')]);
    expect((await fs.readdir(out)).length).toBeGreaterThanOrEqual(4);
  });

  it('states the key numbers of summary.json', async () => {
    const text = runTool('pdftotext', [r.report as string, '-'])
      .toString('utf8')
      .replace(/\s+/g, '');
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'audit', 'summary.json'), 'utf8'));
    const expected: string[] = [];
    for (const m of summary.rhoHat) {
      expected.push(formatValue(m.clean.mean));
      for (const p of m.points) expected.push(formatValue(p.rhoHat));
    }
    for (const b of summary.certification.bestSigma)
      if (b.meanCertified !== null) expected.push(formatValue(b.meanCertified));
    expect(expected.length).toBeGreaterThan(6);
    for (const v of expected) expect(text, v).toContain(v);
  });

  it('states what is certified in one sentence and prints papers/002 Table 1 from the result lines', async () => {
    const text = runTool('pdftotext', [r.report as string, '-'])
      .toString('utf8')
      .replace(/\s+/g, ' ');
    const input = await buildReportInput(path.join(dir, 'audit'));
    const statement = input.certification.statement as string;
    expect(statement).toMatch(/against the reference slice x/);
    expect(text.replace(/\s+/g, '')).toContain(statement.replace(/\s+/g, ''));
    const table = input.certification.table ?? [];
    // One row per model and attacked radius (the clean radius 0 included), numbers as summary.json has them.
    const summary = JSON.parse(await fs.readFile(path.join(dir, 'audit', 'summary.json'), 'utf8'));
    expect(table.length).toBe(
      summary.rhoHat.reduce((a: number, m: { points: unknown[] }) => a + m.points.length, 0),
    );
    const certified = table.filter((t) => t.certifiedPsnr !== null);
    expect(certified.length).toBeGreaterThan(0);
    for (const t of certified) {
      const b = summary.certification.bestSigma.find(
        (x: { model: string; epsIndex: number }) => x.model === t.model && x.epsIndex === t.epsIndex,
      );
      expect(b.meanCertified).toBe(t.certifiedBound);
      // The certified PSNR can never exceed the smoothed one: the bound is at least the median it bounds.
      expect(t.certifiedPsnr as number).toBeLessThanOrEqual((t.smoothedPsnr as number) + 1e-9);
      expect(text).toContain(formatPsnr(t.certifiedPsnr));
    }
  });

  it('shows the CT slice in its DICOM window and the phantoms in their range, both in HU, with the perturbation', () => {
    const text = runTool('pdftotext', [r.report as string, '-'])
      .toString('utf8')
      .replace(/\s+/g, ' ');
    expect(text).toContain(
      'Window of the DICOM file, level 35 HU, width 85 HU; values outside [-7.5, 77.5] HU are clipped.',
    );
    expect(text).toMatch(
      /Window: level -?[\d.]+ HU, width [\d.]+ HU, the reference image's minimum to maximum/,
    );
    expect(text).not.toContain('canonical units (water = 1)');
    expect(text).toMatch(/Perturbation δ = y′ − y/);
    expect(text).toMatch(/Clean sinogram Ax \(8 views × \d+ bins\)/);
    expect(text).not.toMatch(/papers\//);
  });
});
