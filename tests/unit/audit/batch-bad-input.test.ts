/**
 * Bad input in a batch (issue 10): every file that is not usable CT in HU is listed in batch.json with its
 * reason and audited in no series; files read with an assumption say so in their series' row; a series whose
 * slices are refused only when decoded (display values in a Secondary Capture that carries a rescale) fails
 * with the reason instead of passing as audited; copies of one SOP instance with different pixels are both
 * refused.
 */
import { copyFileSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditSpec } from '../../../src/shared/audit-spec';
import { initBackend } from '../../../src/main/engine/backend';
import { runBatch, type BatchOutcome } from '../../../src/main/engine/audit/batch';
import { dicomParser } from '../../../src/main/engine/dicom/parse-part10';
import { BUNDLED_DICOM, REPO_ROOT } from '../../helpers/dicom-data';
import { tempDir } from './helpers';

const BAD = path.join(REPO_ROOT, 'tests/fixtures/dicom-bad-input');
let dir: string;
let r: BatchOutcome;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('batch-bad');
  const data = path.join(dir, 'data');
  mkdirSync(data);
  cpSync(path.join(BUNDLED_DICOM, 'ct-series/pydicom-ct5n-16x16'), path.join(data, 'series'), {
    recursive: true,
  });
  // A copy of one slice with 3 pixel values changed, under the same SOP Instance UID.
  const bytes = Buffer.from(readFileSync(path.join(data, 'series/2062.dcm')));
  const pd = dicomParser.parseDicom(bytes).elements.x7fe00010;
  for (let i = 0; i < 3; i++)
    bytes.writeInt16LE(bytes.readInt16LE(pd.dataOffset + 2 * i) + 100, pd.dataOffset + 2 * i);
  writeFileSync(path.join(data, 'copy-of-2062.dcm'), bytes);
  for (const f of [
    'ct-empty-intercept.dcm',
    'sc-8bit-display.dcm',
    'sc-8bit-display-with-rescale.dcm',
    'ct-intercept-without-slope.dcm',
  ])
    copyFileSync(path.join(BAD, f), path.join(data, f));
  const spec = parseAuditSpec({
    models: ['fbp'],
    data: { sources: ['(batch)'], maxSlices: 2 },
    geometry: { size: 16, views: 8 },
    attack: { eps: ['1%'], steps: 1 },
    certification: { sigma: ['eps/0.5'], samples: 4 },
    report: { worstSlices: 1, pdf: false },
  });
  r = await runBatch({ folders: [data], spec, outDir: path.join(dir, 'out') });
}, 300_000);
afterAll(() => fs.rm(dir, { recursive: true, force: true }));

describe('a batch over bad input', () => {
  it('lists every refused file with its reason and audits none of them', () => {
    const file = (name: string) => r.record.files.find((f) => path.basename(f.path) === name)!;
    expect(file('ct-empty-intercept.dcm')).toMatchObject({ kind: 'skipped', series: null });
    expect(file('ct-empty-intercept.dcm').reason).toMatch(
      /Rescale Intercept \(0028,1052\) is present but empty/,
    );
    expect(file('sc-8bit-display.dcm').reason).toMatch(/Secondary Capture labelled CT with no Rescale/);
    for (const name of ['2062.dcm', 'copy-of-2062.dcm']) {
      expect(file(name).kind, name).toBe('skipped');
      expect(file(name).reason).toMatch(/pixel data differ/);
    }
    expect(r.record.counts).toMatchObject({ files: 10, ct: 6, skipped: 4 });
  });

  it('flags the assumption in its series, and fails the series only decoding could refuse', () => {
    const seriesOf = (name: string) => {
      const f = r.record.files.find((x) => path.basename(x.path) === name)!;
      return r.record.series.find((s) => s.id === f.series)!;
    };
    const assumed = seriesOf('ct-intercept-without-slope.dcm');
    expect(assumed.status).toBe('complete');
    expect(assumed.warnings).toContain(
      "no Rescale Slope (0028,1053): slope 1 assumed with the file's Rescale Intercept -1024",
    );
    const sc = seriesOf('sc-8bit-display-with-rescale.dcm');
    expect(sc.status).toBe('failed');
    expect(sc.error).toMatch(
      /^no slice could be audited \(1 unit\(s\) skipped\): .*0\.\.255 range of display values/,
    );
    expect(sc.warnings!.join('\n')).toMatch(/slice skipped: .* display values/);
    expect(seriesOf('2392.dcm')).toMatchObject({ status: 'complete', slices: 2 });
  });
});
