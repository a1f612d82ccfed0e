/**
 * Chart data from what an audit writes (src/shared/audit-results.ts): result lines (any number of slices, e.g.
 * the one-slice audit's lines) or summary.json, turned into the chart builders' inputs (ReportRhoHatCurve,
 * ReportSigmaSweep), so the UI draws the PDF's charts from the same numbers.
 *
 *   rhoHatCurvesFromLines(lines)           mean Delta_max per radius and model, spread over slices, the clean
 *                                          error at eps 0 first (as the report's curves)
 *   rhoHatCurvesFromSummary(summary)       the same from summary.json (its stats have min/median/max only)
 *   sigmaSweepsFromLines(lines, epsIndex)  per model at one radius: the certified bound and the smoothed and
 *                                          certified PSNR against sigma, the best sigma marked
 *   chartModelsOf(names)                   ChartModel entries (fbp is the grey baseline)
 */
import type { AuditSummary, ResultLine } from '../audit-results';
import { spreadOf, type ReportRhoHatCurve, type ReportSigmaSweep } from '../report-input';
import { HU_PER_X } from '../units';
import type { ChartModel } from './palette';

const mean = (v: readonly number[]): number =>
  v.length === 0 ? NaN : v.reduce((s, a) => s + a, 0) / v.length;

function meanOrNull(v: readonly (number | null)[]): number | null {
  const ok = v.filter((a): a is number => a !== null && Number.isFinite(a));
  return ok.length === v.length && ok.length > 0 ? mean(ok) : null;
}

function byModel(lines: readonly ResultLine[]): Map<string, ResultLine[]> {
  const out = new Map<string, ResultLine[]>();
  for (const l of [...lines].sort((a, b) => a.model.index - b.model.index)) {
    const list = out.get(l.model.name) ?? [];
    list.push(l);
    out.set(l.model.name, list);
  }
  return out;
}

/** The chart's models, in order; `fbp` (the audit's baseline name) drawn as the grey baseline. */
export function chartModelsOf(names: readonly string[]): ChartModel[] {
  return names.map((n) => ({ id: n, name: n === 'fbp' ? 'FBP' : n, kind: n === 'fbp' ? 'fbp' : 'model' }));
}

/**
 * rho-hat(eps) per model from result lines (eq. 9 of papers/000: the mean over slices of Delta_max), with the
 * spread over slices, and the clean error as the point at eps 0 unless the grid has a zero radius. Points with
 * an undefined relative radius are left out (the chart's axis is relative).
 */
export function rhoHatCurvesFromLines(lines: readonly ResultLine[]): ReportRhoHatCurve[] {
  const curves: ReportRhoHatCurve[] = [];
  for (const [model, mine] of byModel(lines)) {
    const first = mine[0];
    const points: ReportRhoHatCurve['points'] = [];
    const cleanPerSlice = [...new Map(mine.map((l) => [l.slice.index, l])).values()];
    if (!mine.some((l) => l.eps.relative === 0)) {
      const errors = cleanPerSlice.map((l) => l.clean.error);
      points.push({
        spec: '0 (clean)',
        eps: 0,
        epsRelative: 0,
        rhoHat: mean(errors),
        spread: spreadOf(errors),
        psnr: meanOrNull(cleanPerSlice.map((l) => l.clean.psnr)),
        slices: cleanPerSlice.length,
      });
    }
    const indices = [...new Set(mine.map((l) => l.epsIndex))].sort((a, b) => a - b);
    for (const k of indices) {
      const at = mine.filter((l) => l.epsIndex === k);
      if (at.some((l) => l.eps.relative === null)) continue;
      const errors = at.map((l) => l.attack.perturbed.error);
      points.push({
        spec: at[0].eps.spec,
        eps: mean(at.map((l) => l.eps.value)),
        epsRelative: mean(at.map((l) => l.eps.relative as number)),
        rhoHat: mean(errors),
        spread: spreadOf(errors),
        relativeError: mean(at.map((l) => l.attack.perturbed.error / l.reference.norm)),
        psnr: meanOrNull(at.map((l) => l.attack.perturbed.psnr)),
        slices: at.length,
      });
    }
    curves.push({
      model,
      attack: { kind: first.attack.kind, space: first.eps.space, settings: {} },
      points,
    });
  }
  return curves;
}

/**
 * rho-hat(eps) per model from summary.json. Its per-radius stats carry min, median and max over slices but no
 * quartiles: q1/q3 are NaN (unknown), so draw these curves with the min-max spread (band 'range') only.
 */
export function rhoHatCurvesFromSummary(summary: AuditSummary): ReportRhoHatCurve[] {
  const grid = summary.attack;
  if (!grid) return [];
  return summary.rhoHat.map((r) => {
    const spread = (s: { min: number; median: number; max: number }) => ({
      min: s.min,
      q1: NaN,
      median: s.median,
      q3: NaN,
      max: s.max,
    });
    const points: ReportRhoHatCurve['points'] = [];
    if (!r.points.some((p) => p.meanRelative === 0)) {
      points.push({
        spec: '0 (clean)',
        eps: 0,
        epsRelative: 0,
        rhoHat: r.clean.mean,
        spread: spread(r.clean),
        psnr: r.cleanPsnr,
        slices: r.clean.n,
      });
    }
    for (const p of r.points) {
      if (p.meanRelative === null) continue;
      points.push({
        spec: p.spec,
        eps: grid.eps.find((e) => e.index === p.epsIndex)?.meanValue ?? NaN,
        epsRelative: p.meanRelative,
        rhoHat: p.rhoHat,
        spread: spread(p.stats),
        psnr: p.meanPsnr,
        slices: p.stats.n,
      });
    }
    return { model: r.model, attack: { kind: grid.kind, space: grid.space, settings: {} }, points };
  });
}

export interface SigmaSweepFromLinesOptions {
  /**
   * The sigma axis: the per-element value in the perturbation's space ('value', as the PDF), or its
   * HU-equivalent level ('hu', comparable across spaces and image sizes). Default 'value'.
   */
  sigma?: 'value' | 'hu';
  /**
   * The bound axis: the certified (1/n)||f - r||^2 in canonical units ('mse', as the PDF) or its square root in
   * HU ('rms-hu': the per-pixel RMS error a reader knows). Default 'mse'.
   */
  bound?: 'mse' | 'rms-hu';
}

/**
 * Per model at grid point `epsIndex`: the certified bound of the smoothed median error and the smoothed and
 * certified PSNR per sigma (means over the slices of the lines; the bound only where every slice certifies), and
 * the best sigma: the highest mean certified PSNR with every slice certified (as summary.json's bestSigma).
 */
export function sigmaSweepsFromLines(
  lines: readonly ResultLine[],
  epsIndex: number,
  o: SigmaSweepFromLinesOptions = {},
): ReportSigmaSweep[] {
  const sweeps: ReportSigmaSweep[] = [];
  for (const [model, mine] of byModel(lines)) {
    const at = mine.filter((l) => l.epsIndex === epsIndex && l.certification !== null);
    if (at.length === 0) continue;
    const cert = at[0].certification!;
    const sigmaIndices = cert.perSigma.map((s) => s.sigmaIndex);
    const points = sigmaIndices.map((j) => {
      const per = at.map((l) => l.certification!.perSigma.find((s) => s.sigmaIndex === j)!);
      const abstained = per.filter((s) => s.abstain).length;
      const sigma =
        o.sigma === 'hu' ? meanOrNull(per.map((s) => s.sigmaHu)) : mean(per.map((s) => s.sigmaValue));
      const bound =
        abstained > 0
          ? null
          : mean(per.map((s) => (o.bound === 'rms-hu' ? HU_PER_X * Math.sqrt(s.certified!) : s.certified!)));
      return {
        sigmaIndex: j,
        sigma: sigma ?? NaN,
        certifiedDiscrepancy: bound,
        smoothedPsnr: meanOrNull(per.map((s) => s.smoothed.psnr)),
        certifiedPsnr: abstained > 0 ? null : meanOrNull(per.map((s) => s.certifiedQuality?.psnr ?? null)),
        abstained,
      };
    });
    const candidates = points.filter((p) => p.abstained === 0 && p.certifiedPsnr !== null);
    const best = candidates.reduce<(typeof points)[number] | null>(
      (b, p) => (b === null || (p.certifiedPsnr as number) > (b.certifiedPsnr as number) ? p : b),
      null,
    );
    sweeps.push({
      model,
      space: cert.space,
      eps: mean(at.map((l) => l.eps.value)),
      epsRelative: mean(at.map((l) => l.eps.relative ?? NaN)),
      confidence: cert.confidence,
      samples: cert.samples,
      points: points.map((p) => ({
        sigma: p.sigma,
        certifiedDiscrepancy: p.certifiedDiscrepancy,
        smoothedPsnr: p.smoothedPsnr,
        certifiedPsnr: p.certifiedPsnr,
        abstained: p.abstained,
      })),
      bestSigma: best ? best.sigma : null,
      bestReason: best ? null : 'no sigma certifies every slice at this radius',
    });
  }
  return sweeps;
}
