/**
 * summary.json from results.jsonl alone (DESIGN.md section 5): rho-hat(eps) per model with its spread over
 * slices (eq. 9 of papers/000), the smoothed estimates and certificates at every attacked radius (papers/002
 * Table 1: per model, radius and sigma; the best sigma per model and radius), and the worst slices. A pure function of the lines, independent of their order (they are sorted first), so a resumed
 * audit, an uninterrupted one and `ct-audit report --from` give the same file.
 */
import {
  SUMMARY_FORMAT,
  SUMMARY_VERSION,
  type AuditSummary,
  type ResultLine,
  type Stats,
} from '@shared/audit-results';

export function stats(values: readonly number[]): Stats {
  const n = values.length;
  if (n === 0) return { n: 0, mean: 0, std: 0, min: 0, median: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const variance = n > 1 ? values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1) : 0;
  const m = n >> 1;
  return {
    n,
    mean,
    std: Math.sqrt(variance),
    min: sorted[0],
    median: n % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2,
    max: sorted[n - 1],
  };
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((s, v) => s + v, 0) / values.length;
}

/** Mean of values that may be null (an infinite PSNR); null when any is null or there are none. */
function meanOrNull(values: readonly (number | null)[]): number | null {
  if (values.length === 0 || values.some((v) => v === null)) return null;
  return mean(values as number[]);
}

function compareLines(a: ResultLine, b: ResultLine): number {
  return a.model.index - b.model.index || a.slice.index - b.slice.index || a.epsIndex - b.epsIndex;
}

/** The summary of `lines` (any order); `worstSlices` per model (default 3). */
export function summarize(input: readonly ResultLine[], o: { worstSlices?: number } = {}): AuditSummary {
  const lines = [...input].sort(compareLines);
  const worstCount = o.worstSlices ?? 3;
  const modelsByIndex = new Map<
    number,
    { index: number; name: string; description: string; slices: Set<number> }
  >();
  const sliceGroups = new Map<number, string>();
  for (const l of lines) {
    const m = modelsByIndex.get(l.model.index) ?? { ...l.model, slices: new Set<number>() };
    m.slices.add(l.slice.index);
    modelsByIndex.set(l.model.index, m);
    sliceGroups.set(l.slice.index, l.slice.group);
  }
  const models = [...modelsByIndex.values()].sort((a, b) => a.index - b.index);
  const attackLines = lines;
  const certLines = lines.filter((l) => l.certification !== null);

  const epsOf = (ls: ResultLine[]) => {
    const byIndex = new Map<number, ResultLine[]>();
    for (const l of ls) byIndex.set(l.epsIndex, [...(byIndex.get(l.epsIndex) ?? []), l]);
    return [...byIndex.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, g]) => ({
        index,
        spec: g[0].eps.spec,
        meanValue: mean(g.map((l) => l.eps.value)),
        meanRelative: meanOrNull(g.map((l) => l.eps.relative)),
        meanHu: meanOrNull(g.map((l) => l.eps.hu)),
      }));
  };

  const attackEps = epsOf(attackLines);
  const rhoHat: AuditSummary['rhoHat'] = [];
  const worst: AuditSummary['worst'] = [];
  for (const m of models) {
    const mine = attackLines.filter((l) => l.model.index === m.index);
    if (mine.length === 0) continue;
    const firstPerSlice = new Map<number, ResultLine>();
    for (const l of mine) if (!firstPerSlice.has(l.slice.index)) firstPerSlice.set(l.slice.index, l);
    const clean = [...firstPerSlice.values()];
    const cleanStats = stats(clean.map((l) => l.clean.error));
    const points = attackEps.map((e) => {
      const at = mine.filter((l) => l.epsIndex === e.index);
      const errors = at.map((l) => l.attack.perturbed.error);
      const st = stats(errors);
      const sigmaIdx = [
        ...new Set(at.flatMap((l) => (l.certification?.perSigma ?? []).map((s) => s.sigmaIndex))),
      ].sort((a, b) => a - b);
      return {
        epsIndex: e.index,
        spec: e.spec,
        meanRelative: meanOrNull(at.map((l) => l.eps.relative)),
        meanHu: meanOrNull(at.map((l) => l.eps.hu)),
        rhoHat: st.mean,
        stats: st,
        ratioToClean: cleanStats.mean > 0 ? st.mean / cleanStats.mean : null,
        meanPsnr: meanOrNull(at.map((l) => l.attack.perturbed.psnr)),
        meanSsim: mean(at.map((l) => l.attack.perturbed.ssim)),
        smoothed: sigmaIdx.map((j) => {
          const s = at.flatMap((l) => (l.certification?.perSigma ?? []).filter((v) => v.sigmaIndex === j));
          return {
            sigmaIndex: j,
            sigma: s[0].sigma,
            meanError: mean(s.map((v) => v.smoothed.error)),
            meanPsnr: meanOrNull(s.map((v) => v.smoothed.psnr)),
          };
        }),
      };
    });
    rhoHat.push({
      model: m.name,
      attack: mine[0].attack.kind,
      clean: cleanStats,
      cleanPsnr: meanOrNull(clean.map((l) => l.clean.psnr)),
      cleanSsim: mean(clean.map((l) => l.clean.ssim)),
      points,
    });
    const last = attackEps[attackEps.length - 1].index;
    const ranked = mine
      .filter((l) => l.epsIndex === last)
      .sort((a, b) => b.attack!.perturbed.error - a.attack!.perturbed.error || a.slice.index - b.slice.index)
      .slice(0, worstCount);
    worst.push({
      model: m.name,
      epsIndex: last,
      slices: ranked.map((l, r) => ({
        rank: r + 1,
        sliceIndex: l.slice.index,
        sliceId: l.slice.id,
        group: l.slice.group,
        error: l.attack.perturbed.error,
        cleanError: l.clean.error,
      })),
    });
  }

  let certification: AuditSummary['certification'] = null;
  if (certLines.length > 0) {
    const c0 = certLines[0].certification!;
    const sigmaIndex = new Map<number, string>();
    for (const l of certLines)
      for (const s of l.certification!.perSigma) sigmaIndex.set(s.sigmaIndex, s.sigma);
    const sigmas = [...sigmaIndex.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([index, spec]) => ({ index, spec }));
    const certEps = epsOf(certLines);
    const table: NonNullable<AuditSummary['certification']>['table'] = [];
    const bestSigma: NonNullable<AuditSummary['certification']>['bestSigma'] = [];
    for (const m of models) {
      for (const e of certEps) {
        const at = certLines.filter((l) => l.model.index === m.index && l.epsIndex === e.index);
        if (at.length === 0) continue;
        const rows = sigmas.map((s) => {
          const per = at.flatMap((l) => l.certification!.perSigma.filter((v) => v.sigmaIndex === s.index));
          const cert = per.filter((v) => !v.abstain);
          return {
            model: m.name,
            epsIndex: e.index,
            sigmaIndex: s.index,
            slices: per.length,
            certifiedSlices: cert.length,
            abstentions: per.length - cert.length,
            reasons: [...new Set(per.filter((v) => v.abstain).map((v) => v.reason ?? 'abstain'))],
            meanSigma: mean(per.map((v) => v.sigmaValue)),
            meanSigmaHu: meanOrNull(per.map((v) => v.sigmaHu)),
            meanMedian: mean(per.map((v) => v.median)),
            meanCertified: cert.length > 0 ? mean(cert.map((v) => v.certified as number)) : null,
            maxCertified:
              cert.length === per.length && cert.length > 0
                ? Math.max(...cert.map((v) => v.certified as number))
                : null,
            meanSmoothedPsnr: meanOrNull(per.map((v) => v.smoothed.psnr)),
            meanSmoothedSsim: mean(per.map((v) => v.smoothed.ssim)),
            meanCertifiedPsnr:
              cert.length === per.length && cert.length > 0
                ? meanOrNull(cert.map((v) => v.certifiedQuality?.psnr ?? null))
                : null,
            meanCertifiedSsim:
              cert.length === per.length && cert.length > 0
                ? mean(cert.map((v) => v.certifiedQuality?.ssim ?? 0))
                : null,
            minMaxRadius: Math.min(...per.map((v) => v.maxRadius)),
          };
        });
        table.push(...rows);
        // The best mean certified PSNR with every slice certified (papers/002 Table 1's "best sigma").
        let best: (typeof rows)[number] | undefined;
        for (const r of rows) {
          if (
            r.meanCertifiedPsnr !== null &&
            (!best || r.meanCertifiedPsnr > (best.meanCertifiedPsnr as number))
          )
            best = r;
        }
        bestSigma.push({
          model: m.name,
          epsIndex: e.index,
          sigmaIndex: best ? best.sigmaIndex : null,
          sigma: best ? sigmas.find((s) => s.index === best!.sigmaIndex)!.spec : null,
          meanCertifiedPsnr: best ? best.meanCertifiedPsnr : null,
          meanCertified: best ? best.meanCertified : null,
          reason: best ? null : 'every sigma abstains on at least one slice (or a PSNR is infinite)',
        });
      }
    }
    certification = {
      reference: c0.reference,
      space: c0.space,
      samples: c0.samples,
      confidence: c0.confidence,
      quantile: c0.quantile,
      eps: certEps,
      sigma: sigmas,
      table,
      bestSigma,
    };
  }

  return {
    format: SUMMARY_FORMAT,
    version: SUMMARY_VERSION,
    lines: lines.length,
    slices: { count: sliceGroups.size, groups: new Set(sliceGroups.values()).size },
    models: models.map((m) => ({
      index: m.index,
      name: m.name,
      description: m.description,
      slices: m.slices.size,
    })),
    attack:
      attackLines.length > 0
        ? {
            kind: attackLines[0].attack.kind,
            space: attackLines[0].eps.space,
            grid: attackLines[0].eps.grid,
            eps: attackEps,
          }
        : null,
    rhoHat,
    certification,
    worst,
  };
}
