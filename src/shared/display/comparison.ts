/**
 * What the comparison view of one slice says about a result line (src/shared/audit-results.ts), in the units a
 * reader compares: radii as their spec, HU-equivalent RMS and percent of the clean signal; errors as PSNR, SSIM
 * and per-pixel RMS in HU; the certificate at the grid point (bound, sigma, certified PSNR) or why there is
 * none (the reason, the S that would certify, the largest radius these samples certify). Pure functions of the
 * line, so the numbers shown are exactly those results.jsonl holds.
 */
import type { Quality, ResultLine } from '../audit-results';
import { HU_PER_X, l2ToRmsHu } from '../units';

/** A grid point's radius: the entry, the absolute l2 norm, the HU-equivalent RMS and the relative size. */
export interface RadiusView {
  spec: string;
  space: 'x' | 'y';
  value: number;
  hu: number | null;
  /** Percent of the clean signal's norm (||A x|| in y, ||x|| in x). */
  percent: number | null;
}

export function radiusOf(line: Pick<ResultLine, 'eps'>): RadiusView {
  const e = line.eps;
  return {
    spec: e.spec,
    space: e.space,
    value: e.value,
    hu: e.hu,
    percent: e.relative === null ? null : e.relative * 100,
  };
}

/** PSNR (dB), SSIM and per-pixel RMS error in HU of an image against the reference slice. */
export interface PaneQuality {
  psnr: number | null;
  ssim: number;
  rmseHu: number;
}

/** `q.error` is ||img - x||_2 in canonical units over the N x N pixels of the slice. */
export function paneQuality(q: Quality, pixels: number): PaneQuality {
  return { psnr: q.psnr, ssim: q.ssim, rmseHu: l2ToRmsHu(q.error, pixels) };
}

export interface CertificateView {
  state: 'off' | 'certified' | 'abstain';
  /** What the bound is about: the smoothed median error against this fixed reference. */
  reference: 'truth' | 'clean' | null;
  samples: number | null;
  confidence: number | null;
  quantile: number | null;
  /** The sigma shown (certified: the best one; abstain: the one with the largest certifiable radius). */
  sigmaIndex: number | null;
  sigma: string | null;
  sigmaHu: number | null;
  /** Certified bound of the q-quantile of (1/n)||f(y'' + delta) - r||^2 and its square root in HU. */
  boundMse: number | null;
  boundRmsHu: number | null;
  /** Empirical median of the smoothed error at the attacked input (same units as the bound). */
  medianMse: number | null;
  /** PSNR/SSIM of the certified sample's reconstruction against the slice. */
  psnr: number | null;
  ssim: number | null;
  /** Abstention: the reason, the smallest S that certifies at some sigma, the largest radius these S certify. */
  reason: string | null;
  minSamples: number | null;
  maxRadius: number | null;
  maxRadiusHu: number | null;
  maxRadiusPercent: number | null;
}

const OFF: CertificateView = {
  state: 'off',
  reference: null,
  samples: null,
  confidence: null,
  quantile: null,
  sigmaIndex: null,
  sigma: null,
  sigmaHu: null,
  boundMse: null,
  boundRmsHu: null,
  medianMse: null,
  psnr: null,
  ssim: null,
  reason: null,
  minSamples: null,
  maxRadius: null,
  maxRadiusHu: null,
  maxRadiusPercent: null,
};

/**
 * The certificate of a line at its radius. `bestSigma` is the engine's choice for the images (the host's
 * `points[].bestSigma`); when it does not certify, the certified sigma with the best certified PSNR is shown.
 */
export function certificateOf(line: ResultLine, bestSigma: number | null = null): CertificateView {
  const c = line.certification;
  if (!c || c.perSigma.length === 0) return OFF;
  const base = {
    ...OFF,
    reference: c.reference,
    samples: c.samples,
    confidence: c.confidence,
    quantile: c.quantile,
  };
  const certified = c.perSigma.filter((s) => !s.abstain && s.certified !== null);
  const norm = line.eps.space === 'y' ? line.reference.signalNorm : line.reference.norm;
  if (certified.length > 0) {
    const chosen =
      certified.find((s) => s.sigmaIndex === bestSigma) ??
      certified.reduce((b, s) =>
        (s.certifiedQuality?.psnr ?? -Infinity) > (b.certifiedQuality?.psnr ?? -Infinity) ? s : b,
      );
    const bound = chosen.certified as number;
    return {
      ...base,
      state: 'certified',
      sigmaIndex: chosen.sigmaIndex,
      sigma: chosen.sigma,
      sigmaHu: chosen.sigmaHu,
      boundMse: bound,
      boundRmsHu: HU_PER_X * Math.sqrt(bound),
      medianMse: chosen.median,
      psnr: chosen.certifiedQuality?.psnr ?? null,
      ssim: chosen.certifiedQuality?.ssim ?? null,
    };
  }
  const widest = c.perSigma.reduce((b, s) => (s.maxRadius > b.maxRadius ? s : b));
  const needed = c.perSigma.map((s) => s.minSamples).filter((v): v is number => v !== null);
  const perHu = line.reference.perHu;
  return {
    ...base,
    state: 'abstain',
    sigmaIndex: widest.sigmaIndex,
    sigma: widest.sigma,
    sigmaHu: widest.sigmaHu,
    medianMse: widest.median,
    reason: (c.perSigma.find((s) => s.sigmaIndex === bestSigma) ?? widest).reason,
    minSamples: needed.length > 0 ? Math.min(...needed) : null,
    maxRadius: widest.maxRadius,
    maxRadiusHu: perHu > 0 ? widest.maxRadius / perHu : null,
    maxRadiusPercent: norm > 0 ? (100 * widest.maxRadius) / norm : null,
  };
}

/** The smoothed estimate's quality at the sigma the images show (null: no certification at this point). */
export function smoothedQualityOf(line: ResultLine, sigmaIndex: number | null): Quality | null {
  const per = line.certification?.perSigma;
  if (!per || sigmaIndex === null) return null;
  return per.find((s) => s.sigmaIndex === sigmaIndex)?.smoothed ?? null;
}
