/**
 * Header-only reading and scanning (dicom/read-header.ts, scan.ts, scan-cache.ts):
 *  - on every file of the test set, the header-only reader decides as the full reader does (same error
 *    code and reason, or the same header), except where only decoding can tell (listed with the reason);
 *  - a scan reads no pixel: a file with a damaged codestream but a sound structure is a slice of the scan;
 *  - progress carries files/s and an ETA;
 *  - the scan cache answers for unchanged files (path, size, mtime) with the same result, reads changed
 *    files again, and ignores a cache written by another reader version.
 */
import { mkdtempSync, readFileSync, writeFileSync, cpSync, utimesSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  readDicomFile,
  readDicomHeader,
  ScanCache,
  scanDicom,
  type DicomScan,
} from '../../../src/main/engine/dicom';
import { dicomParser } from '../../../src/main/engine/dicom/parse-part10';
import { HEAD_BYTES } from '../../../src/main/engine/dicom/read-header';
import { BUNDLED_DICOM } from '../../helpers/dicom-data';
import { dataPath, EXPECTED } from './reference-data';

/** Files whose problem is inside an encoded frame: only a decode finds it (reason from the decoder). */
const DECODE_ONLY: Record<string, RegExp> = {
  'broken/nm-j2k-embedded-sequence-delimiter_pydicom.dcm': /cannot be decoded/,
};

async function settle<T>(p: Promise<T>): Promise<T | Error> {
  return p.catch((e: unknown) => e as Error);
}

describe('header-only reads decide as full reads', () => {
  const rels = Object.keys(EXPECTED);
  it.each(rels)('%s', async (rel) => {
    const file = dataPath(rel);
    for (const allowNonCt of [false, true]) {
      const head = await settle(readDicomHeader(file, { allowNonCt }));
      const full = await settle(readDicomFile(file, { allowNonCt }));
      if (full instanceof Error && !(head instanceof Error)) {
        expect(Object.keys(DECODE_ONLY), `${rel}: only the decode refuses it: ${full.message}`).toContain(
          rel,
        );
        expect(full.message).toMatch(DECODE_ONLY[rel]);
        continue;
      }
      if (full instanceof Error || head instanceof Error) {
        expect(head, `${rel} (allowNonCt ${allowNonCt})`).toBeInstanceOf(Error);
        expect((head as Error).message, rel).toBe((full as Error).message);
        expect((head as { code?: string }).code).toBe((full as { code?: string }).code);
        continue;
      }
      expect(head.meta, rel).toEqual(full.meta);
      expect(head.frames, rel).toEqual(
        full.frames.map((f) => ({ index: f.index, rescale: f.rescale, plane: f.plane })),
      );
      // Decoding may add warnings about values (bits outside Bits Stored); the header's are all there.
      for (const w of head.warnings) expect(full.warnings, rel).toContain(w);
    }
  });

  it('reads only the head of a large native file, and still finds Pixel Data cut short', async () => {
    const src = dataPath('ct-single/nema-ct1_explicit-vr-le.dcm');
    const bytes = readFileSync(src);
    expect(bytes.length).toBeGreaterThan(4 * HEAD_BYTES);
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-head-'));
    // The pixel values replaced by garbage: a header-only read cannot see it, a decode reads them as they are.
    const pd = dicomParser.parseDicom(bytes).elements.x7fe00010;
    const cut = join(dir, 'cut.dcm');
    writeFileSync(cut, bytes.subarray(0, pd.dataOffset + 1000));
    const e = (await settle(readDicomHeader(cut))) as Error & { code: string };
    expect(e.code).toBe('DICOM_TRUNCATED');
    expect(e.message).toBe(`${cut}: Pixel Data is truncated: the file holds 1000 of its 524288 bytes`);
  });

  it('a scan decodes no pixel: a damaged codestream with a sound structure is listed as a slice', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-head-'));
    const file = join(dir, 'garbled-jpeg-ls.dcm');
    const bytes = Buffer.from(readFileSync(join(BUNDLED_DICOM, 'ct-single/ctimage_jpeg-ls-lossless.dcm')));
    const frag = dicomParser.parseDicom(bytes).elements.x7fe00010.fragments![0];
    bytes.fill(0xff, frag.position + 2, frag.position + frag.length - 2);
    writeFileSync(file, bytes);
    const scan = await scanDicom([dir]);
    expect(scan.errors).toEqual([]);
    expect(scan.series[0].slices.map((s) => basename(s.image.file))).toEqual(['garbled-jpeg-ls.dcm']);
    await expect(readDicomFile(file)).rejects.toMatchObject({ code: 'DICOM' });
  });
});

function comparable(s: DicomScan) {
  return {
    series: s.series.map((x) => ({ ...x, slices: x.slices.map((sl) => ({ ...sl, image: sl.image.file })) })),
    errors: s.errors.map((e) => [e.constructor.name, e.code, e.message]),
    notDicom: s.notDicom.map((e) => [e.constructor.name, e.message]),
    files: s.files,
  };
}

describe('scan progress and the scan cache', () => {
  it('progress reports files per second and an ETA', async () => {
    const seen: { done: number; rate: number; eta?: number }[] = [];
    await scanDicom([BUNDLED_DICOM], {
      onProgress: (p) => seen.push({ done: p.done, rate: p.filesPerSecond, eta: p.etaSeconds }),
    });
    expect(seen.map((p) => p.done)).toEqual(seen.map((_, i) => i + 1));
    expect(seen.every((p) => p.rate > 0)).toBe(true);
    expect(seen[2].eta).toBeUndefined(); // too few files for a rate yet
    expect(seen.at(-1)!.eta).toBe(0);
    expect(seen.slice(5, -1).every((p) => p.eta! > 0)).toBe(true);
  });

  it('answers for unchanged files with the same result, and reads changed ones again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-cache-'));
    const data = join(dir, 'data');
    cpSync(BUNDLED_DICOM, data, { recursive: true });
    const cacheFile = join(dir, 'cache.jsonl');
    const opts = { sha256: true, identifiers: true };
    const first = await scanDicom([data], { ...opts, cache: await ScanCache.open(cacheFile) });
    expect(first.stats.cached).toBe(0);
    const uncached = await scanDicom([data], opts);
    const again = await scanDicom([data], { ...opts, cache: await ScanCache.open(cacheFile) });
    expect(again.stats.cached).toBe(again.stats.files);
    expect(comparable(again)).toEqual(comparable(uncached));
    expect(comparable(first)).toEqual(comparable(uncached));

    // Change one file (same size, new content and mtime) and touch another (mtime only).
    const changed = join(data, 'ct-series/pydicom-ct5n-16x16/2062.dcm');
    const bytes = Buffer.from(readFileSync(changed));
    const ser = dicomParser.parseDicom(bytes).elements.x00080060; // Modality 'CT' -> 'MR'
    bytes.write('MR', ser.dataOffset, 'latin1');
    writeFileSync(changed, bytes);
    utimesSync(changed, new Date(), new Date(Date.now() + 5000));
    const touched = join(data, 'ct-single/pydicom_ct-small-128x128.dcm');
    utimesSync(touched, new Date(), new Date(Date.now() + 5000));
    const third = await scanDicom([data], { ...opts, cache: await ScanCache.open(cacheFile) });
    expect(third.stats.cached).toBe(third.stats.files - 2);
    expect(third.errors.find((e) => e.file === changed)?.code).toBe('DICOM_NOT_CT');
    expect(third.files.find((f) => f.path === changed)?.sha256).not.toBe(
      first.files.find((f) => f.path === changed)?.sha256,
    );
  });

  it('a cache written by another reader version is ignored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-cache-'));
    const cacheFile = join(dir, 'cache.jsonl');
    const folder = join(BUNDLED_DICOM, 'ct-series/pydicom-ct5n-16x16');
    await scanDicom([folder], { cache: await ScanCache.open(cacheFile) });
    const text = await readFile(cacheFile, 'utf8');
    const [head, ...rest] = text.split('\n');
    const h = JSON.parse(head) as { reader: number };
    await writeFile(cacheFile, [JSON.stringify({ ...h, reader: h.reader - 1 }), ...rest].join('\n'));
    const scan = await scanDicom([folder], { cache: await ScanCache.open(cacheFile) });
    expect(scan.stats.cached).toBe(0);
  });
});
