/**
 * A slice -> N x N by area averaging, then (optionally) the canonical unit of DESIGN.md section 3.
 *
 * A non-square slice (rows x cols) is first padded to S x S, S = max(rows, cols), with air (-1000 HU),
 * centred (the odd pixel, if any, goes to the bottom / right). Output pixel i along an axis covers the
 * input interval [i S/N, (i+1) S/N); its value is the area-weighted mean of the input pixels it overlaps
 * (exact box weights, also for non-integer ratios and for N > S). The operator is separable:
 * out = W P W^T with W[i][k] = |[i S/N, (i+1) S/N) intersect [k, k+1)| / (S/N). Overlaps are computed in
 * integers (units of 1/N), so the weights are exact rationals. Pixel spacing scales by S / N.
 * Padding pixels (Pixel Padding Value mask) are treated as air before averaging, so that the fill
 * value outside the field of view (e.g. -3024 HU) does not bleed into the edge of the body.
 */
import { ShapeError } from '@shared/errors';
import { HU_AIR, huArrayToX } from '@shared/units';
import type { DicomFrame, FramePlane } from '@shared/dicom-types';

export interface ResampleOptions {
  /** HU used to pad to square and to replace padding pixels (default -1000, air). */
  fillHu?: number;
  /** 1 = padding pixel (replaced by fillHu). */
  paddingMask?: ArrayLike<number> | null;
}

export interface ResampledSlice {
  hu: Float32Array;
  size: number;
  /** [between rows, between columns] in mm after resampling; null when the input spacing is unknown. */
  spacingMm: [number, number] | null;
}

/** Sparse rows of W: for each output index, the input indices and weights (weights sum to 1). */
function boxWeights(s: number, n: number): { start: Int32Array; weights: Float64Array[] } {
  const start = new Int32Array(n);
  const weights: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    // Output interval [i S, (i+1) S) and input pixel k = [k N, (k+1) N), both in units of 1/N.
    const a = i * s;
    const b = (i + 1) * s;
    const k0 = Math.floor(a / n);
    const k1 = Math.ceil(b / n) - 1;
    const w = new Float64Array(k1 - k0 + 1);
    for (let k = k0; k <= k1; k++) {
      const overlap = Math.min(b, (k + 1) * n) - Math.max(a, k * n);
      w[k - k0] = overlap / s;
    }
    start[i] = k0;
    weights.push(w);
  }
  return { start, weights };
}

export function resampleSquare(
  hu: ArrayLike<number>,
  rows: number,
  cols: number,
  spacingMm: [number, number] | null,
  n: number,
  opts: ResampleOptions = {},
): ResampledSlice {
  if (hu.length !== rows * cols) {
    throw new ShapeError(
      `resampleSquare: expected ${rows} x ${cols} = ${rows * cols} values, got ${hu.length}`,
    );
  }
  if (!Number.isInteger(n) || n < 1)
    throw new ShapeError(`resampleSquare: N must be a positive integer, got ${n}`);
  const fill = opts.fillHu ?? HU_AIR;
  const mask = opts.paddingMask ?? null;
  const s = Math.max(rows, cols);
  const top = Math.floor((s - rows) / 2);
  const left = Math.floor((s - cols) / 2);
  // P: the padded S x S slice.
  const p = new Float64Array(s * s).fill(fill);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c;
      p[(r + top) * s + c + left] = mask && mask[i] ? fill : hu[i];
    }
  }
  const { start, weights } = boxWeights(s, n);
  // T = P W^T (S x N), then out = W T (N x N).
  const t = new Float64Array(s * n);
  for (let r = 0; r < s; r++) {
    for (let j = 0; j < n; j++) {
      const w = weights[j];
      const k0 = start[j];
      let acc = 0;
      for (let q = 0; q < w.length; q++) acc += w[q] * p[r * s + k0 + q];
      t[r * n + j] = acc;
    }
  }
  const out = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const w = weights[i];
    const k0 = start[i];
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let q = 0; q < w.length; q++) acc += w[q] * t[(k0 + q) * n + j];
      out[i * n + j] = acc;
    }
  }
  const scale = s / n;
  return {
    hu: out,
    size: n,
    spacingMm: spacingMm ? [spacingMm[0] * scale, spacingMm[1] * scale] : null,
  };
}

export interface CanonicalSlice {
  /** x = max(0, 1 + HU / 1000), N x N row-major (DESIGN.md section 3). */
  x: Float32Array;
  size: number;
  spacingMm: [number, number] | null;
}

/** A decoded frame -> N x N canonical image: padding to air, area resampling, huArrayToX. */
export function frameToCanonical(
  frame: Pick<DicomFrame, 'hu' | 'paddingMask'> & { plane?: FramePlane },
  rows: number,
  cols: number,
  n: number,
): CanonicalSlice {
  const r = resampleSquare(frame.hu, rows, cols, frame.plane?.pixelSpacing ?? null, n, {
    paddingMask: frame.paddingMask,
  });
  return { x: huArrayToX(r.hu, r.hu), size: n, spacingMm: r.spacingMm };
}
