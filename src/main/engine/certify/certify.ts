/**
 * Certification by randomized smoothing (Algorithm 3 of papers/002; DESIGN.md section 4, `Certifier`), with
 * the error measured against a fixed reference r (smoothing.ts says why):
 *
 *   certify(model, y', { reference, sigma, samples, confidence, radii }) -> per radius, per slice
 *     median      the empirical q-quantile (q = 0.5) of the S errors l(f(y' + delta_k), r): the smoothed
 *                 error at y', and its sample's reconstruction (the smoothed estimate)
 *     certified   the K-th smallest error, an upper bound of the Phi(Phi^-1(q) + eps/sigma)-quantile at y' with
 *                 confidence c (order-statistic.ts); by the percentile-smoothing lemma (Corollary 3.2) it bounds
 *                 the smoothed q-quantile error at EVERY input within eps of y' (e.g. the clean measurement
 *                 when y' is an attack of radius eps); or abstain with the reason, the smallest S that would
 *                 certify, and the largest radius this S does certify
 *
 * One set of S samples serves every radius (the samples do not depend on eps). This is the only certification
 * procedure: the audit's evaluation unit, `ct-audit certify` and the one-slice audit all call it.
 */
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor } from '../models/reconstructor';
import { certifiedOrderStatistic, empiricalQuantileRank, normalQuantile } from './order-statistic';
import {
  reconstructSample,
  resolveSmoothing,
  sampleErrors,
  type SmoothingOptions,
  type SmoothingSpace,
} from './smoothing';

export interface CertifyOptions extends SmoothingOptions {
  /** The fixed reference r [B,N,N,1] the error is measured against. Not disposed. */
  reference: tf.Tensor4D;
  /** Confidence c in (0, 1) of the certified bound. */
  confidence: number;
  /** Certified radii (absolute, in the smoothing space): each one value or one per slice. */
  radii: readonly (number | readonly number[])[];
  /** Quantile q of the smoothed error (Corollary 3.2's general form). Default 0.5. */
  quantile?: number;
  /** Keep the sorted errors in the result (plots, tests). Default false. */
  keepSamples?: boolean;
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
  /** The empirical q-quantile of the errors (q = 0.5: the smoothed median error) and its 1-based rank. */
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
  /** The largest radius these S samples certify at this sigma and confidence. */
  maxRadius: number;
  /** The exact confidence P(Binomial(S, p) <= K - 1) of the bound. */
  coverage: number | null;
  /** f(y' + noise) of the median sample and of the certified sample (row-major [N,N]). */
  medianRecon: Float32Array;
  certifiedRecon: Float32Array | null;
  /** The sorted errors (keepSamples). */
  sorted?: Float64Array;
}

function radiusList(eps: number | readonly number[], B: number): number[] {
  const list = typeof eps === 'number' ? Array<number>(B).fill(eps) : [...eps];
  if (list.length !== B) throw new UsageError(`certify: got ${list.length} radii for ${B} slices`);
  for (const e of list)
    if (!(e >= 0) || !Number.isFinite(e)) throw new UsageError(`certify: eps must be >= 0, got ${e}`);
  return list;
}

/**
 * The largest radius S samples certify at (sigma, c, q): the K = S order statistic is usable while
 * 1 - p^S >= c, i.e. p <= (1 - c)^(1/S), and p = Phi(Phi^-1(q) + eps/sigma).
 */
export function maxCertifiableRadius(
  samples: number,
  sigma: number,
  confidence: number,
  quantile = 0.5,
): number {
  const pMax = Math.exp(Math.log(1 - confidence) / samples);
  const r = sigma * (normalQuantile(pMax) - normalQuantile(quantile));
  return Math.max(0, r);
}

/**
 * Certify every slice of y' [B,A,D,1] at each radius of `radii` from one set of S samples per slice.
 * Returns one CertifiedSlice[] (per slice) per radius. Leaves tf.memory().numTensors unchanged.
 */
export async function certify(
  model: Reconstructor,
  y: tf.Tensor4D,
  options: CertifyOptions,
  job?: JobContext,
  progress?: { phase?: string; offset?: number; total?: number },
): Promise<CertifiedSlice[][]> {
  const B = y.shape[0];
  const radii = options.radii.map((e) => radiusList(e, B));
  if (radii.length === 0) throw new UsageError('certify: no radius given');
  const q = options.quantile ?? 0.5;
  const r = resolveSmoothing(model, options);
  // Validate the order-statistic inputs before the expensive sampling.
  for (const eps of radii)
    for (const e of eps)
      certifiedOrderStatistic({
        samples: r.samples,
        eps: e,
        sigma: r.sigma,
        confidence: options.confidence,
        quantile: q,
      });
  const smoothing = { ...options, op: r.op };
  const samples = await sampleErrors(model, y, options.reference, smoothing, job, progress);
  const medianRank = empiricalQuantileRank(r.samples, q);
  const maxRadius = maxCertifiableRadius(r.samples, r.sigma, options.confidence, q);
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
    const medianRecon = reconOfRank(medianRank);
    radii.forEach((eps, j) => {
      const os = certifiedOrderStatistic({
        samples: r.samples,
        eps: eps[b],
        sigma: r.sigma,
        confidence: options.confidence,
        quantile: q,
      });
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
        reason: os.abstain
          ? `${os.reason}; these ${r.samples} samples certify up to radius ${maxRadius.toPrecision(3)} at sigma ${r.sigma.toPrecision(3)}`
          : null,
        minSamples: os.minSamples,
        maxRadius,
        coverage: os.coverage,
        medianRecon,
        certifiedRecon: os.k === null ? null : reconOfRank(os.k),
      };
      if (options.keepSamples) slice.sorted = sorted;
      out[j].push(slice);
    });
  }
  return out;
}
