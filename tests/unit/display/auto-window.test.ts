/**
 * The display window chosen for a slice (src/shared/display/auto-window.ts) on the repository's own CT
 * slices (resources/): where a file has a window, the content rule must pick the preset nearest to it (the
 * window its creator chose: 40/400 for the neck-chest slice, 35/100 and 35/85 for the heads); the two slices
 * without one were looked at (nema-ct1: a chest through the lungs; ct-small-128: muscle around the spine).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseWindow, rangeWindow, tissueFractions } from '@shared/display/auto-window';
import { WINDOW_PRESETS } from '@shared/units';
import { readDicomFile } from '../../../src/main/engine/dicom';
import { REPO_ROOT } from '../../helpers/dicom-data';

async function slice(rel: string) {
  const img = await readDicomFile(path.join(REPO_ROOT, rel));
  // As the audit sees it: x = max(0, 1 + HU/1000) clamps everything below air.
  const hu = img.frames[0].hu.map((v) => Math.max(v, -1000));
  return { hu, width: img.meta.columns, file: img.meta.windows[0] ?? null };
}

/** The preset whose (centre, width) is closest to a window, in relative width and centre/width. */
function nearestPreset(w: { center: number; width: number }): string {
  let best = '';
  let d = Infinity;
  for (const [name, p] of Object.entries(WINDOW_PRESETS)) {
    const e = Math.abs(Math.log(p.width / w.width)) + Math.abs(p.center - w.center) / w.width;
    if (e < d) [best, d] = [name, e];
  }
  return best;
}

describe('chooseWindow on CT slices', () => {
  it.each([
    ['resources/demo/ctimage-chest.dcm', 'soft-tissue'],
    ['resources/demo/ge-head-05.dcm', 'brain'],
    ['resources/demo/ge-head-15.dcm', 'brain'],
  ])('%s: the content rule picks the preset nearest to the file window', async (rel, expected) => {
    const s = await slice(rel);
    expect(s.file, `${rel} has a window`).not.toBeNull();
    expect(nearestPreset(s.file!)).toBe(expected);
    const w = chooseWindow(s.hu, s.width);
    expect(w.source).toBe('content');
    expect(w.name, JSON.stringify(tissueFractions(s.hu, s.width))).toBe(expected);
    expect([w.center, w.width]).toEqual([WINDOW_PRESETS[expected].center, WINDOW_PRESETS[expected].width]);
  });

  it.each([
    ['resources/samples/nema-ct1.dcm', 'lung'],
    ['resources/samples/ct-small-128.dcm', 'soft-tissue'],
  ])('%s (no file window): %s', async (rel, expected) => {
    const s = await slice(rel);
    expect(s.file).toBeNull();
    const w = chooseWindow(s.hu, s.width);
    expect(w.name, JSON.stringify(tissueFractions(s.hu, s.width))).toBe(expected);
    expect(w.reason.length).toBeGreaterThan(10);
  });

  it("prefers the file's own window and says so", async () => {
    const s = await slice('resources/demo/ge-head-05.dcm');
    const w = chooseWindow(s.hu, s.width, { fileWindow: s.file });
    expect(w).toMatchObject({ source: 'file', center: 35, width: 100 });
    expect(w.reason).toMatch(/DICOM file/);
  });
});

describe('chooseWindow on uncalibrated images and edge cases', () => {
  it('uses the range of values, widened to multiples of 10 HU, when values are not calibrated HU', () => {
    const hu = Float32Array.from([-1000, -1000, -234, 17, 812, -1000, -1000, -1000, -1000]);
    const w = chooseWindow(hu, 3, { calibrated: false });
    expect(w.source).toBe('range');
    expect(w.center - w.width / 2).toBe(-1000);
    expect(w.center + w.width / 2).toBe(820);
  });

  it('falls back to the range for an image of air, and to a default for no finite value', () => {
    expect(chooseWindow(new Float32Array(16).fill(-1000), 4).source).toBe('range');
    expect(chooseWindow(Float32Array.from([NaN, NaN, NaN, NaN]), 2)).toMatchObject({
      source: 'range',
      center: 0,
      width: 2000,
    });
  });

  it('rangeWindow is at least 10 HU wide', () => {
    expect(rangeWindow(5, 5)).toMatchObject({ center: 5, width: 10 });
    expect(rangeWindow(12, -31)).toMatchObject({ center: -10, width: 60 });
  });

  it('measures tissue inside the body only (air around it and between table and body left out)', () => {
    // 6 x 6: a 4 x 4 body (bone ring around water) in air.
    const n = 6;
    const hu = new Float32Array(n * n).fill(-1000);
    for (let i = 1; i < 5; i++) for (let j = 1; j < 5; j++) hu[i * n + j] = 1000;
    for (let i = 2; i < 4; i++) for (let j = 2; j < 4; j++) hu[i * n + j] = 40;
    const t = tissueFractions(hu, n);
    expect(t.inside).toBeCloseTo(16 / 36, 12);
    expect(t.bone).toBeCloseTo(12 / 16, 12);
    expect(t.brain).toBeCloseTo(4 / 16, 12);
    expect(t.lung).toBe(0);
  });
});
