/**
 * Perturbation radii (DESIGN.md section 3): an eps is an l2 norm in the space the perturbation lives in, given
 * either absolute ("0.5") or relative to the norm of the clean signal ("1%": eps = 0.01 ||A x|| for
 * measurement-space perturbations, 0.01 ||x|| for image-space ones). Every result carries both numbers.
 *
 *   parseEpsList("0,0.5%,1%,2") -> [{absolute 0}, {relative 0.005}, {relative 0.01}, {absolute 2}]
 *   resolveEps(spec, ||A x||)   -> { eps, epsRelative }
 */
import { UsageError } from './errors';

export type EpsSpec =
  { kind: 'absolute'; value: number; text: string } | { kind: 'relative'; fraction: number; text: string };

/** eps in absolute units and relative to the reference norm. */
export interface ResolvedEps {
  eps: number;
  epsRelative: number;
}

const NUMBER = /^[+]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** One entry: "0.5" (absolute) or "0.5%" (percent of the reference norm). Negative or non-finite: UsageError. */
export function parseEps(text: string, name = 'eps'): EpsSpec {
  const t = text.trim();
  const relative = t.endsWith('%');
  const num = relative ? t.slice(0, -1).trim() : t;
  const v = Number(num);
  if (!NUMBER.test(num) || !Number.isFinite(v)) {
    throw new UsageError(
      `--${name}: "${text}" is not a radius; give a number >= 0 (absolute) or a percentage such as 1% (of the clean signal's norm)`,
    );
  }
  return relative
    ? { kind: 'relative', fraction: v / 100, text: t }
    : { kind: 'absolute', value: v, text: t };
}

/** A comma-separated list of entries, e.g. "0,0.5%,1%,2". At least one entry. */
export function parseEpsList(text: string, name = 'eps'): EpsSpec[] {
  const parts = text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (parts.length === 0)
    throw new UsageError(`--${name}: expected a comma-separated list of radii, got "${text}"`);
  return parts.map((p) => parseEps(p, name));
}

/**
 * The absolute and relative radius of `spec` for a slice whose clean signal has norm `referenceNorm`
 * (||A x|| or ||x||). A relative radius needs referenceNorm > 0; the relative value of an absolute radius is
 * NaN when referenceNorm is 0.
 */
export function resolveEps(spec: EpsSpec, referenceNorm: number): ResolvedEps {
  if (!(referenceNorm >= 0) || !Number.isFinite(referenceNorm)) {
    throw new UsageError(`eps: the reference norm must be a finite number >= 0, got ${referenceNorm}`);
  }
  if (spec.kind === 'relative') {
    if (referenceNorm === 0 && spec.fraction > 0) {
      throw new UsageError(
        `eps ${spec.text}: a relative radius needs a non-zero clean signal (its norm is 0)`,
      );
    }
    return { eps: spec.fraction * referenceNorm, epsRelative: spec.fraction };
  }
  return {
    eps: spec.value,
    epsRelative: referenceNorm > 0 ? spec.value / referenceNorm : spec.value === 0 ? 0 : NaN,
  };
}

/** Resolve one entry for every slice. */
export function resolveEpsForSlices(spec: EpsSpec, referenceNorms: readonly number[]): ResolvedEps[] {
  return referenceNorms.map((n) => resolveEps(spec, n));
}

/** "0.5" or "1%" (the canonical text of an entry). */
export function formatEps(spec: EpsSpec): string {
  return spec.kind === 'relative' ? `${+(spec.fraction * 100).toPrecision(12)}%` : `${spec.value}`;
}
