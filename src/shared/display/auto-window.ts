/**
 * Which display window to show a CT slice in, for views that cannot ask a person (the PDF report): the
 * DICOM file's own Window Center/Width when it has one (the window the image was read in), else one of the
 * viewer's presets (WINDOW_PRESETS in src/shared/units.ts) chosen from what the slice contains, else, for
 * images whose values are not calibrated HU (phantoms, .npy stacks), the reference's own range. Always in HU.
 *
 * Content rules, over the pixels inside the patient (inside both the row span and the column span of the
 * pixels above -500 HU: the air around the body, the padding and the table gap are left out, the lungs are
 * kept), in this order:
 *   brain        bone (>= 300 HU) >= 8 %, brain-like tissue (0..80 HU) >= 25 % and bone + brain-like at least
 *                2.2 x fat (-200..-30 HU): a head (the neck and the back have more fat around the muscle)
 *   lung         lung densities (-950..-500 HU) >= 20 %: a chest through the lungs
 *   bone         bone >= 30 % (the vertex of the skull, extremities)
 *   soft-tissue  everything else (neck, abdomen, pelvis, spine, test objects in water)
 * The thresholds come from the bundled slices and the shared head series (tests/unit/display/auto-window):
 * they are a fallback, as DICOM CT images nearly always carry their own window.
 */
import { WINDOW_PRESETS, type Window } from '../units';

export type WindowSource = 'file' | 'content' | 'range';

export interface ChosenWindow extends Window {
  /** Where the window comes from, for the sentence under a figure. */
  source: WindowSource;
  /** Why, in words ("the DICOM file's Window Center/Width", "skull and brain tissue: ..."). */
  reason: string;
}

export interface WindowChoiceOptions {
  /** The DICOM file's first Window Center/Width, when it has one. */
  fileWindow?: { center: number; width: number; name?: string | null } | null;
  /** False for images whose values are not calibrated HU (phantoms, .npy): the range window is used. */
  calibrated?: boolean;
}

export interface TissueFractions {
  /** Fraction of all pixels that are inside the patient. */
  inside: number;
  /** Fractions of the inside pixels in the bands of the rules. */
  bone: number;
  brain: number;
  fat: number;
  lung: number;
}

/** Fractions of the pixels inside the patient (a `width`-wide row-major image) in the HU bands of the rules. */
export function tissueFractions(hu: ArrayLike<number>, width: number): TissueFractions {
  const height = Math.floor(hu.length / width);
  const rowIn = new Uint8Array(width * height);
  for (let i = 0; i < height; i++) {
    let a = -1;
    let b = -1;
    for (let j = 0; j < width; j++) {
      if (hu[i * width + j] > -500) {
        if (a < 0) a = j;
        b = j;
      }
    }
    for (let j = Math.max(a, 0); a >= 0 && j <= b; j++) rowIn[i * width + j] = 1;
  }
  let inside = 0;
  let bone = 0;
  let brain = 0;
  let fat = 0;
  let lung = 0;
  for (let j = 0; j < width; j++) {
    let a = -1;
    let b = -1;
    for (let i = 0; i < height; i++) {
      if (hu[i * width + j] > -500) {
        if (a < 0) a = i;
        b = i;
      }
    }
    for (let i = Math.max(a, 0); a >= 0 && i <= b; i++) {
      const k = i * width + j;
      if (!rowIn[k]) continue;
      const v = hu[k];
      inside++;
      if (v >= 300) bone++;
      else if (v >= 0 && v <= 80) brain++;
      else if (v >= -200 && v <= -30) fat++;
      else if (v >= -950 && v <= -500) lung++;
    }
  }
  const f = (k: number) => (inside > 0 ? k / inside : 0);
  return {
    inside: hu.length > 0 ? inside / (width * height) : 0,
    bone: f(bone),
    brain: f(brain),
    fat: f(fat),
    lung: f(lung),
  };
}

/** A window spanning [lo, hi] HU, widened to multiples of 10 HU (at least 10 HU wide). */
export function rangeWindow(lo: number, hi: number): Window {
  const a = Math.floor(Math.min(lo, hi) / 10) * 10;
  const b = Math.max(a + 10, Math.ceil(Math.max(lo, hi) / 10) * 10);
  return { name: 'reference range', center: (a + b) / 2, width: b - a };
}

function preset(name: keyof typeof WINDOW_PRESETS, reason: string): ChosenWindow {
  const p = WINDOW_PRESETS[name];
  return { ...p, source: 'content', reason };
}

const pct = (f: number) => `${Math.round(f * 100)} %`;

/** The window for a `width`-wide slice given in HU (see the file comment for the rules). */
export function chooseWindow(
  hu: ArrayLike<number>,
  width: number,
  o: WindowChoiceOptions = {},
): ChosenWindow {
  const fw = o.fileWindow;
  if (fw && Number.isFinite(fw.center) && Number.isFinite(fw.width) && fw.width >= 1) {
    // windowFromFile names an unexplained window "file-<k>": no name worth printing.
    const named = fw.name && !/^file-\d+$/.test(fw.name) ? fw.name : null;
    return {
      name: named ? `file window ${named}` : 'file window',
      center: fw.center,
      width: fw.width,
      source: 'file',
      reason: "the DICOM file's Window Center/Width",
    };
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < hu.length; i++) {
    const v = hu[i];
    if (Number.isFinite(v)) {
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (!(lo <= hi)) return { ...rangeWindow(-1000, 1000), source: 'range', reason: 'no finite pixel values' };
  const range = (): ChosenWindow => ({
    ...rangeWindow(lo, hi),
    source: 'range',
    reason: "the reference image's minimum to maximum",
  });
  if (o.calibrated === false) return range();
  const t = tissueFractions(hu, width);
  if (t.inside < 0.02) return range();
  if (t.bone >= 0.08 && t.brain >= 0.25 && t.bone + t.brain >= 2.2 * t.fat) {
    return preset('brain', `a head: ${pct(t.bone)} bone, ${pct(t.brain)} at 0-80 HU, little fat`);
  }
  if (t.lung >= 0.2) return preset('lung', `${pct(t.lung)} of the patient at lung densities`);
  if (t.bone >= 0.3) return preset('bone', `${pct(t.bone)} of the patient at bone densities`);
  return preset('soft-tissue', 'no head, lung or bone pattern');
}
