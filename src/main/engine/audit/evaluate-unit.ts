/**
 * One unit of an audit: one slice x one model (B = 1, so a slice's numbers never depend on which other slices
 * ran with it, in what order, or whether the run was resumed). Every random draw is seeded by
 * (audit seed, slice id, model name, test), and the attack's eps k by `${...}/eps-${k}` inside rhoHatCurve:
 *
 *   attack     rho-hat curve over the attack grid with warm starts (attacks/rho-hat.ts); per radius the
 *              perturbed reconstruction's error (Delta_max, eq. 8 of papers/000), PSNR/SSIM, and the smoothed
 *              reconstruction at the attacked input y' per sigma: the median-discrepancy sample of
 *              f(y' + noise) over `smoothingSamples` draws, as the certifier defines its smoothed output
 *   certify    randomized smoothing at the clean input, per sigma one set of S samples certifying every radius
 *              of the certification grid (certify/certify.ts certifyRadii: Algorithm 3-4 of papers/002)
 *
 * Returns the result lines and the images of the unit (for the worst-case panels).
 */
import { formatEps, parseEps, resolveEps } from '@shared/eps';
import { formatSigmaEntry, parseSigmaEntry, type AuditSpec } from '@shared/audit-spec';
import { RESULT_FORMAT, type Quality, type ResultLine } from '@shared/audit-results';
import { tf } from '../backend';
import { getAttack, referenceNorms, rhoHatCurve, type L2BallAttackOptions } from '../attacks';
import {
  certifyRadii,
  empiricalQuantileRank,
  reconstructSample,
  sampleDiscrepancies,
  type SmoothingSpace,
} from '../certify';
import type { JobContext } from '../job-context';
import { psnr, ssim } from '../metrics';
import type { Reconstructor } from '../models/reconstructor';
import type { MeasurementOperator } from '../physics';

export interface UnitSlice {
  index: number;
  /** De-identified id (what results.jsonl shows). */
  id: string;
  /** The id the seeds derive from (the source's own id; stable across runs). */
  seedId: string;
  group: string;
}

export interface UnitModel {
  index: number;
  name: string;
  description: string;
  model: Reconstructor;
}

/** Images of one unit, row-major Float32Arrays. */
export interface UnitImages {
  size: number;
  reference: Float32Array;
  clean: Float32Array;
  /** At the largest attack radius. */
  perturbed: Float32Array;
  /** y' - y at the largest attack radius, [views, detectors]. */
  perturbation: Float32Array;
  views: number;
  detectors: number;
  /** The smoothed reconstruction at y' per sigma (index = sigma index; null when not run). */
  smoothed: (Float32Array | null)[];
}

export interface UnitResult {
  lines: ResultLine[];
  images: UnitImages;
}

/** Number of result lines of a unit under `spec`. */
export function linesPerUnit(spec: AuditSpec): number {
  return spec.attack.eps.length + (spec.certification.enabled ? spec.certification.eps.length : 0);
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

function distance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Error, PSNR and SSIM of `img` against the reference tensor x [1,N,N,1]. */
function qualityOf(x: tf.Tensor4D, xv: Float32Array, img: Float32Array): Quality {
  const N = x.shape[1];
  const t = tf.tensor4d(img, [1, N, N, 1]);
  try {
    return { error: distance(img, xv), psnr: finiteOrNull(psnr(x, t)[0]), ssim: ssim(x, t)[0] };
  } finally {
    t.dispose();
  }
}

/** Absolute sigma of each entry for a slice whose clean signal in the smoothing space has RMS `rms`. */
export function resolveSigmas(entries: readonly (number | string)[], rms: number): number[] {
  return entries.map((e) => {
    const s = parseSigmaEntry(e);
    return 'absolute' in s ? s.absolute : s.relative * rms;
  });
}

export interface EvaluateOptions {
  spec: AuditSpec;
  op: MeasurementOperator;
  job?: JobContext;
  /** Called with the fraction of the unit done (0..1) and the inner phase. */
  onProgress?: (fraction: number, phase: string) => void;
}

/** Evaluate one slice (x [1,N,N,1], y [1,A,D,1] its measurement, possibly noisy) on one model. */
export async function evaluateUnit(
  slice: UnitSlice,
  m: UnitModel,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  o: EvaluateOptions,
): Promise<UnitResult> {
  const { spec, op } = o;
  const model = m.model;
  const N = x.shape[1];
  const [, A, D] = y.shape;
  const xv = x.dataSync() as Float32Array;
  const seedBase = `${spec.seed}/${slice.seedId}/${m.name}`;
  const attack = getAttack(spec.attack.kind);
  const attackSpace = attack.space as 'x' | 'y';
  const cert = spec.certification;
  const certSpace: SmoothingSpace = cert.space;
  const [xNorm] = referenceNorms('x', x, op);
  const [signalNorm] = referenceNorms('y', x, op);
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of xv) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const reference = { norm: xNorm, signalNorm, dataRange: hi - lo };
  const smoothNorm = certSpace === 'x' ? xNorm : signalNorm;
  const sigmaValues = resolveSigmas(cert.sigma, smoothNorm / Math.sqrt(certSpace === 'x' ? N * N : A * D));
  const sigmaTexts = cert.sigma.map(formatSigmaEntry);
  const unitLines = linesPerUnit(spec);
  const base = {
    format: RESULT_FORMAT as typeof RESULT_FORMAT,
    version: 1 as const,
    slice: { index: slice.index, id: slice.id, group: slice.group },
    model: { index: m.index, name: m.name, description: m.description },
    unitLines,
    reference,
  };

  const cleanRecon = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
  const clean = qualityOf(x, xv, cleanRecon);

  // Progress weights: gradient steps cost ~3 forward passes.
  const nEps = spec.attack.eps.length;
  const wAttack = 3 * nEps * Math.max(1, spec.attack.steps) * spec.attack.restarts;
  const wSmooth = nEps * sigmaValues.length * spec.attack.smoothingSamples;
  const wCert = cert.enabled ? sigmaValues.length * cert.samples : 0;
  const wTotal = Math.max(1, wAttack + wSmooth + wCert);
  let done = 0;
  const report = (phase: string, w = 0) => {
    done += w;
    o.onProgress?.(Math.min(1, done / wTotal), phase);
  };

  const lines: ResultLine[] = [];
  const images: UnitImages = {
    size: N,
    reference: xv,
    clean: cleanRecon,
    perturbed: cleanRecon,
    perturbation: new Float32Array(A * D),
    views: A,
    detectors: D,
    smoothed: sigmaValues.map(() => null),
  };
  const grid = spec.attack.eps.map((e) => parseEps(e));
  const smoothing = (sigma: number, j: number) => ({
    sigma,
    samples: spec.attack.smoothingSamples,
    space: certSpace,
    seed: `${seedBase}/smooth/sigma-${j}`,
    op,
    batchSize: cert.batchSize,
  });

  const attackOptions: Omit<L2BallAttackOptions, 'eps' | 'init'> = {
    steps: spec.attack.steps,
    stepSize: spec.attack.stepSize,
    momentum: spec.attack.momentum,
    restarts: spec.attack.restarts,
    randomStart: spec.attack.randomStart,
    seed: `${seedBase}/attack`,
    op,
  };
  await rhoHatCurve(attack, model, x, y, grid, attackOptions, o.job, {
    onPoint: async (point, r, k) => {
      report(`attack ${spec.attack.kind} eps ${point.spec}`, wAttack / nEps);
      const perturbedRecon = r.perturbedRecon.dataSync() as Float32Array;
      const smoothed: NonNullable<ResultLine['attack']>['smoothed'] = [];
      const last = k === grid.length - 1;
      if (spec.attack.smoothingSamples > 0) {
        for (const [j, sigma] of sigmaValues.entries()) {
          o.job?.throwIfCancelled();
          const so = smoothing(sigma, j);
          // The smoothed output at y': the sample whose discrepancy to f(y') is the median (as certify.ts).
          const samples = await sampleDiscrepancies(model, r.perturbedMeasurement, so);
          const rank = empiricalQuantileRank(so.samples, cert.quantile);
          const img = reconstructSample(model, r.perturbedMeasurement, so, 0, samples.order[0][rank - 1]);
          smoothed.push({
            sigmaIndex: j,
            sigma: sigmaTexts[j],
            sigmaValue: sigma,
            samples: so.samples,
            quality: qualityOf(x, xv, img),
          });
          if (last) images.smoothed[j] = img;
          report(`smoothing at the attacked input, sigma ${sigmaTexts[j]}`, so.samples);
        }
      }
      if (last) {
        images.perturbed = perturbedRecon;
        images.perturbation = tf.tidy(() => tf.sub(r.perturbedMeasurement, y).dataSync() as Float32Array);
      }
      lines.push({
        ...base,
        test: 'attack',
        epsIndex: k,
        eps: {
          spec: formatEps(grid[k]),
          space: attackSpace,
          value: r.eps[0],
          relative: finiteOrNull(r.epsRelative[0]),
        },
        clean,
        attack: {
          kind: spec.attack.kind,
          deltaNorm: r.deltaNorm[0],
          perturbed: qualityOf(x, xv, perturbedRecon),
          smoothed,
        },
        certification: null,
      });
    },
  });

  if (cert.enabled) {
    const certGrid = cert.eps.map((e) => parseEps(e));
    const resolved = certGrid.map((g) => resolveEps(g, smoothNorm));
    const perEps: NonNullable<ResultLine['certification']>['perSigma'][] = certGrid.map(() => []);
    for (const [j, sigma] of sigmaValues.entries()) {
      o.job?.throwIfCancelled();
      // Common random numbers over sigma (as sigmaSweep): the same normal draws, scaled.
      const perRadius = await certifyRadii(
        model,
        y,
        {
          sigma,
          samples: cert.samples,
          confidence: cert.confidence,
          quantile: cert.quantile,
          space: certSpace,
          seed: `${seedBase}/certify`,
          op,
          batchSize: cert.batchSize,
          radii: resolved.map((r) => r.eps),
        },
        o.job,
      );
      perRadius.forEach(([s], e) => {
        perEps[e].push({
          sigmaIndex: j,
          sigma: sigmaTexts[j],
          sigmaValue: sigma,
          p: s.p,
          median: s.median,
          certified: s.certified,
          k: s.k,
          abstain: s.abstain,
          reason: s.reason,
          minSamples: s.minSamples,
          coverage: s.coverage,
          smoothed: qualityOf(x, xv, s.medianRecon),
          certifiedQuality: s.certifiedRecon
            ? (({ psnr: p, ssim: q }) => ({ psnr: p, ssim: q }))(qualityOf(x, xv, s.certifiedRecon))
            : null,
        });
      });
      report(`certify sigma ${sigmaTexts[j]}`, cert.samples);
    }
    certGrid.forEach((g, e) =>
      lines.push({
        ...base,
        test: 'certify',
        epsIndex: e,
        eps: {
          spec: formatEps(g),
          space: certSpace,
          value: resolved[e].eps,
          relative: finiteOrNull(resolved[e].epsRelative),
        },
        clean,
        attack: null,
        certification: {
          space: certSpace,
          samples: cert.samples,
          confidence: cert.confidence,
          quantile: cert.quantile,
          perSigma: perEps[e],
        },
      }),
    );
  }
  return { lines, images };
}
