/**
 * Display windows against the DICOM linear VOI definition, and area resampling against a brute-force
 * supersampled computation (each input pixel split into N x N sub-pixels, each output pixel the mean of
 * an S x S block of them: the exact area average, computed a different way).
 */
import { describe, expect, it } from 'vitest';
import { InputError, ShapeError } from '@shared/errors';
import { huArrayToX, WINDOW_PRESETS } from '@shared/units';
import {
  applyWindow,
  frameToCanonical,
  readDicomFile,
  resampleSquare,
  windowFromFile,
  windowPreset,
} from '../../../src/main/engine/dicom';
import { dataPath } from './reference-data';

describe('applyWindow', () => {
  /** PS3.3 C.11.2.1.2.1, written out independently. */
  function reference(x: number, c: number, w: number): number {
    if (x <= c - 0.5 - (w - 1) / 2) return 0;
    if (x > c - 0.5 + (w - 1) / 2) return 255;
    return Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
  }

  it.each(Object.values(WINDOW_PRESETS))('$name ($center/$width) matches the DICOM linear function', (w) => {
    const hu = Float32Array.from({ length: 4001 }, (_, i) => -2000 + i);
    const out = applyWindow(hu, w);
    hu.forEach((x, i) => expect(out[i], `${w.name} at ${x} HU`).toBe(reference(x, w.center, w.width)));
  });

  it('presets are the documented ones', () => {
    expect(
      ['soft-tissue', 'lung', 'bone', 'brain'].map((n) => [windowPreset(n).center, windowPreset(n).width]),
    ).toEqual([
      [40, 400],
      [-600, 1500],
      [480, 2500],
      [40, 80],
    ]);
    expect(() => windowPreset('liver')).toThrow(/unknown window preset 'liver' \(known: soft-tissue, lung/);
  });

  it('edges of soft tissue 40/400: -160 HU is black, 239 HU is white, the middle is mid-grey', () => {
    const out = applyWindow([-160, -159, 39.5, 239, 1000], { center: 40, width: 400 });
    expect([...out]).toEqual([0, 1, 128, 255, 255]);
  });

  it('draws padding black and refuses a width below 1', () => {
    expect([...applyWindow([100, 100], { center: 0, width: 100 }, { paddingMask: [1, 0] })]).toEqual([
      0, 255,
    ]);
    expect(() => applyWindow([0], { center: 0, width: 0.5 })).toThrow(InputError);
  });
});

describe('windowFromFile', () => {
  it('reads the file window, the first of several, or null', async () => {
    const one = await readDicomFile(dataPath('ct-single/ctimage_jpeg-extended-12bit-lossy.dcm'));
    expect(windowFromFile(one.meta)).toMatchObject({ center: 40, width: 400 });
    const three = await readDicomFile(dataPath('ct-single/pydicom_j2k-pixelrep-mismatch_13bit.dcm'));
    expect(three.meta.windows.map((w) => [w.center, w.width])).toEqual([
      [40, 100],
      [40, 100],
      [40, 200],
    ]);
    expect(windowFromFile(three.meta, 2)).toMatchObject({ center: 40, width: 200 });
    const none = await readDicomFile(dataPath('ct-single/nema-ct1_explicit-vr-le.dcm'));
    expect(windowFromFile(none.meta)).toBeNull();
  });
});

/** Brute force: pad to S x S (centred), supersample by N, average S x S blocks of sub-pixels. */
function bruteForce(hu: number[], rows: number, cols: number, n: number, fill = -1000): number[] {
  const s = Math.max(rows, cols);
  const top = Math.floor((s - rows) / 2);
  const left = Math.floor((s - cols) / 2);
  const padded = (r: number, c: number) => {
    const rr = r - top;
    const cc = c - left;
    return rr >= 0 && rr < rows && cc >= 0 && cc < cols ? hu[rr * cols + cc] : fill;
  };
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let a = i * s; a < (i + 1) * s; a++) {
        for (let b = j * s; b < (j + 1) * s; b++) sum += padded(Math.floor(a / n), Math.floor(b / n));
      }
      out.push(sum / (s * s));
    }
  }
  return out;
}

function randomSlice(rows: number, cols: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: rows * cols }, () => {
    x = (x * 1103515245 + 12345) >>> 0;
    return Math.round((x / 2 ** 32) * 3000 - 1000);
  });
}

describe('resampleSquare (area averaging)', () => {
  const shapes: [number, number, number][] = [
    [7, 5, 4],
    [5, 7, 4],
    [4, 4, 2],
    [6, 6, 4],
    [3, 3, 7],
    [5, 2, 3],
    [8, 8, 8],
    [1, 1, 3],
  ];
  it.each(shapes)('%i x %i -> %i x %i equals brute force', (rows, cols, n) => {
    const hu = randomSlice(rows, cols, rows * 100 + cols * 10 + n);
    const got = resampleSquare(hu, rows, cols, [0.5, 0.5], n);
    const want = bruteForce(hu, rows, cols, n);
    expect(got.size).toBe(n);
    got.hu.forEach((v, i) => expect(v, `pixel ${i}`).toBeCloseTo(want[i], 3)); // float32 output
    const scale = Math.max(rows, cols) / n;
    expect(got.spacingMm).toEqual([0.5 * scale, 0.5 * scale]);
  });

  it('keeps the integral of the padded slice (area weights sum to one)', () => {
    const hu = randomSlice(7, 5, 3);
    const out = resampleSquare(hu, 7, 5, null, 4).hu;
    const meanOut = out.reduce((s, v) => s + v, 0) / out.length;
    const meanPadded = (hu.reduce((s, v) => s + v, 0) + 2 * 7 * -1000) / 49;
    expect(meanOut).toBeCloseTo(meanPadded, 3);
  });

  it('treats padding pixels as air and rejects a wrong length', () => {
    const out = resampleSquare([-3024, 0, 0, 0], 2, 2, null, 1, { paddingMask: [1, 0, 0, 0] });
    expect(out.hu[0]).toBeCloseTo(-250, 5);
    expect(() => resampleSquare([1, 2, 3], 2, 2, null, 1)).toThrow(ShapeError);
  });
});

describe('frameToCanonical', () => {
  it('is resampling (padding -> air) followed by huArrayToX', async () => {
    const img = await readDicomFile(dataPath('ct-single/pydicom_ct-small-128x128.dcm'));
    const f = img.frames[0];
    const c = frameToCanonical(f, img.meta.rows, img.meta.columns, 64);
    const r = resampleSquare(f.hu, 128, 128, f.plane.pixelSpacing, 64, { paddingMask: f.paddingMask });
    expect(c.x).toEqual(huArrayToX(r.hu));
    expect(c.spacingMm).toEqual([f.plane.pixelSpacing![0] * 2, f.plane.pixelSpacing![1] * 2]);
    expect(Math.min(...c.x)).toBeGreaterThanOrEqual(0);
  });
});
