/**
 * The modality LUT, applied once, here: stored value -> HU = stored x Rescale Slope + Rescale Intercept
 * (PS3.3 C.11.1.1.2; for CT the output unit is HU, C.8.2.1.1.6), and the padding mask.
 *
 * Pixel Padding Value (0028,0120) and, when present, Pixel Padding Range Limit (0028,0121) mark pixels
 * outside the reconstructed field of view (PS3.3 C.7.5.1.1.2). They are compared with the *stored*
 * values (before rescale), read with the pixel data's signedness; padding pixels keep their rescaled
 * value in `hu` but are flagged in the mask so that statistics and resampling can leave them out.
 */
import type { DicomMeta, Rescale } from '@shared/dicom-types';
import type { StoredValues } from './stored-values';

export interface PaddingSpec {
  /** Inclusive range of stored values that are padding. */
  lo: number;
  hi: number;
}

export function paddingSpec(
  meta: Pick<DicomMeta, 'pixelPaddingValue' | 'pixelPaddingRangeLimit'>,
): PaddingSpec | null {
  const v = meta.pixelPaddingValue;
  if (v === null) return null;
  const limit = meta.pixelPaddingRangeLimit ?? v;
  return { lo: Math.min(v, limit), hi: Math.max(v, limit) };
}

export interface ModalityLutResult {
  hu: Float32Array;
  paddingMask: Uint8Array | null;
}

export function applyModalityLut(
  stored: StoredValues,
  rescale: Rescale,
  padding: PaddingSpec | null,
): ModalityLutResult {
  const n = stored.length;
  const hu = new Float32Array(n);
  const { slope, intercept } = rescale;
  for (let i = 0; i < n; i++) hu[i] = stored[i] * slope + intercept;
  if (!padding) return { hu, paddingMask: null };
  const mask = new Uint8Array(n);
  const { lo, hi } = padding;
  for (let i = 0; i < n; i++) {
    const s = stored[i];
    if (s >= lo && s <= hi) mask[i] = 1;
  }
  return { hu, paddingMask: mask };
}
