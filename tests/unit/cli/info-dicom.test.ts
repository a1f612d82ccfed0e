/**
 * `ct-audit info` on DICOM paths (issue 10): the listing of series and unusable files, and exit code 1 when a
 * named path is unusable (a refused file, a folder without a usable CT series, a missing path), 0 with
 * --allow-unusable; --pixels adds the checks that need decoded values. Through the real CLI (child process).
 */
import { mkdtempSync, cpSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, expectOneLineError, repoRoot } from '../helpers/cli';
import { BUNDLED_DICOM } from '../../helpers/dicom-data';

const BAD = path.join(repoRoot, 'tests/fixtures/dicom-bad-input');
const SERIES = path.join(BUNDLED_DICOM, 'ct-series/pydicom-ct5n-16x16');
/** The series' HU range from expected.json (pydicom). */
function expectedRange(): { min: number; max: number } {
  const e = JSON.parse(readFileSync(path.join(BUNDLED_DICOM, 'expected.json'), 'utf8')) as Record<
    string,
    { hu: { min: number; max: number } | null }
  >;
  const hu = Object.entries(e)
    .filter(([k]) => k.startsWith('ct-series/pydicom-ct5n-16x16/'))
    .map(([, v]) => v.hu!);
  return { min: Math.min(...hu.map((h) => h.min)), max: Math.max(...hu.map((h) => h.max)) };
}

describe('ct-audit info on DICOM paths', () => {
  it('a refused file among good ones: the whole listing, then exit 1 naming it', async () => {
    const bad = path.join(BAD, 'ct-empty-intercept.dcm');
    const r = await cli('info', SERIES, bad);
    expectOneLineError(
      r,
      1,
      /^ct-audit: 1 of 2 named path\(s\) unusable \(listed above\), the first: .*ct-empty-intercept\.dcm: Rescale Intercept \(0028,1052\) is present but empty.*--allow-unusable exits 0/,
    );
    expect(r.stdout).toMatch(
      /DICOM: 1 series, 1 unusable file\(s\), 0 non-DICOM file\(s\) \(6 file\(s\) scanned/,
    );
    expect(r.stdout).toMatch(/5 slice\(s\) of 16x16/);
    expect(r.stdout).toMatch(/HU range not read \(header-only scan; --pixels decodes every slice\)/);
    expect(r.stdout).toContain(`error: ${bad}: Rescale Intercept (0028,1052) is present but empty`);

    const relaxed = await cli('info', SERIES, bad, '--allow-unusable', '--json');
    expect(relaxed.code, relaxed.stderr).toBe(0);
    const j = JSON.parse(relaxed.stdout);
    expect(j.dicom.unusablePaths).toEqual([
      { path: bad, reason: expect.stringMatching(/present but empty/) },
    ]);
    expect(j.dicom.errors[0]).toMatchObject({ file: bad, code: 'DICOM_NOT_HU' });
    expect(j.dicom.series[0].hu).toBeNull();
  });

  it('--pixels decodes every slice: the HU range, and the files only decoded values refuse', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ct-audit-info-'));
    cpSync(SERIES, path.join(dir, 'series'), { recursive: true });
    cpSync(path.join(BAD, 'sc-8bit-display-with-rescale.dcm'), path.join(dir, 'sc.dcm'));
    // Header-only, the capture is a series with a warning and the folder is usable.
    const head = await cli('info', dir, '--json');
    expect(head.code, head.stderr).toBe(0);
    const hj = JSON.parse(head.stdout);
    expect(hj.dicom.series).toHaveLength(2);
    expect(hj.dicom.series.flatMap((s: { warnings: string[] }) => s.warnings).join('\n')).toMatch(
      /Secondary Capture labelled CT/,
    );
    const r = await cli('info', dir, path.join(dir, 'sc.dcm'), '--pixels', '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    const ct = j.dicom.series.find((s: { slices: number }) => s.slices === 5);
    expect(ct.hu).toEqual({ ...expectedRange(), paddingPixels: 0 });
    expect(j.dicom.errors.map((e: { code: string }) => e.code)).toEqual(['DICOM_NOT_HU']);
    expect(j.dicom.unusablePaths).toEqual([
      { path: path.join(dir, 'sc.dcm'), reason: expect.stringMatching(/0\.\.255 range of display values/) },
    ]);
    expect(r.stderr).toMatch(/1 of 2 named path\(s\) unusable/);
  });

  it('a missing path and a folder with no CT image are unusable', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'ct-audit-info-'));
    const r = await cli('info', empty, path.join(empty, 'nope.dcm'), '--json');
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout);
    expect(j.dicom.unusablePaths).toEqual([
      { path: empty, reason: 'no usable CT image in it' },
      { path: path.join(empty, 'nope.dcm'), reason: 'no such file or folder' },
    ]);
  });
});
