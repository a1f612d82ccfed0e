/**
 * HU -> 8-bit display values for a window (center/width), with the DICOM linear VOI function
 * (PS3.3 C.11.2.1.2.1):
 *   x <= c - 0.5 - (w - 1) / 2  -> 0
 *   x >  c - 0.5 + (w - 1) / 2  -> 255
 *   else ((x - (c - 0.5)) / (w - 1) + 0.5) * 255, rounded.
 * Window presets live in src/shared/units.ts; the file's own Window Center/Width is `windowFromFile`.
 */
import { InputError } from '@shared/errors';
import { WINDOW_PRESETS, type Window } from '@shared/units';
import type { DicomMeta } from '@shared/dicom-types';

export interface WindowOptions {
  /** Pixels flagged 1 here are drawn black (0) whatever their value. */
  paddingMask?: ArrayLike<number> | null;
  out?: Uint8Array;
}

export function applyWindow(
  hu: ArrayLike<number>,
  window: Pick<Window, 'center' | 'width'>,
  opts: WindowOptions = {},
): Uint8Array {
  const { center: c, width: w } = window;
  if (!Number.isFinite(c) || !Number.isFinite(w) || w < 1) {
    throw new InputError(`applyWindow: window width must be >= 1 and finite (got center ${c}, width ${w})`);
  }
  const out = opts.out ?? new Uint8Array(hu.length);
  if (out.length !== hu.length) {
    throw new InputError(`applyWindow: out has ${out.length} elements, hu has ${hu.length}`);
  }
  const lo = c - 0.5 - (w - 1) / 2;
  const hi = c - 0.5 + (w - 1) / 2;
  const mask = opts.paddingMask ?? null;
  for (let i = 0; i < hu.length; i++) {
    const x = hu[i];
    if (mask && mask[i]) out[i] = 0;
    else if (x <= lo) out[i] = 0;
    else if (x > hi) out[i] = 255;
    else out[i] = Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * 255);
  }
  return out;
}

/** The file's own window (first Window Center/Width pair by default), or null when it has none. */
export function windowFromFile(meta: Pick<DicomMeta, 'windows'>, index = 0): Window | null {
  const w = meta.windows[index];
  if (!w) return null;
  return { name: w.explanation ?? `file-${index + 1}`, center: w.center, width: w.width };
}

/** A named preset ('soft-tissue', 'lung', 'bone', 'brain'). */
export function windowPreset(name: string): Window {
  const w = WINDOW_PRESETS[name];
  if (!w) {
    throw new InputError(
      `unknown window preset '${name}' (known: ${Object.keys(WINDOW_PRESETS).join(', ')})`,
    );
  }
  return w;
}
