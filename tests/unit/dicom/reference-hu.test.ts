/**
 * HU of every CT file with reference statistics in expected.json: `hu` (pydicom, native / deflate / RLE)
 * or `hu_gdcm` (GDCM, for lossless JPEG / JPEG-LS / JPEG 2000). Means and standard deviations within 1e-6
 * relative (the README's tolerance: float64 sums in a different order), everything else exact: min, max,
 * the 5 sample pixels (stored and HU), padding statistics, per-frame statistics and the SHA-256 of all
 * stored values as little-endian int32.
 *
 * Two files of broken/ are here on purpose: ct-all-vr-un_j2k (every element has VR UN) and
 * ct-invalid-sequence_jpeg-lossless (a bad private sequence) have sound pixel data and header values a
 * careful reader can use; GDCM decodes them, and so do we, to its exact values.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { huStats, readDicomFile } from '../../../src/main/engine/dicom';
import { dataPath, EXPECTED, relErr, type RefHu } from './reference-data';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { USING_SHARED_DICOM } from '../../helpers/dicom-data';

const cases = Object.entries(EXPECTED)
  .map(([rel, e]) => ({
    rel,
    ref: (e.hu ?? e.hu_gdcm) as RefHu | null | undefined,
    source: e.hu ? 'hu' : 'hu_gdcm',
  }))
  .filter((c): c is { rel: string; ref: RefHu; source: string } => !!c.ref);

describe('HU against expected.json', () => {
  it('covers every file with reference HU (56 in the shared set, 27 in the vendored subset)', () => {
    expect(cases.length).toBe(USING_SHARED_DICOM ? 56 : 27);
  });

  it.each(cases)('$rel matches $source', async ({ rel, ref }) => {
    const img = await readDicomFile(dataPath(rel), { keepStoredValues: true });
    const where = `${rel} (${ref.decoder})`;
    expect(img.frames.length, where).toBe(ref.frames);
    const s = huStats(img);
    expect(s.all.count, where).toBe(ref.n_pixels);
    expect(s.all.min, where).toBe(ref.min);
    expect(s.all.max, where).toBe(ref.max);
    expect(relErr(s.all.mean, ref.mean), `${where} mean ${s.all.mean} vs ${ref.mean}`).toBeLessThan(1e-6);
    expect(relErr(s.all.std, ref.std), `${where} std ${s.all.std} vs ${ref.std}`).toBeLessThan(1e-6);

    let rawMin = Infinity;
    let rawMax = -Infinity;
    const hash = createHash('sha256');
    for (const f of img.frames) {
      const stored = f.stored as Int32Array;
      for (const v of stored) {
        if (v < rawMin) rawMin = v;
        if (v > rawMax) rawMax = v;
      }
      hash.update(new Uint8Array(Int32Array.from(stored).buffer)); // little-endian on every supported CPU
    }
    expect([rawMin, rawMax], where).toEqual([ref.raw_min, ref.raw_max]);
    expect(hash.digest('hex'), `${where} stored values`).toBe(ref.raw_sha256_int32le);

    for (const p of ref.samples) {
      const i = p.row * img.meta.columns + p.col;
      const f = img.frames[p.frame];
      expect([f.stored?.[i], f.hu[i]], `${where} sample r${p.row} c${p.col}`).toEqual([p.raw, p.hu]);
    }

    if (ref.padding) {
      expect(img.meta.pixelPaddingValue, where).toBe(ref.padding.pixel_padding_value);
      expect(s.paddingCount, `${where} padding pixels`).toBe(ref.padding.n_padding_pixels);
      expect(s.min, where).toBe(ref.padding.min_excluding_padding);
      expect(s.max, where).toBe(ref.padding.max_excluding_padding);
      expect(relErr(s.mean, ref.padding.mean_excluding_padding), where).toBeLessThan(1e-6);
    } else {
      expect(s.paddingCount, where).toBe(0);
    }

    for (const pf of ref.per_frame ?? []) {
      const fs = huStats(img.frames[pf.frame]);
      expect([fs.all.min, fs.all.max], `${where} frame ${pf.frame}`).toEqual([pf.min, pf.max]);
      expect(relErr(fs.all.mean, pf.mean), `${where} frame ${pf.frame}`).toBeLessThan(1e-6);
    }
  });

  it('reads Enhanced CT rescale from the Shared Functional Groups', async () => {
    const img = await readDicomFile(dataPath('ct-single/nema-ct0012_enhanced-ct-2frames_rle.dcm'));
    expect(img.frames.map((f) => [f.rescale.slope, f.rescale.intercept, f.rescale.source])).toEqual([
      [1, -1024, 'shared-functional-groups'],
      [1, -1024, 'shared-functional-groups'],
    ]);
  });

  it('keeps the pixel data of a file whose only damage is a cut trailing padding element, with a warning', async () => {
    // As broken/truncated-nema-ct1-minus-1-byte of the shared set (made here, so every clone runs it): the
    // last byte of (FFFC,FFFC) Data Set Trailing Padding is missing; Pixel Data is intact (pydicom decodes
    // it), so the image is the NEMA CT1 image.
    const wholeFile = dataPath('ct-single/nema-ct1_explicit-vr-le.dcm');
    const bytes = await readFile(wholeFile);
    const dir = await mkdtemp(join(tmpdir(), 'ct-audit-cut-'));
    const cutFile = join(dir, 'truncated-nema-ct1-minus-1-byte.dcm');
    await writeFile(cutFile, bytes.subarray(0, bytes.length - 1));
    const cut = await readDicomFile(cutFile).finally(() => rm(dir, { recursive: true, force: true }));
    const whole = await readDicomFile(wholeFile);
    expect(cut.frames[0].hu).toEqual(whole.frames[0].hu);
    expect(cut.warnings.join(' ')).toMatch(/\(FFFC,FFFC\).*pixel data is complete/);
  });
});
