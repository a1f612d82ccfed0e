/**
 * Series grouping and slice order on the three series of ct-series/ (compared with the positions and
 * Instance Numbers of expected.json), a scan of the whole reference folder (every file accounted for),
 * and ordering rules on synthetic geometry.
 */
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DicomImage } from '@shared/dicom-types';
import { groupIntoSeries, scanDicom, sliceNormal } from '../../../src/main/engine/dicom';
import { DATA_DIR, dataPath, EXPECTED } from './reference-data';
import { hasDicom } from '../../helpers/dicom-data';
import { readdir } from 'node:fs/promises';

function expectedOrder(folder: string): { rel: string; position: number; instance: number }[] {
  return Object.entries(EXPECTED)
    .filter(([rel]) => rel.startsWith(`ct-series/${folder}/`))
    .map(([rel, e]) => {
      const h = e.header!;
      const n = sliceNormal(h.image_orientation_patient!)!;
      const p = h.image_position_patient!;
      return { rel, position: p[0] * n[0] + p[1] * n[1] + p[2] * n[2], instance: h.instance_number! };
    })
    .sort((a, b) => a.position - b.position);
}

const GE = 'ct-series/dcm_qa_ct-ge-hispeed-head-tilt';
const SERIES = [
  {
    folder: 'dcm_qa_ct-ge-hispeed-head-tilt',
    count: 28,
    warning: /uneven slice spacing: steps along the normal range 1\.081\.\.6\.999 mm/,
  },
  { folder: 'pydicom-ct2-16x16', count: 4, warning: /uneven slice spacing: .*1\.250\.\.202\.500 mm/ },
  { folder: 'pydicom-ct5n-16x16', count: 5, warning: null },
].filter((s) => hasDicom(`ct-series/${s.folder}`));

describe('ct-series/', () => {
  it.each(SERIES)(
    '$folder: one series of $count slices in order along the normal',
    async ({ folder, count, warning }) => {
      const { series, errors, notDicom } = await scanDicom([dataPath(`ct-series/${folder}`)]);
      expect(errors).toEqual([]);
      expect(notDicom).toEqual([]);
      expect(series.length).toBe(1);
      const s = series[0];
      expect(s.slices.length).toBe(count);
      expect(s.orderedBy).toBe('position');
      const want = expectedOrder(folder);
      expect(s.slices.map((x) => relative(DATA_DIR, x.image.file))).toEqual(want.map((w) => w.rel));
      expect(s.slices.map((x) => x.instanceNumber)).toEqual(want.map((w) => w.instance));
      s.slices.forEach((x, i) => expect(x.position).toBeCloseTo(want[i].position, 6));
      expect(s.stepsMm.every((d) => d > 0)).toBe(true);
      expect(s.seriesInstanceUid).toBe(EXPECTED[want[0].rel].header!.series_instance_uid);
      if (warning) expect(s.warnings.join('\n')).toMatch(warning);
      else expect(s.warnings).toEqual([]);
    },
  );

  it('ct5n: Instance Numbers run against the position, and position wins', async () => {
    const { series } = await scanDicom([dataPath('ct-series/pydicom-ct5n-16x16')]);
    expect(series[0].slices.map((x) => x.instanceNumber)).toEqual([10, 9, 8, 7, 6]);
  });

  it.runIf(hasDicom(GE))(
    'the GE series is tilted: the normal is not the z axis, and steps follow the normal',
    async () => {
      const { series } = await scanDicom([dataPath(GE)]);
      const n = series[0].normal!;
      expect(Math.acos(n[2]) * (180 / Math.PI)).toBeCloseTo(18.5, 0);
      expect(series[0].stepsMm[0]).toBeCloseTo(4.002, 2); // 4 mm slices, measured along the normal
    },
  );

  it('a scan of the whole reference folder accounts for every file', async () => {
    // The data files of expected.json, plus the set's documentation (README.md, expected.json; the vendored
    // subset also has SOURCES.md, LICENSES.md and vendor.mjs).
    const docs = (await readdir(DATA_DIR)).filter((f) => !f.startsWith('.') && /\.(md|json|mjs)$/.test(f));
    const files = Object.keys(EXPECTED).length + docs.length;
    const result = await scanDicom([DATA_DIR]);
    const kept = result.series.reduce((s, x) => s + new Set(x.slices.map((y) => y.image.file)).size, 0);
    const duplicates = result.series.reduce((s, x) => s + x.duplicates.length, 0);
    expect(kept + duplicates + result.errors.length + result.notDicom.length).toBe(files);
    expect(result.notDicom.map((e) => relative(DATA_DIR, e.file)).sort()).toEqual(
      [...docs, 'broken/no-preamble-no-meta_pydicom-ct-small.dcm'].sort(),
    );
    for (const e of result.errors) expect(e.message.startsWith(e.file + ': ')).toBe(true);
    const uids = result.series.map((s) => s.seriesInstanceUid);
    expect(new Set(uids).size).toBe(uids.length);
    for (const s of SERIES) {
      const uid = EXPECTED[expectedOrder(s.folder)[0].rel].header!.series_instance_uid;
      expect(result.series.find((x) => x.seriesInstanceUid === uid)?.slices.length, s.folder).toBe(s.count);
    }
  });

  it('Enhanced CT: each frame is a slice, placed by its Per-frame Functional Groups position', async () => {
    const file = dataPath('ct-single/nema-ct0012_enhanced-ct-2frames_rle.dcm');
    const { series } = await scanDicom([file]);
    const s = series[0];
    expect(s.slices.map((x) => x.frameIndex)).toEqual([1, 0]); // normal (0,0,-1): z -149 before z -159
    expect(s.slices[0].image.frames.map((f) => f.plane.imagePositionPatient)).toEqual([
      [99.5, -301.5, -159],
      [99.5, -301.5, -149],
    ]);
    expect(s.stepsMm).toEqual([10]);
  });

  it('reports progress per file and stops when cancelled', async () => {
    const seen: number[] = [];
    await scanDicom([dataPath('ct-series/pydicom-ct5n-16x16')], { onProgress: (p) => seen.push(p.done) });
    expect(seen).toEqual([1, 2, 3, 4, 5]);
    const ctrl = new AbortController();
    const run = scanDicom([dataPath('ct-series/pydicom-ct5n-16x16')], {
      signal: ctrl.signal,
      onProgress: (p) => p.done === 2 && ctrl.abort(),
    });
    await expect(run).rejects.toMatchObject({ name: 'JobCancelledError', code: 'CANCELLED' });
  });

  it('copies of the same instance in one scan are counted once, with a warning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ct-audit-series-'));
    cpSync(dataPath('ct-series/pydicom-ct5n-16x16'), join(dir, 'a'), { recursive: true });
    cpSync(dataPath('ct-series/pydicom-ct5n-16x16/2062.dcm'), join(dir, 'copy-of-2062.dcm'));
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const { series, notDicom, errors } = await scanDicom([dir]);
    expect(errors).toEqual([]);
    expect(notDicom.map((e) => relative(dir, e.file))).toEqual(['notes.txt']);
    expect(series[0].slices.length).toBe(5);
    expect(series[0].duplicates.map((d) => relative(dir, d.file))).toEqual(['copy-of-2062.dcm']);
    expect(series[0].warnings.join(' ')).toMatch(/1 file\(s\) repeat the SOP Instance UID/);
  });
});

function fakeImage(
  file: string,
  series: string,
  instance: number | null,
  ipp: [number, number, number] | null,
  iop: [number, number, number, number, number, number] | null,
): DicomImage {
  const plane = {
    imagePositionPatient: ipp,
    imageOrientationPatient: iop,
    pixelSpacing: null,
    sliceThickness: null,
  };
  return {
    file,
    warnings: [],
    frames: [
      {
        index: 0,
        hu: new Float32Array(4),
        paddingMask: null,
        rescale: { slope: 1, intercept: 0, type: null, source: 'top-level' },
        plane,
      },
    ],
    meta: {
      seriesInstanceUid: series,
      sopInstanceUid: `${series}.${file}`,
      instanceNumber: instance,
      modality: 'CT',
      rows: 2,
      columns: 2,
      plane,
    } as DicomImage['meta'],
  };
}

describe('slice ordering rules (synthetic geometry)', () => {
  const axial: [number, number, number, number, number, number] = [1, 0, 0, 0, 1, 0];
  it('normal = row x column cosines; position = dot(IPP, normal)', () => {
    expect(sliceNormal(axial)).toEqual([0, 0, 1]);
    expect(sliceNormal([0, 1, 0, 0, 0, -1])).toEqual([-1, 0, 0]); // sagittal
    expect(sliceNormal([1, 0, 0, 1, 0, 0])).toBeNull();
  });

  it('groups by Series Instance UID and sorts by position, not file order or z of a tilted stack', () => {
    const c = Math.cos(0.3);
    const s = Math.sin(0.3);
    const tilted: [number, number, number, number, number, number] = [1, 0, 0, 0, c, -s];
    const n = sliceNormal(tilted)!;
    const at = (d: number): [number, number, number] => [0, n[1] * d + 5, n[2] * d]; // in-plane offset 5 along y
    const images = [
      fakeImage('b', 'S1', 1, at(2), tilted),
      fakeImage('a', 'S1', 2, at(1), tilted),
      fakeImage('x', 'S2', 1, [0, 0, 0], axial),
      fakeImage('c', 'S1', 3, at(3), tilted),
    ];
    const series = groupIntoSeries(images);
    expect(series.map((x) => x.seriesInstanceUid)).toEqual(['S1', 'S2']);
    expect(series[0].slices.map((x) => x.image.file)).toEqual(['a', 'b', 'c']);
    series[0].stepsMm.forEach((d) => expect(d).toBeCloseTo(1, 12));
  });

  it('falls back to Instance Number, then file order, and says why', () => {
    const byInstance = groupIntoSeries([
      fakeImage('a', 'S', 3, [0, 0, 0], axial),
      fakeImage('b', 'S', 1, null, axial),
      fakeImage('c', 'S', 2, [0, 0, 2], axial),
    ])[0];
    expect(byInstance.orderedBy).toBe('instance-number');
    expect(byInstance.slices.map((x) => x.image.file)).toEqual(['b', 'c', 'a']);
    expect(byInstance.warnings[0]).toMatch(/lacks Image Position.*ordered by Instance Number/);
    const mixed = groupIntoSeries([
      fakeImage('a', 'S', null, [0, 0, 0], axial),
      fakeImage('b', 'S', 1, [0, 0, 1], [0, 1, 0, 0, 0, -1]),
    ])[0];
    expect(mixed.orderedBy).toBe('file-order');
    expect(mixed.warnings[0]).toMatch(/different orientations: ordered by file name/);
  });
});
