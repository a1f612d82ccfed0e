/**
 * Every file of broken/ and non-ct/ gets a clear, typed error naming the file, or -- where the damage
 * leaves a sound image, decided per file from the notes in expected.json -- is read:
 *  - ct-all-vr-un_j2k, ct-invalid-sequence_jpeg-lossless: odd encodings around sound pixel data (GDCM
 *    decodes them): read, checked against hu_gdcm in reference-hu.test.ts;
 *  - truncated-nema-ct1-minus-1-byte: only the trailing padding element is cut: read with a warning;
 *  - truncated-head-...-no-preamble-no-meta: a bare data set whose transfer syntax is not recorded
 *    anywhere. pydicom reads it only by guessing (force=True); guessing can silently give a wrong image,
 *    so it is refused with a reason that says how to fix it.
 * Non-CT files are refused with NotCtError naming the modality before any damage is looked at (a
 * truncated MR is "not CT" first); with allowNonCt the structural problem shows.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DicomError, NotCtError, UnsupportedTransferSyntaxError } from '@shared/errors';
import { NotDicomFileError } from '@shared/dicom-types';
import { readDicomBuffer, readDicomFile } from '../../../src/main/engine/dicom';
import { dicomParser } from '../../../src/main/engine/dicom/parse-part10';
import { dataPath, EXPECTED } from './reference-data';

type Outcome =
  | { load: true; why: string }
  | { load?: false; code: string; cls?: typeof DicomError; reason: RegExp; nonCt?: Outcome };

const notCt = (modality: string, nonCt: Outcome): Outcome => ({
  code: 'DICOM_NOT_CT',
  cls: NotCtError,
  reason: new RegExp(`modality is ${modality}, not CT`),
  nonCt,
});

const OUTCOMES: Record<string, Outcome> = {
  'broken/ct-all-vr-un_j2k_pydicom-data.dcm': { load: true, why: 'VR UN everywhere, values sound' },
  'broken/ct-invalid-sequence_jpeg-lossless_pydicom-data.dcm': {
    load: true,
    why: 'bad private sequence only',
  },
  'broken/ct-no-pixel-data_pydicom-tiny-alpha.dcm': { code: 'DICOM_NO_PIXEL_DATA', reason: /no Pixel Data/ },
  'broken/meta-missing-transfer-syntax_pydicom.dcm': {
    code: 'DICOM',
    reason: /no Transfer Syntax UID \(0002,0010\)/,
  },
  'broken/mr-j2k-pixeldata-too-short_pydicom-data.dcm': notCt('MR', {
    code: 'DICOM_TRUNCATED',
    reason: /no sequence delimiter/,
  }),
  'broken/mr-truncated-pixeldata_pydicom.dcm': notCt('MR', {
    code: 'DICOM_TRUNCATED',
    reason: /Pixel Data is truncated: the file holds 8130 of its 8192 bytes/,
  }),
  'broken/nm-j2k-embedded-sequence-delimiter_pydicom.dcm': notCt('NM', {
    code: 'DICOM',
    reason: /frame 1 \(JPEG 2000 Image Compression\) cannot be decoded: OpenJPEG returned an empty image/,
  }),
  'broken/no-preamble-no-meta_pydicom-ct-small.dcm': {
    code: 'DICOM',
    cls: NotDicomFileError,
    reason: /not a DICOM file/,
  },
  'broken/rtdose-bad-vr_pydicom.dcm': notCt('RTDOSE', {
    code: 'DICOM',
    reason: /Number of Frames \(0028,0008\) is '1A', not a positive integer/,
  }),
  'broken/rtplan-truncated_pydicom.dcm': notCt('RTPLAN', { code: 'DICOM', reason: /malformed or truncated/ }),
  'broken/truncated-ctimage-deflated-50pct.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /deflated data set is cut short/,
  },
  'broken/truncated-ctimage-jpeg-lossless-sv1-60pct.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /ends inside fragment 1 of 1/,
  },
  'broken/truncated-ctimage-rle-60pct.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /ends inside fragment 1 of 1/,
  },
  'broken/truncated-head-pydicom-ct-small-no-preamble-no-meta.dcm': {
    code: 'DICOM',
    reason: /no DICOM Part 10 header.*transfer syntax is not recorded/,
  },
  'broken/truncated-nema-ct1-after-pixeldata-tag.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /Pixel Data is truncated: the file holds 0 of its 524288 bytes/,
  },
  'broken/truncated-nema-ct1-in-dataset-header.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /ends inside the data set at byte 3264 .*before the Pixel Data/,
  },
  'broken/truncated-nema-ct1-in-meta-header-200b.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /ends inside the file meta information/,
  },
  'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /holds 262213 of its 524288 bytes/,
  },
  'broken/truncated-nema-ct1-minus-1-byte.dcm': {
    load: true,
    why: 'only the trailing padding element is cut',
  },
  'broken/truncated-nema-ct1-preamble-only-132b.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /right after the 'DICM'/,
  },
  'broken/truncated-pydicom-ct-small-in-pixeldata-75pct.dcm': {
    code: 'DICOM_TRUNCATED',
    reason: /holds 24679 of its 32768 bytes/,
  },
  'non-ct/cr_pydicom-16x16.dcm': notCt('CR', { load: true, why: 'MONOCHROME1 16-bit' }),
  'non-ct/dicomdir_pydicom.dcm': { code: 'DICOM_NO_PIXEL_DATA', reason: /DICOMDIR/ },
  'non-ct/ecg_dicomParser-deflated-waveform.dcm': notCt('ECG', {
    code: 'DICOM_NO_PIXEL_DATA',
    reason: /ECG/,
  }),
  'non-ct/mr_pydicom-mr-small.dcm': notCt('MR', { load: true, why: 'plain 16-bit MR' }),
  'non-ct/nm_pydicom-j2k.dcm': notCt('NM', { load: true, why: 'JPEG 2000 NM' }),
  'non-ct/ot_dicomParser-deflated.dcm': notCt('OT', { load: true, why: 'deflated 8-bit' }),
  'non-ct/rtdose_pydicom-15frames-32bit.dcm': notCt('RTDOSE', { load: true, why: '32-bit, 15 frames' }),
  'non-ct/seg_pydicom-liver-1frame-1bit.dcm': notCt('SEG', { code: 'DICOM', reason: /Bits Allocated is 1/ }),
  'non-ct/sr_pydicom-test-sr.dcm': notCt('SR', { code: 'DICOM_NO_PIXEL_DATA', reason: /no Pixel Data/ }),
  'non-ct/us_pydicom-rgb-explicit-vr-be.dcm': notCt('US', {
    code: 'DICOM',
    reason: /photometric interpretation RGB with 3 sample\(s\).*do not hold CT numbers/,
  }),
};

async function outcomeOf(path: string, allowNonCt: boolean): Promise<unknown> {
  try {
    return await readDicomFile(path, { allowNonCt });
  } catch (e) {
    return e;
  }
}

function check(rel: string, got: unknown, want: Outcome): void {
  const path = dataPath(rel);
  if (want.load) {
    expect(got, `${rel} should load (${want.why}): ${String(got)}`).not.toBeInstanceOf(Error);
    return;
  }
  expect(got, `${rel} should fail`).toBeInstanceOf(DicomError);
  const e = got as DicomError;
  if (want.cls) expect(e, rel).toBeInstanceOf(want.cls);
  expect(e.code, `${rel}: ${e.message}`).toBe(want.code);
  expect(e.reason, rel).toMatch(want.reason);
  expect(e.file, rel).toBe(path);
  expect(e.message.startsWith(`${path}: `), `message names the file: ${e.message}`).toBe(true);
}

describe('broken/ and non-ct/ files', () => {
  const rels = Object.keys(EXPECTED).filter((k) => k.startsWith('broken/') || k.startsWith('non-ct/'));

  it('has a decided outcome for every such file of expected.json', () => {
    expect(rels.filter((r) => !(r in OUTCOMES))).toEqual([]);
  });

  it.each(rels)('%s', async (rel) => {
    const want = OUTCOMES[rel];
    check(rel, await outcomeOf(dataPath(rel), false), want);
    if (!want.load && want.nonCt) check(rel, await outcomeOf(dataPath(rel), true), want.nonCt);
  });

  it('loads non-CT images with allowNonCt: RT Dose 32-bit has 15 frames of unsigned values', async () => {
    const img = await readDicomFile(dataPath('non-ct/rtdose_pydicom-15frames-32bit.dcm'), {
      allowNonCt: true,
    });
    expect(img.frames.length).toBe(15);
    expect(img.meta.bitsAllocated).toBe(32);
  });

  it('names UID and name of retired JPEG syntaxes', async () => {
    for (const [rel, uid, name] of [
      ['ct-single/ctimage_jpeg-progressive-retired.dcm', '1.2.840.10008.1.2.4.55', /Full Progression/],
      [
        'ct-single/ctimage_jpeg-spectral-selection-retired.dcm',
        '1.2.840.10008.1.2.4.53',
        /Spectral Selection/,
      ],
    ] as const) {
      const e = (await outcomeOf(dataPath(rel), false)) as UnsupportedTransferSyntaxError;
      expect(e).toBeInstanceOf(UnsupportedTransferSyntaxError);
      expect(e.code).toBe('DICOM_UNSUPPORTED_TRANSFER_SYNTAX');
      expect(e.uid).toBe(uid);
      expect(e.message).toContain(uid);
      expect(e.message).toMatch(name);
      expect(e.message).toMatch(/\(retired\)/);
    }
  });

  it('rejects an unknown transfer syntax UID by name', async () => {
    const bytes = Buffer.from(readFileSync(dataPath('ct-single/pydicom_ct-small-128x128.dcm')));
    const at = bytes.indexOf('1.2.840.10008.1.2.1\0', 0, 'latin1');
    expect(at).toBeGreaterThan(0);
    bytes.write('1.2.840.99999.1.2.1', at, 'latin1'); // same length, so the meta group stays valid
    const e = await readDicomBuffer('patched.dcm', bytes).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UnsupportedTransferSyntaxError);
    expect((e as Error).message).toBe(
      'patched.dcm: unsupported transfer syntax 1.2.840.99999.1.2.1 (unknown transfer syntax)',
    );
  });

  it('reports Pixel Data shorter than rows x columns x bytes even when the file is not cut', async () => {
    const bytes = Buffer.from(readFileSync(dataPath('ct-single/pydicom_ct-small-128x128.dcm')));
    const rows = dicomParser.parseDicom(bytes).elements.x00280010;
    bytes.writeUInt16LE(129, rows.dataOffset); // claim one more row than the pixel data holds
    const e = (await readDicomBuffer('rows.dcm', bytes).catch((x: unknown) => x)) as DicomError;
    expect(e.code).toBe('DICOM_TRUNCATED');
    expect(e.reason).toBe(
      'Pixel Data is truncated: it holds 32768 bytes but rows x columns x frames x bytes per pixel needs 33024 ' +
        '(1 frame(s) of 33024 bytes)',
    );
  });
});

describe('files that are not DICOM, and paths that are not files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ct-audit-dicom-'));
  const cases: [string, string | Buffer, RegExp][] = [
    ['README.md', '# not DICOM\n', /not a DICOM file/],
    ['empty.dcm', Buffer.alloc(0), /not a DICOM file/],
    ['data.json', JSON.stringify({ a: 1 }), /not a DICOM file/],
    ['zeros.dcm', Buffer.alloc(4096), /not a DICOM file/],
  ];
  it.each(cases)('%s -> NotDicomFileError', async (name, content, reason) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    const e = (await readDicomFile(p).catch((x: unknown) => x)) as DicomError;
    expect(e).toBeInstanceOf(NotDicomFileError);
    expect(e.file).toBe(p);
    expect(e.reason).toMatch(reason);
    expect(e.details?.category).toBe('not-dicom');
  });

  it('a missing file and a folder are DicomErrors with the reason', async () => {
    const missing = (await readDicomFile(join(dir, 'nope.dcm')).catch((x: unknown) => x)) as DicomError;
    expect(missing).toBeInstanceOf(DicomError);
    expect(missing.reason).toBe('no such file');
    mkdirSync(join(dir, 'sub'));
    const folder = (await readDicomFile(join(dir, 'sub')).catch((x: unknown) => x)) as DicomError;
    expect(folder.reason).toMatch(/is a folder/);
  });

  it('random bytes after a valid preamble never crash or hang', async () => {
    // 200 garbage files with 'DICM' at 128: each must end as a DicomError, never another exception.
    let seed = 12345;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let k = 0; k < 200; k++) {
      const b = Buffer.alloc(132 + (k % 50) * 7);
      for (let i = 0; i < b.length; i++) b[i] = rand();
      b.write('DICM', 128, 'latin1');
      const got = await readDicomBuffer(`garbage-${k}`, b).catch((x: unknown) => x);
      expect(got, `garbage-${k}: ${String(got)}`).toBeInstanceOf(DicomError);
    }
  });
});

describe('damaged copies of real files never crash or hang', () => {
  // Deterministic corruptions: random cuts and random byte changes in the data set and the pixel data
  // of files in several encodings. Each must either load or end as a DicomError (never another error).
  const files = [
    'ct-single/pydicom_ct-small-128x128.dcm',
    'ct-single/nema-ct1_implicit-vr-le.dcm',
    'ct-single/ctimage_deflated-explicit-vr-le.dcm',
    'ct-single/ctimage_rle-lossless.dcm',
    'ct-single/ctimage_jpeg-lossless-p14-sv1.dcm',
    'ct-single/ctimage_jpeg-ls-lossless.dcm',
    'ct-single/ctimage_j2k-lossless.dcm',
    'ct-single/ctimage_jpeg-extended-12bit-lossy.dcm',
    'ct-single/ctimage_jpeg-baseline-8bit-lossy.dcm',
    'ct-single/nema-ct0012_enhanced-ct-2frames_jpeg-lossless-sv1_fragmented-no-bot.dcm',
  ];
  it.each(files)('%s', async (rel) => {
    const original = readFileSync(dataPath(rel));
    let seed = original.length;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return Math.floor((seed / 2 ** 32) * n);
    };
    for (let k = 0; k < 24; k++) {
      let b: Buffer;
      if (k % 2 === 0) {
        b = Buffer.from(original.subarray(0, 140 + rand(original.length - 140)));
      } else {
        b = Buffer.from(original);
        for (let j = 0; j < 1 + rand(8); j++) b[300 + rand(b.length - 300)] = rand(256);
      }
      const got = await readDicomBuffer(`${rel}#${k}`, b).catch((x: unknown) => x);
      if (got instanceof Error) expect(got, `${rel}#${k}: ${got.stack}`).toBeInstanceOf(DicomError);
    }
  });
});
