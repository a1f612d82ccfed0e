/** Display math shared by the viewer (and the report image panels): windowing, colour map, ROI, viewport. */
import { describe, expect, it } from 'vitest';
import {
  difference,
  divergingColor,
  roiStats,
  valueAt,
  windowToRgba,
  type FloatImage,
} from '@shared/display/image';
import {
  DEFAULT_VIEWPORT,
  canvasToFov,
  fovRectToPixels,
  fovToCanvas,
  fovToPixel,
  panBy,
  zoomAt,
} from '@shared/display/viewport';

const img = (data: number[], width: number, mask?: number[]): FloatImage => ({
  width,
  height: data.length / width,
  data: Float32Array.from(data),
  mask: mask ? Uint8Array.from(mask) : null,
  unit: 'HU',
});

describe('viewer image helpers', () => {
  it('windows like the DICOM linear VOI function (same breakpoints as engine applyWindow)', () => {
    // c 40, w 400: below -160 black, above 240 white, 40 mid grey.
    const rgba = windowToRgba(img([-1000, -160, 40, 239, 240, 3000], 6), { center: 40, width: 400 });
    const grey = [0, 1, 2, 3, 4, 5].map((i) => rgba[i * 4]);
    expect(grey[0]).toBe(0);
    expect(grey[1]).toBe(0);
    expect(grey[2]).toBe(128);
    expect(grey[4]).toBe(255);
    expect(grey[5]).toBe(255);
    expect(rgba[3]).toBe(255);
  });

  it('maps signed differences to blue - white - red', () => {
    expect(divergingColor(0)).toEqual([247, 247, 247]);
    const [r1, , b1] = divergingColor(1);
    const [r2, , b2] = divergingColor(-1);
    expect(r1).toBeGreaterThan(b1);
    expect(b2).toBeGreaterThan(r2);
    expect(divergingColor(5)).toEqual(divergingColor(1)); // clamped
  });

  it('computes ROI statistics without padding pixels, clipped to the image', () => {
    const im = img([1, 2, 3, 4, 5, 6, 7, 8, 9], 3, [0, 0, 0, 0, 1, 0, 0, 0, 0]);
    const s = roiStats(im, { col0: -5, row0: -5, col1: 2, row1: 2 })!;
    expect(s.count).toBe(3); // 1, 2, 4 (5 is padding)
    expect(s.mean).toBeCloseTo(7 / 3);
    expect(s.min).toBe(1);
    expect(s.max).toBe(4);
    expect(s.sd).toBeCloseTo(Math.sqrt(((1 - 7 / 3) ** 2 + (2 - 7 / 3) ** 2 + (4 - 7 / 3) ** 2) / 3));
    expect(roiStats(im, { col0: 1, row0: 1, col1: 2, row1: 2 })).toBeNull();
    expect(valueAt(im, 1, 1)).toBeNull();
    expect(valueAt(im, 2, 2)).toBe(9);
    expect(valueAt(im, 3, 0)).toBeNull();
    expect(Array.from(difference(im, im).data)).toEqual(new Array(9).fill(0));
  });
});

describe('synchronized viewport', () => {
  const box = { w: 400, h: 200 };

  it('round-trips canvas and FOV coordinates and keeps the point under the cursor when zooming', () => {
    const v = { zoom: 2, cx: 0.4, cy: 0.6 };
    const [fx, fy] = canvasToFov(v, box, 123, 45);
    const [x, y] = fovToCanvas(v, box, fx, fy);
    expect(x).toBeCloseTo(123);
    expect(y).toBeCloseTo(45);
    const z = zoomAt(v, box, 123, 45, 1.7);
    const [gx, gy] = canvasToFov(z, box, 123, 45);
    expect(gx).toBeCloseTo(fx);
    expect(gy).toBeCloseTo(fy);
    const p = panBy(DEFAULT_VIEWPORT, box, 20, -10);
    expect(p.cx).toBeCloseTo(0.5 - 20 / 200);
    expect(p.cy).toBeCloseTo(0.5 + 10 / 200);
  });

  it('lines up a non-square native slice with its N x N resampling (centred in a square FOV)', () => {
    // 100 rows x 200 cols is padded to 200 x 200 with 50 rows above: FOV centre = pixel (50, 100).
    expect(fovToPixel({ width: 200, height: 100 }, 0.5, 0.5)).toEqual({ row: 50, col: 100 });
    expect(fovToPixel({ width: 64, height: 64 }, 0.5, 0.5)).toEqual({ row: 32, col: 32 });
    const r = fovRectToPixels({ width: 64, height: 64 }, { x0: 0.75, y0: 0.5, x1: 0.25, y1: 0 });
    expect(r).toEqual({ col0: 16, row0: 0, col1: 48, row1: 32 });
    // Stretched panes (sinograms) map the whole array onto the pane.
    expect(fovToPixel({ width: 182, height: 36 }, 0.5, 0.5, true)).toEqual({ row: 18, col: 91 });
  });
});
