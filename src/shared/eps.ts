/**
 * Perturbation radii and smoothing noise levels (DESIGN.md section 3), one grammar for the CLI, the audit spec,
 * the IPC requests and the UI forms.
 *
 * A radius eps is the l2 norm of a perturbation in the space it lives in (the measurement y, or the image x
 * entering as A xi). Entries:
 *   "0.5"    absolute l2 norm (line-integral units in y, canonical image units in x)
 *   "1%"     relative: eps = 0.01 ||A x|| (y) or 0.01 ||x|| (x), the unit of papers/000's experiments
 *   "5HU"    HU-equivalent RMS: the perturbation has the l2 norm of white image noise of 5 HU per pixel (RMS)
 *            seen in its space: eps = 5/1000 * sqrt(N^2) in x, 5/1000 * ||A||_F in y (||A||_F^2 is the
 *            expected ||A z||^2 of unit white noise z). It does not change meaning with the image size and
 *            puts image and measurement perturbations on one scale a radiologist can read.
 * Every resolved radius carries all three numbers (value, relative, hu), so results can always be compared.
 *
 * A smoothing noise level sigma is a per-element standard deviation in the same space. Entries:
 *   "0.05"   absolute;   "2%" of the RMS of the clean signal;   "10HU" HU-equivalent per-element level
 *   (the per-element std whose l2 norm over the space equals that of 10 HU white image noise);
 *   "eps/1.5" tied to the certified radius: sigma = eps / 1.5, i.e. eps/sigma = 1.5 (the ratio that decides
 *            whether a certificate exists: papers/002 Corollary 3.2, p = Phi(eps/sigma)).
 *
 *   parseEpsList("0,0.5%,5HU") -> entries;  resolveEps(entry, scale) -> { eps, epsRelative, epsHu }
 */
import { UsageError } from './errors';

export type EpsSpec =
  | { kind: 'absolute'; value: number; text: string }
  | { kind: 'relative'; fraction: number; text: string }
  | { kind: 'hu'; hu: number; text: string };

/**
 * What a radius is measured against for one slice in one space: the clean signal's norm (||A x|| or ||x||),
 * and the l2 norm in that space of a 1 HU-equivalent RMS perturbation (sqrt(N^2)/1000 in x,
 * ||A||_F/1000 in y), plus the number of elements (to turn l2 norms into per-element levels).
 */
export interface RadiusScale {
  norm: number;
  perHu: number;
  elements: number;
}

/** eps in absolute units, relative to the clean signal's norm, and in HU-equivalent RMS. */
export interface ResolvedEps {
  eps: number;
  epsRelative: number;
  epsHu: number;
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

function parseNonNegative(num: string): number | null {
  const v = Number(num);
  return NUMBER.test(num) && Number.isFinite(v) ? v : null;
}

/** One entry: "0.5", "0.5%" or "5HU". Negative, non-finite or malformed: UsageError naming the option. */
export function parseEps(text: string, name = 'eps'): EpsSpec {
  const t = text.trim();
  const bad = () =>
    new UsageError(
      `--${name}: "${text}" is not a radius; give a number >= 0 (absolute l2 norm), a percentage such as 1% (of the clean signal's norm) or an HU-equivalent RMS such as 5HU`,
    );
  if (/hu$/i.test(t)) {
    const v = parseNonNegative(t.slice(0, -2).trim());
    if (v === null) throw bad();
    return { kind: 'hu', hu: v, text: t };
  }
  const relative = t.endsWith('%');
  const v = parseNonNegative(relative ? t.slice(0, -1).trim() : t);
  if (v === null) throw bad();
  return relative
    ? { kind: 'relative', fraction: v / 100, text: t }
    : { kind: 'absolute', value: v, text: t };
}

/** Split "a, b,c" into trimmed non-empty parts; at least one. */
export function splitList(text: string, name: string, what = 'values'): string[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0)
    throw new UsageError(`--${name}: expected a comma-separated list of ${what}, got "${text}"`);
  return parts;
}

/** A comma-separated list of entries, e.g. "0,0.5%,1%,5HU". At least one entry. */
export function parseEpsList(text: string, name = 'eps'): EpsSpec[] {
  return splitList(text, name, 'radii').map((p) => parseEps(p, name));
}

function checkScale(s: RadiusScale): void {
  for (const [k, v] of Object.entries(s)) {
    if (!(v >= 0) || !Number.isFinite(v)) {
      throw new UsageError(`eps: the reference ${k} must be a finite number >= 0, got ${v}`);
    }
  }
}

/**
 * The absolute, relative and HU-equivalent radius of `spec` for one slice. A relative radius needs a non-zero
 * clean signal; the relative value of another entry is NaN when the norm is 0.
 */
export function resolveEps(spec: EpsSpec, scale: RadiusScale): ResolvedEps {
  checkScale(scale);
  let eps: number;
  if (spec.kind === 'relative') {
    if (scale.norm === 0 && spec.fraction > 0) {
      throw new UsageError(
        `eps ${spec.text}: a relative radius needs a non-zero clean signal (its norm is 0)`,
      );
    }
    eps = spec.fraction * scale.norm;
  } else if (spec.kind === 'hu') {
    eps = spec.hu * scale.perHu;
  } else {
    eps = spec.value;
  }
  return describeRadius(eps, scale, spec.kind === 'relative' ? spec.fraction : undefined);
}

/** All three numbers of an absolute radius (e.g. the norm an attack actually reached). */
export function describeRadius(eps: number, scale: RadiusScale, exactRelative?: number): ResolvedEps {
  return {
    eps,
    epsRelative: exactRelative ?? (scale.norm > 0 ? eps / scale.norm : eps === 0 ? 0 : NaN),
    epsHu: scale.perHu > 0 ? eps / scale.perHu : eps === 0 ? 0 : NaN,
  };
}

/** "0.5", "1%" or "5HU" (the canonical text of an entry). */
export function formatEps(spec: EpsSpec): string {
  if (spec.kind === 'relative') return `${+(spec.fraction * 100).toPrecision(12)}%`;
  if (spec.kind === 'hu') return `${+spec.hu.toPrecision(12)}HU`;
  return `${spec.value}`;
}

// ---------------------------------------------------------------------------------------------------------
// Smoothing noise levels

export type SigmaSpec =
  | { kind: 'absolute'; value: number; text: string }
  | { kind: 'relative'; fraction: number; text: string }
  | { kind: 'hu'; hu: number; text: string }
  | { kind: 'ratio'; ratio: number; text: string };

/** One sigma entry: "0.05", "2%", "10HU" or "eps/1.5" (all > 0). */
export function parseSigma(text: string | number, name = 'sigma'): SigmaSpec {
  const t = String(text).trim();
  const bad = () =>
    new UsageError(
      `--${name}: "${text}" is not a noise level; give a number > 0, a percentage of the clean signal's RMS such as 2%, an HU-equivalent level such as 10HU, or eps/k (sigma = radius / k, k > 0)`,
    );
  const positive = (s: string) => {
    const v = parseNonNegative(s.trim());
    if (v === null || !(v > 0)) throw bad();
    return v;
  };
  const ratio = /^eps\s*\/\s*(.+)$/i.exec(t);
  if (ratio) return { kind: 'ratio', ratio: positive(ratio[1]), text: `eps/${ratio[1].trim()}` };
  if (/hu$/i.test(t)) return { kind: 'hu', hu: positive(t.slice(0, -2)), text: t };
  if (t.endsWith('%')) return { kind: 'relative', fraction: positive(t.slice(0, -1)) / 100, text: t };
  return { kind: 'absolute', value: positive(t), text: t };
}

export function parseSigmaList(text: string, name = 'sigma'): SigmaSpec[] {
  return splitList(text, name, 'noise levels').map((p) => parseSigma(p, name));
}

/**
 * The per-element sigma of an entry for one slice, certifying radius `eps` (absolute, same space). A ratio
 * entry needs eps > 0: at radius 0 the caller passes the smallest positive radius of its grid (a certificate
 * at radius 0 bounds the clean smoothed error with the noise the nearest radius uses).
 */
export function resolveSigma(spec: SigmaSpec, scale: RadiusScale, eps: number): number {
  checkScale(scale);
  const rms = scale.elements > 0 ? scale.norm / Math.sqrt(scale.elements) : 0;
  let v: number;
  if (spec.kind === 'absolute') v = spec.value;
  else if (spec.kind === 'relative') v = spec.fraction * rms;
  else if (spec.kind === 'hu')
    v = scale.elements > 0 ? (spec.hu * scale.perHu) / Math.sqrt(scale.elements) : 0;
  else v = eps / spec.ratio;
  if (!(v > 0) || !Number.isFinite(v)) {
    throw new UsageError(
      spec.kind === 'ratio'
        ? `sigma ${spec.text}: needs a positive radius (the grid has none)`
        : `sigma ${spec.text}: resolves to ${v} for this slice (is the clean signal zero?)`,
    );
  }
  return v;
}

/** The canonical text of a sigma entry ("2%", "10HU", "eps/1.5", "0.05"). */
export function formatSigma(spec: SigmaSpec): string {
  if (spec.kind === 'relative') return `${+(spec.fraction * 100).toPrecision(12)}%`;
  if (spec.kind === 'hu') return `${+spec.hu.toPrecision(12)}HU`;
  if (spec.kind === 'ratio') return `eps/${+spec.ratio.toPrecision(12)}`;
  return `${spec.value}`;
}
