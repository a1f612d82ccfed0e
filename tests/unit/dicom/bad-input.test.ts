/**
 * Bad input of issue 10: files labelled CT whose values are not HU, and files repeating a SOP Instance UID.
 *
 * The fixtures (tests/fixtures/dicom-bad-input, built by its make_bad_input.py with pydicom from one 16 x 16
 * slice of the vendored set) each change one thing of the source slice. Reference: the source's own HU
 * (slope 1, intercept -1024), read here with readDicomFile, which the reference-HU tests check against
 * pydicom. Every outcome is checked on the header-only reader and on the full reader: a scan must refuse
 * what a decode refuses, except the checks that need decoded values (marked `decoded`).
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NotHuError } from '@shared/errors';
import { readDicomFile, readDicomHeader, scanDicom, type DicomImage } from '../../../src/main/engine/dicom';
import { dicomParser } from '../../../src/main/engine/dicom/parse-part10';
import { inventoryData } from '../../../src/main/engine/audit/inventory';
import { BUNDLED_DICOM, REPO_ROOT } from '../../helpers/dicom-data';

const BAD = join(REPO_ROOT, 'tests/fixtures/dicom-bad-input');
const SOURCE = join(BUNDLED_DICOM, 'ct-series/pydicom-ct5n-16x16/2062.dcm');

interface Refused {
  /** Refused by the header (and so by a scan); otherwise only once decoded. */
  stage: 'header' | 'decoded';
  reason: RegExp;
}

const REFUSED: Record<string, Refused> = {
  'ct-empty-intercept.dcm': {
    stage: 'header',
    reason: /^Rescale Intercept \(0028,1052\) is present but empty: .*1024 too high/,
  },
  'ct-empty-slope.dcm': { stage: 'header', reason: /^Rescale Slope \(0028,1053\) is present but empty/ },
  'ct-slope-without-intercept.dcm': {
    stage: 'header',
    reason: /^Rescale Slope \(0028,1053\) is given but Rescale Intercept \(0028,1052\) is missing/,
  },
  'ct-no-rescale-unsigned.dcm': {
    stage: 'header',
    reason: /no Rescale Slope\/Intercept .* and unsigned pixels/,
  },
  'ct-no-rescale-offset.dcm': {
    stage: 'decoded',
    reason: /no Rescale Slope\/Intercept and no stored value below 0 \(minimum 136\)/,
  },
  'sc-8bit-display.dcm': {
    stage: 'header',
    reason:
      /^a Secondary Capture labelled CT with no Rescale Slope\/Intercept .*display values \(0\.\.255\), not HU/,
  },
  'sc-8bit-display-with-rescale.dcm': {
    stage: 'decoded',
    reason: /^every value lies in 0\.\.130, the 0\.\.255 range of display values \(8-bit Secondary Capture/,
  },
  'ct-8bit-no-rescale.dcm': { stage: 'header', reason: /^8-bit pixels with no Rescale Slope\/Intercept/ },
};

async function outcome<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: unknown) => e as Error);
}

let source: DicomImage | undefined;
async function sourceHu(): Promise<Float32Array> {
  source ??= await readDicomFile(SOURCE);
  return source.frames[0].hu;
}

describe('files labelled CT whose values are not HU are refused, never read silently', () => {
  it.each(Object.entries(REFUSED))('%s', async (name, want) => {
    const file = join(BAD, name);
    for (const [reader, refuses] of [
      ['readDicomHeader', want.stage === 'header'],
      ['readDicomFile', true],
    ] as const) {
      const got = await outcome(reader === 'readDicomHeader' ? readDicomHeader(file) : readDicomFile(file));
      if (!refuses) {
        expect(got, `${reader} ${name}`).not.toBeInstanceOf(Error);
        continue;
      }
      expect(got, `${reader} ${name}`).toBeInstanceOf(NotHuError);
      const e = got as NotHuError;
      expect(e.code).toBe('DICOM_NOT_HU');
      expect(e.file).toBe(file);
      expect(e.message.startsWith(`${file}: `)).toBe(true);
      expect(e.reason, `${reader} ${name}`).toMatch(want.reason);
    }
  });

  it.each(Object.keys(REFUSED).filter((n) => !/empty|without-intercept/.test(n)))(
    '%s loads with --allow-non-ct, saying its values are not HU',
    async (name) => {
      const img = await readDicomFile(join(BAD, name), { allowNonCt: true });
      expect(img.warnings.join('\n')).toMatch(/values are not HU/);
    },
  );

  it('an empty Rescale Intercept would have put every HU exactly 1024 too high', async () => {
    // The defect: the empty element read as 0. With --allow-non-ct the file loads with intercept 0 and says so;
    // its values are the source's HU + 1024, which is the error a silent read made.
    const img = await readDicomFile(join(BAD, 'ct-empty-intercept.dcm'), { allowNonCt: true });
    expect(img.frames[0].rescale.assumed).toMatch(/intercept 0 assumed/);
    expect(img.warnings.join('\n')).toMatch(/intercept 0 assumed/);
    const ref = await sourceHu();
    img.frames[0].hu.forEach((v, i) => expect(v).toBe(ref[i] + 1024));
  });
});

describe('missing rescale values that can be assumed: read, with the assumption reported', () => {
  it('Rescale Intercept without Rescale Slope: slope 1, HU equal to the source', async () => {
    const file = join(BAD, 'ct-intercept-without-slope.dcm');
    for (const h of [await readDicomHeader(file), await readDicomFile(file)]) {
      expect(h.meta.rescale).toMatchObject({ slope: 1, intercept: -1024 });
      expect(h.warnings).toContain(
        "no Rescale Slope (0028,1053): slope 1 assumed with the file's Rescale Intercept -1024",
      );
    }
    expect(Array.from((await readDicomFile(file)).frames[0].hu)).toEqual(Array.from(await sourceHu()));
  });

  it('no rescale at all, signed pixels holding HU: taken as HU, said so, equal to the source', async () => {
    const file = join(BAD, 'ct-no-rescale-signed-hu.dcm');
    const img = await readDicomFile(file);
    expect(img.meta.rescale.source).toBe('absent');
    expect(img.warnings.join('\n')).toMatch(/stored values taken as HU \(slope 1, intercept 0\)/);
    expect(Array.from(img.frames[0].hu)).toEqual(Array.from(await sourceHu()));
  });

  it('a scan shows the file warnings in its series warnings', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-bad-'));
    copyFileSync(join(BAD, 'ct-intercept-without-slope.dcm'), join(dir, 'a.dcm'));
    const { series } = await scanDicom([dir]);
    expect(series[0].warnings).toContain(
      "no Rescale Slope (0028,1053): slope 1 assumed with the file's Rescale Intercept -1024",
    );
  });

  it('a scan of the fixture folder lists every refused file with its reason and keeps the readable ones', async () => {
    const scan = await scanDicom([BAD]);
    const refusedAtHeader = Object.entries(REFUSED)
      .filter(([, r]) => r.stage === 'header')
      .map(([n]) => n);
    expect(scan.errors.map((e) => basename(e.file)).sort()).toEqual(refusedAtHeader.sort());
    expect(scan.errors.every((e) => e.code === 'DICOM_NOT_HU')).toBe(true);
    const kept = scan.series.flatMap((s) => s.slices.map((sl) => basename(sl.image.file))).sort();
    expect(kept).toEqual(
      [
        'ct-intercept-without-slope.dcm',
        'ct-no-rescale-offset.dcm',
        'ct-no-rescale-signed-hu.dcm',
        'sc-8bit-display-with-rescale.dcm',
      ].sort(),
    );
    expect(scan.notDicom.map((e) => basename(e.file))).toEqual(['README.md', 'make_bad_input.py']);
  });
});

/** A copy of `src` at `dst` whose first `n` stored pixel values are changed (found by dicom-parser's offsets). */
function corruptCopy(src: string, dst: string, n = 3): void {
  const bytes = Buffer.from(readFileSync(src));
  const pd = dicomParser.parseDicom(bytes).elements.x7fe00010;
  for (let i = 0; i < n; i++)
    bytes.writeInt16LE(bytes.readInt16LE(pd.dataOffset + 2 * i) + 100, pd.dataOffset + 2 * i);
  writeFileSync(dst, bytes);
}

describe('files with the same SOP Instance UID: pixels compared', () => {
  it('a corrupted copy does not displace the valid file: both are conflicts, neither is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-sop-'));
    cpSync(join(BUNDLED_DICOM, 'ct-series/pydicom-ct5n-16x16'), join(dir, 'series'), { recursive: true });
    // "a-..." sorts before "series/": by path, the corrupted copy comes first.
    corruptCopy(join(dir, 'series/2062.dcm'), join(dir, 'a-corrupted-copy.dcm'));
    const scan = await scanDicom([dir]);
    const conflicts = scan.errors.filter((e) => e.details?.category === 'sop-instance-conflict');
    expect(conflicts.map((e) => basename(e.file)).sort()).toEqual(['2062.dcm', 'a-corrupted-copy.dcm']);
    for (const e of conflicts) {
      expect(e.reason).toMatch(
        /^repeats the SOP Instance UID of .* but the pixel data differ \(3 of 256 pixels differ, by up to 100 HU\): none of these copies is audited/,
      );
    }
    const used = scan.series.flatMap((s) => s.slices.map((sl) => basename(sl.image.file)));
    expect(used.sort()).toEqual(['2392.dcm', '2693.dcm', '3023.dcm', '3353.dcm']);
    expect(scan.series[0].duplicates).toEqual([]);

    // The batch inventory lists both as skipped with the reason.
    const inv = await inventoryData([dir]);
    for (const name of ['2062.dcm', 'a-corrupted-copy.dcm']) {
      const f = inv.files.find((x) => basename(x.path) === name)!;
      expect(f.kind, name).toBe('skipped');
      expect(f.reason).toMatch(/pixel data differ/);
    }
    expect(inv.series[0].files.map((f) => basename(f))).not.toContain('2062.dcm');
  });

  it('identical copies, even in other transfer syntaxes, are one image: the first kept, the rest duplicates', async () => {
    // NEMA CT1 in explicit LE, explicit BE, implicit LE and fragmented JPEG-LS: one SOP Instance UID, the same
    // decoded pixels (expected.json: identical_pixels_to / hu_gdcm).
    const names = [
      'nema-ct1_explicit-vr-be.dcm',
      'nema-ct1_explicit-vr-le.dcm',
      'nema-ct1_implicit-vr-le.dcm',
      'nema-ct1_jpeg-ls-lossless_fragmented-bot.dcm',
    ];
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-sop-'));
    for (const n of names) copyFileSync(join(BUNDLED_DICOM, 'ct-single', n), join(dir, n));
    const scan = await scanDicom([dir]);
    expect(scan.errors).toEqual([]);
    expect(scan.series).toHaveLength(1);
    expect(scan.series[0].slices.map((s) => basename(s.image.file))).toEqual([names[0]]);
    expect(scan.series[0].duplicates.map((d) => [basename(d.file), basename(d.duplicateOf)])).toEqual(
      names.slice(1).map((n) => [n, names[0]]),
    );
    expect(scan.series[0].warnings.join('\n')).toMatch(
      /3 file\(s\) repeat the SOP Instance UID of another file with identical pixels/,
    );
  });

  it('a copy that cannot be decoded is an error of its own, and the valid file is kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-sop-'));
    const valid = join(dir, 'b-valid.dcm');
    copyFileSync(join(BUNDLED_DICOM, 'ct-single/nema-ct1_jpeg-ls-lossless_fragmented-bot.dcm'), valid);
    // Same header and fragment structure, garbage inside the JPEG-LS codestream: only decoding can tell.
    const bytes = Buffer.from(readFileSync(valid));
    const pd = dicomParser.parseDicom(bytes).elements.x7fe00010;
    const frag = pd.fragments![0];
    bytes.fill(0xff, frag.position + 2, frag.position + frag.length - 2);
    writeFileSync(join(dir, 'a-broken.dcm'), bytes);
    await expect(readDicomHeader(join(dir, 'a-broken.dcm'))).resolves.toBeTruthy();
    const scan = await scanDicom([dir]);
    expect(scan.errors.map((e) => basename(e.file))).toEqual(['a-broken.dcm']);
    expect(scan.errors[0].reason).toMatch(/cannot be decoded/);
    expect(scan.series[0].slices.map((s) => basename(s.image.file))).toEqual(['b-valid.dcm']);
  });
});
