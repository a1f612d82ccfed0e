/**
 * Can the pixel values of a file labelled CT be read as CT numbers (HU)? Two checks, one per stage:
 *
 * From the header (`checkHuHeader`, what a header-only scan decides; PS3.3 C.8.2.1.1 makes Rescale Slope and
 * Intercept Type 1 for CT Image Storage, and HU is their output unit):
 *  - no Rescale Slope/Intercept on a Secondary Capture (SOP class 1.2.840.10008.5.1.4.1.1.7*), or with at
 *    most 8 bits stored: display values (0..255 screen grabs, exports), not HU: NotHuError;
 *  - none on unsigned pixels: stored values cannot be below 0, so air (-1000 HU) and fat (-100 HU) cannot
 *    be represented; the missing intercept is usually -1024: NotHuError;
 *  - none on signed pixels of more than 8 bits: stored values taken as HU (slope 1, intercept 0), an
 *    assumption that is reported as a warning (and checked again when decoding, below);
 *  - an assumption made while reading the rescale (extract-meta.ts readFrameRescale) is reported;
 *  - a Secondary Capture that does carry a rescale is read, with a warning.
 * From the decoded values (`checkHuValues`, when a slice is decoded):
 *  - no rescale and no stored value below 0 (padding excluded): the values are offset, not HU: NotHuError;
 *  - a Secondary Capture or an image of at most 8 bits whose every HU lies in 0..255: display values: NotHuError.
 *    A CT slice always shows air or fat around or inside the patient, so every pixel at or above water is
 *    not a reconstruction in HU.
 *
 * With `allowNonCt` (values explicitly accepted as not being HU) the errors become warnings.
 */
import { NotHuError } from '@shared/errors';
import type { DicomFrameHeader, DicomImage, DicomMeta } from '@shared/dicom-types';

/** Secondary Capture Image Storage and its multi-frame variants (PS3.4 B.5). */
const SECONDARY_CAPTURE_PREFIX = '1.2.840.10008.5.1.4.1.1.7';

export function isSecondaryCapture(sopClassUid: string | null): boolean {
  return sopClassUid !== null && sopClassUid.startsWith(SECONDARY_CAPTURE_PREFIX);
}

const OVERRIDE = ' (pass --allow-non-ct to load it anyway, as values that are not HU)';

interface HuContext {
  file: string;
  meta: DicomMeta;
  frames: DicomFrameHeader[];
}

function refuse(c: HuContext, reason: string, allow: boolean, warnings: string[], kind: string): void {
  if (allow) warnings.push(`${reason}: loaded as asked, values are not HU`);
  else throw new NotHuError(c.file, `${reason}${OVERRIDE}`, { check: kind });
}

/** Header-level decision for a CT header; returns the warnings to report. Non-CT headers pass unchanged. */
export function checkHuHeader(c: HuContext, allowNonCt = false): string[] {
  const warnings: string[] = [];
  if (c.meta.modality !== 'CT') return warnings;
  const sc = isSecondaryCapture(c.meta.sopClassUid);
  const assumed = new Set<string>();
  for (const f of c.frames) if (f.rescale.assumed) assumed.add(f.rescale.assumed);
  warnings.push(...assumed);
  const absent = c.frames.filter((f) => f.rescale.source === 'absent').length;
  if (absent > 0) {
    const which = absent === c.frames.length ? '' : ` in ${absent} of ${c.frames.length} frames`;
    const none = `no Rescale Slope/Intercept (0028,1053/1052)${which}`;
    if (sc) {
      refuse(
        c,
        `a Secondary Capture labelled CT with ${none}: its pixel values are display values (0..${2 ** c.meta.bitsStored - 1}), not HU`,
        allowNonCt,
        warnings,
        'secondary-capture',
      );
    } else if (c.meta.bitsStored <= 8) {
      refuse(
        c,
        `${c.meta.bitsStored}-bit pixels with ${none}: at most 256 grey levels are display values, not HU`,
        allowNonCt,
        warnings,
        'display-bits',
      );
    } else if (c.meta.pixelRepresentation === 0) {
      refuse(
        c,
        `${none} and unsigned pixels: stored values cannot go below 0, so air (-1000 HU) cannot be represented; ` +
          'the missing Rescale Intercept is usually -1024',
        allowNonCt,
        warnings,
        'unsigned-no-rescale',
      );
    } else {
      warnings.push(
        `CT image with ${none}: stored values taken as HU (slope 1, intercept 0), as their signed pixels allow; ` +
          'refused when decoded if no value lies below 0',
      );
    }
  }
  if (sc && absent === 0) {
    warnings.push(
      'Secondary Capture labelled CT: pixel values may not be calibrated HU (refused when decoded if all lie in 0..255)',
    );
  }
  const types = new Set(c.frames.map((f) => f.rescale.type).filter((t) => t !== null && t !== 'HU'));
  for (const t of types) warnings.push(`Rescale Type is '${t}', not HU`);
  return warnings;
}

/** Min and max HU of the non-padding pixels of every frame. */
function valueRange(image: DicomImage): { min: number; max: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const f of image.frames) {
    const v = f.hu;
    const mask = f.paddingMask;
    for (let i = 0; i < v.length; i++) {
      if (mask && mask[i]) continue;
      const x = v[i];
      if (x < min) min = x;
      if (x > max) max = x;
    }
  }
  return { min, max };
}

/** Value-level decision once a CT image is decoded. Without a rescale, HU are the stored values. */
export function checkHuValues(image: DicomImage, allowNonCt = false): string[] {
  const warnings: string[] = [];
  const { meta } = image;
  if (meta.modality !== 'CT') return warnings;
  if (image.frames.some((f) => f.rescale.source === 'absent')) {
    const { min } = valueRange(image);
    if (min >= 0) {
      refuse(
        image,
        `no Rescale Slope/Intercept and no stored value below 0 (minimum ${min}): the values are offset, not HU ` +
          '(a CT slice shows air at -1000 HU); the missing Rescale Intercept is usually -1024',
        allowNonCt,
        warnings,
        'no-rescale-no-negative',
      );
    }
  }
  if (isSecondaryCapture(meta.sopClassUid) || meta.bitsStored <= 8) {
    const { min, max } = valueRange(image);
    if (min >= 0 && max <= 255) {
      refuse(
        image,
        `every value lies in ${min}..${max}, the 0..255 range of display values (${meta.bitsStored}-bit ` +
          `${isSecondaryCapture(meta.sopClassUid) ? 'Secondary Capture' : 'image'}; no air or fat below 0 HU): not HU`,
        allowNonCt,
        warnings,
        'display-range',
      );
    }
  }
  return warnings;
}
