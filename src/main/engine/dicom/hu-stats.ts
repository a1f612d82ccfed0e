/**
 * HU statistics of a frame or of a whole image. Padding pixels (Pixel Padding Value) are counted apart
 * and left out of the main statistics; `all` keeps the statistics over every pixel (what pydicom reports
 * in the reference data's `hu`). Sums in float64, two passes for the variance.
 */
import type { DicomFrame, DicomImage, HuStats } from '@shared/dicom-types';

interface Part {
  hu: ArrayLike<number>;
  mask: ArrayLike<number> | null;
}

function parts(x: DicomImage | DicomFrame | ArrayLike<number>, mask?: ArrayLike<number> | null): Part[] {
  if ('frames' in x) return x.frames.map((f) => ({ hu: f.hu, mask: f.paddingMask }));
  if ('hu' in x && 'index' in x) return [{ hu: x.hu, mask: x.paddingMask }];
  return [{ hu: x as ArrayLike<number>, mask: mask ?? null }];
}

/** Statistics of an image (all frames), a frame, or a plain HU array with an optional padding mask. */
export function huStats(
  x: DicomImage | DicomFrame | ArrayLike<number>,
  paddingMask?: ArrayLike<number> | null,
): HuStats {
  const ps = parts(x, paddingMask);
  let count = 0;
  let padding = 0;
  let sum = 0;
  let sumAll = 0;
  let min = Infinity;
  let max = -Infinity;
  let minAll = Infinity;
  let maxAll = -Infinity;
  let total = 0;
  for (const { hu, mask } of ps) {
    total += hu.length;
    for (let i = 0; i < hu.length; i++) {
      const v = hu[i];
      sumAll += v;
      if (v < minAll) minAll = v;
      if (v > maxAll) maxAll = v;
      if (mask && mask[i]) {
        padding++;
        continue;
      }
      count++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  const mean = count > 0 ? sum / count : NaN;
  const meanAll = total > 0 ? sumAll / total : NaN;
  let ss = 0;
  let ssAll = 0;
  for (const { hu, mask } of ps) {
    for (let i = 0; i < hu.length; i++) {
      const dAll = hu[i] - meanAll;
      ssAll += dAll * dAll;
      if (mask && mask[i]) continue;
      const d = hu[i] - mean;
      ss += d * d;
    }
  }
  return {
    count,
    paddingCount: padding,
    min: count > 0 ? min : NaN,
    max: count > 0 ? max : NaN,
    mean,
    std: count > 0 ? Math.sqrt(ss / count) : NaN,
    all: {
      count: total,
      min: total > 0 ? minAll : NaN,
      max: total > 0 ? maxAll : NaN,
      mean: meanAll,
      std: total > 0 ? Math.sqrt(ssAll / total) : NaN,
    },
  };
}
