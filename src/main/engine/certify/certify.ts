/**
 * Certification by randomized smoothing (Algorithm 3 of papers/002; DESIGN.md section 4, `Certifier`):
 *
 *   certify(model, y', { sigma, samples, confidence, eps }) -> per slice
 *     median      the empirical q-quantile (q = 0.5) of the S discrepancies, rank ceil(q S): D_0.5(x, xi)
 *     certified   the K-th smallest discrepancy, an upper bound of D_{Phi(eps/sigma)}(x, 0) at confidence c,
 *                 which by Corollary 3.2 bounds D_0.5 at every input within eps (order-statistic.ts); or
 *                 abstain with the reason and the smallest S that would do
 *     the two reconstructions f(y' + A delta_k) of those samples, and, given the reference x, their PSNR/SSIM
 *
 * certifyRadii shares one set of samples between several radii (the samples do not depend on eps).
 * sigmaSweep runs a grid of sigma and reports the sigma whose certified reconstruction has the best mean PSNR
 * (the "arc" of Figure 1 of papers/002).
 */
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor } from '../models/reconstructor';
import { psnr, ssim } from '../metrics';
import { certifiedOrderStatistic, empiricalQuantileRank } from './order-statistic';
import {
  reconstructSample,
  resolveSmoothing,
  sampleDiscrepancies,
  type DiscrepancySamples,
  type SmoothingOptions,
  type SmoothingSpace,
} from './smoothing';

export interface CertifyOptions extends SmoothingOptions {
  /** Confidence c in (0, 1) of the certified bound. */
  confidence: number;
  /** Certification radius eps (absolute, in the smoothing space): one value or one per slice. */
  eps: number | readonly number[];
  /** Quantile q of the smoothed discrepancy (Corollary 3.2's general form). Default 0.5. */
  quantile?: number;
  /** Reference images x [B,N,N,1] for PSNR/SSIM of the smoothed reconstructions. */
  reference?: tf.Tensor4D;
  /** Keep the sorted discrepancies in the result (for plots). Default false. */
  keepSamples?: boolean;
}

export interface ImageQuality {
  psnr: number;
  ssim: number;
}

export interface CertifiedSlice {
  sigma: number;
  samples: number;
  confidence: number;
  quantile: number;
  space: SmoothingSpace;
  eps: number;
  /** The certified quantile level p = Phi(Phi^-1(q) + eps/sigma). */
  p: number;
  /** D_q estimate (q = 0.5: the median) and its 1-based rank among the sorted samples. */
  median: number;
  medianRank: number;
  /** The certified upper bound, or null when abstaining. */
  certified: number | null;
  /** Its 1-based rank K (null when abstaining). */
  k: number | null;
  abstain: boolean;
  reason: string | null;
  /** Smallest S that certifies this (eps/sigma, c); null when none does. */
  minSamples: number | null;
  /** The exact confidence P(Binomial(S, p) <= K - 1) of the bound. */
  coverage: number | null;
  /** f(y' + noise) of the median sample and of the certified sample (row-major [N,N]). */
  medianRecon: Float32Array;
  certifiedRecon: Float32Array | null;
  /** With a reference: PSNR/SSIM of f(y'), of the median and of the certified reconstruction. */
  quality?: { base: ImageQuality; median: ImageQuality; certified: ImageQuality | null };
  /** The sorted discrepancies (keepSamples). */
  sorted?: Float64Array;
}

function epsList(eps: number | readonly number[], B: number): number[] {
  const list = typeof eps === 'number' ? Array<number>(B).fill(eps) : [...eps];
  if (list.length !== B) throw new UsageError(`certify: got ${list.length} radii for ${B} slices`);
  for (const e of list)
    if (!(e >= 0) || !Number.isFinite(e)) throw new UsageError(`certify: eps must be >= 0, got ${e}`);
  return list;
}

function quality(ref: tf.Tensor4D | undefined, b: number, img: Float32Array): ImageQuality | undefined {
  if (!ref) return undefined;
  const [, N] = ref.shape;
  return tf.tidy(() => {
    const r = tf.slice(ref, [b, 0, 0, 0], [1, -1, -1, -1]);
    const t = tf.tensor4d(img, [1, N, N, 1]);
    return { psnr: psnr(r, t)[0], ssim: ssim(r, t)[0] };
  });
}

/**
 * Certify every slice of y [B,A,D,1] at each radius of `radii` (each one value or one per slice), from one set
 * of S samples per slice. Returns one CertifiedSlice[] per radius.
 */
export async function certifyRadii(
  model: Reconstructor,
  y: tf.Tensor4D,
  options: Omit<CertifyOptions, 'eps'> & { radii: readonly (number | readonly number[])[] },
  job?: JobContext,
  progress?: { phase?: string; offset?: number; total?: number },
): Promise<CertifiedSlice[][]> {
  const B = y.shape[0];
  if (options.reference && options.reference.shape[0] !== B) {
    throw new UsageError(`certify: the reference has ${options.reference.shape[0]} slices, y has ${B}`);
  }
  const radii = options.radii.map((e) => epsList(e, B));
  if (radii.length === 0) throw new UsageError('certify: no radius given');
  const q = options.quantile ?? 0.5;
  // Validate the order-statistic inputs before the expensive sampling.
  const r = resolveSmoothing(model, options);
  for (const eps of radii)
    for (const e of eps) {
      certifiedOrderStatistic({
        samples: r.samples,
        eps: e,
        sigma: r.sigma,
        confidence: options.confidence,
        quantile: q,
      });
    }
  const samples: DiscrepancySamples = await sampleDiscrepancies(
    model,
    y,
    { ...options, op: r.op },
    job,
    progress,
  );
  const smoothing = { ...options, op: r.op };
  const medianRank = empiricalQuantileRank(r.samples, q);
  const out: CertifiedSlice[][] = radii.map(() => []);
  for (let b = 0; b < B; b++) {
    const vals = samples.values[b];
    const order = samples.order[b];
    const sorted = Float64Array.from(order, (i) => vals[i]);
    const cache = new Map<number, Float32Array>();
    const reconOfRank = (rank: number) => {
      let img = cache.get(rank);
      if (!img) {
        img = reconstructSample(model, y, smoothing, b, order[rank - 1]);
        cache.set(rank, img);
      }
      return img;
    };
    const base = options.reference
      ? tf.tidy(
          () => model.reconstruct(tf.slice(y, [b, 0, 0, 0], [1, -1, -1, -1])).dataSync() as Float32Array,
        )
      : undefined;
    const medianRecon = reconOfRank(medianRank);
    radii.forEach((eps, j) => {
      const os = certifiedOrderStatistic({
        samples: r.samples,
        eps: eps[b],
        sigma: r.sigma,
        confidence: options.confidence,
        quantile: q,
      });
      const certifiedRecon = os.k === null ? null : reconOfRank(os.k);
      const slice: CertifiedSlice = {
        sigma: r.sigma,
        samples: r.samples,
        confidence: options.confidence,
        quantile: q,
        space: r.space,
        eps: eps[b],
        p: os.p,
        median: sorted[medianRank - 1],
        medianRank,
        certified: os.k === null ? null : sorted[os.k - 1],
        k: os.k,
        abstain: os.abstain,
        reason: os.reason,
        minSamples: os.minSamples,
        coverage: os.coverage,
        medianRecon,
        certifiedRecon,
      };
      if (options.reference && base) {
        slice.quality = {
          base: quality(options.reference, b, base) as ImageQuality,
          median: quality(options.reference, b, medianRecon) as ImageQuality,
          certified: certifiedRecon ? (quality(options.reference, b, certifiedRecon) as ImageQuality) : null,
        };
      }
      if (options.keepSamples) slice.sorted = sorted;
      out[j].push(slice);
    });
  }
  return out;
}

/** Certify every slice of y [B,A,D,1] at one radius. */
export async function certify(
  model: Reconstructor,
  y: tf.Tensor4D,
  options: CertifyOptions,
  job?: JobContext,
): Promise<CertifiedSlice[]> {
  const { eps, ...rest } = options;
  return (await certifyRadii(model, y, { ...rest, radii: [eps] }, job))[0];
}

export interface SigmaSweepOptions extends Omit<CertifyOptions, 'sigma'> {
  sigmas: readonly number[];
}

export interface SigmaSweepResult {
  /** Per sigma (in the given order), the certified slices. */
  perSigma: {
    sigma: number;
    slices: CertifiedSlice[];
    meanCertifiedPsnr: number | null;
    meanMedianPsnr: number | null;
  }[];
  /** The sigma whose certified reconstructions have the best mean PSNR (all slices certified), or null. */
  best: { sigma: number; index: number; meanCertifiedPsnr: number } | null;
  /** Why there is no best sigma (no reference, or every sigma abstains on some slice). */
  bestReason: string | null;
}

function meanOrNull(v: (number | null | undefined)[]): number | null {
  if (v.length === 0 || v.some((a) => a === null || a === undefined || !Number.isFinite(a))) return null;
  return (v as number[]).reduce((s, a) => s + a, 0) / v.length;
}

/** certify over a grid of sigma (the same seed for every sigma: common random numbers). */
export async function sigmaSweep(
  model: Reconstructor,
  y: tf.Tensor4D,
  options: SigmaSweepOptions,
  job?: JobContext,
): Promise<SigmaSweepResult> {
  const { sigmas, eps, ...rest } = options;
  if (sigmas.length === 0) throw new UsageError('certify: the sigma grid is empty');
  const r0 = resolveSmoothing(model, { ...rest, sigma: sigmas[0] });
  const chunks = Math.ceil(r0.samples / r0.batchSize);
  const total = sigmas.length * y.shape[0] * chunks;
  const perSigma: SigmaSweepResult['perSigma'] = [];
  for (const [i, sigma] of sigmas.entries()) {
    const [slices] = await certifyRadii(model, y, { ...rest, sigma, radii: [eps], op: r0.op }, job, {
      phase: 'certify',
      offset: i * y.shape[0] * chunks,
      total,
    });
    perSigma.push({
      sigma,
      slices,
      meanCertifiedPsnr: meanOrNull(
        slices.map((s) => (s.quality ? (s.quality.certified?.psnr ?? null) : undefined)),
      ),
      meanMedianPsnr: meanOrNull(slices.map((s) => s.quality?.median.psnr)),
    });
  }
  let best: SigmaSweepResult['best'] = null;
  perSigma.forEach((p, index) => {
    if (p.meanCertifiedPsnr !== null && (!best || p.meanCertifiedPsnr > best.meanCertifiedPsnr)) {
      best = { sigma: p.sigma, index, meanCertifiedPsnr: p.meanCertifiedPsnr };
    }
  });
  const bestReason = best
    ? null
    : !options.reference
      ? 'no reference images: PSNR needs the ground truth'
      : 'every sigma abstains on at least one slice (or a PSNR is infinite)';
  return { perSigma, best, bestReason };
}
