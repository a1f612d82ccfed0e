/**
 * The evaluation unit: one slice x one model (B = 1, so a slice's numbers never depend on which other slices
 * ran with it, in what order, or whether the run was resumed). Every path that attacks or certifies — the
 * audit runner and batches, `ct-audit attack` / `certify` / `audit`, the one-slice audit of the app — runs
 * this function, so the same slice, model and settings give the same numbers everywhere.
 *
 * Like papers/002 Table 1 and Algorithm 3, at every point of the attack grid (src/shared/robustness.ts):
 *   attack         the worst case y' at that radius (through the getAttack registry; radius grids warm-start
 *                  from the previous radius, attacks/rho-hat.ts): f(y') against x (Delta_max, eq. 8 of
 *                  papers/000), the perturbation's norm;
 *   certification  at the attacked input y', per sigma: S smoothing samples, the smoothed estimate (median-
 *                  error sample) against x, and the certificate of the smoothed median error against the fixed
 *                  reference at the point's radius (certify/certify.ts), from one set of noise draws per point
 *                  (common random numbers over sigma, so the best sigma is picked on equal footing).
 *
 * Seeds derive from (audit seed, slice seed id, model name): attack `${base}/attack/eps-${k}`, smoothing
 * `${base}/certify/eps-${k}`. Returns the result lines and the images of every grid point.
 */
import { ATTACK_GRID, ATTACK_SPACE, type AttackKind } from '@shared/robustness';
import type { AuditSpec } from '@shared/audit-spec';
import {
  describeRadius,
  formatSigma,
  parseEps,
  parseSigma,
  resolveEps,
  resolveSigma,
  type RadiusScale,
} from '@shared/eps';
import {
  RESULT_FORMAT,
  RESULT_VERSION,
  type CertifiedSigma,
  type Quality,
  type ResultLine,
} from '@shared/audit-results';
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import {
  attackFor,
  disposeAttackResult,
  getAttack,
  radiusScales,
  rhoHatCurve,
  type AttackOptions,
  type AttackResult,
} from '../attacks';
import { certify } from '../certify';
import { loadSlices } from '../data';
import type { JobContext } from '../job-context';
import { psnr, ssim } from '../metrics';
import type { PerturbationGenerator } from '../models/generator';
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

/** The images of one grid point, row-major Float32Arrays. */
export interface PointImages {
  /** f(y') at this point. */
  perturbed: Float32Array;
  /** y' - y, [views, detectors]. */
  perturbation: Float32Array;
  /** The smoothed estimate (median-error sample) and the certified sample at the best sigma (null: none). */
  smoothed: Float32Array | null;
  certified: Float32Array | null;
  /** Index of the best sigma (highest certified PSNR; without a certificate, highest smoothed PSNR). */
  bestSigma: number | null;
}

/** Images of one unit. */
export interface UnitImages {
  size: number;
  views: number;
  detectors: number;
  reference: Float32Array;
  clean: Float32Array;
  /** Per grid point (same order as the lines). */
  points: PointImages[];
}

export interface UnitResult {
  lines: ResultLine[];
  images: UnitImages;
}

/** Trained perturbation generators (attack kind 'generator'), shared by the units of one run. */
export type GeneratorCache = Map<string, PerturbationGenerator>;

export interface EvaluateOptions {
  spec: Pick<AuditSpec, 'attack' | 'certification' | 'seed'>;
  op: MeasurementOperator;
  job?: JobContext;
  /** Called with the fraction of the unit done (0..1) and the inner phase. */
  onProgress?: (fraction: number, phase: string) => void;
  /** Generators trained once per model and radius (kind 'generator'); the owner disposes them. */
  generators?: GeneratorCache;
}

/** Number of result lines of a unit under `spec` (its grid points). */
export function linesPerUnit(spec: Pick<AuditSpec, 'attack'>): number {
  const grid = ATTACK_GRID[spec.attack.kind];
  return grid === 'radius' ? spec.attack.eps.length : grid === 'lambda' ? spec.attack.lambda.length : 1;
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

/** The attack-specific options of the spec, for the registry's attack of `kind`. */
function attackOptions(
  spec: EvaluateOptions['spec'],
  kind: AttackKind,
  op: MeasurementOperator,
  seed: string,
): Omit<AttackOptions, 'eps'> & Record<string, unknown> {
  const a = spec.attack;
  if (kind === 'pga-y' || kind === 'pgd-x' || kind === 'spsa-y' || kind === 'spsa-x') {
    const { steps, stepSize, momentum, restarts, randomStart } = a;
    return { op, seed, steps, stepSize, momentum, restarts, randomStart };
  }
  if (kind === 'antun-x')
    return { op, seed, steps: a.steps, stepSize: a.antunStepSize, momentum: a.antunMomentum };
  if (kind === 'mismatch')
    return { op, seed, maxAngleDeg: a.maxAngle, maxShift: a.maxShift, maxGain: a.maxGain };
  return { op, seed, steps: a.generatorSteps, compareWithPga: false };
}

/** The sample index of the best sigma: highest certified PSNR, else (no certificate) highest smoothed PSNR. */
function bestSigmaIndex(per: readonly CertifiedSigma[]): number | null {
  let best: CertifiedSigma | undefined;
  const score = (c: CertifiedSigma) => c.certifiedQuality?.psnr ?? -Infinity;
  for (const c of per) if (!c.abstain && (!best || score(c) > score(best))) best = c;
  if (!best)
    for (const c of per)
      if (!best || (c.smoothed.psnr ?? -Infinity) > (best.smoothed.psnr ?? -Infinity)) best = c;
  return best ? best.sigmaIndex : null;
}

/** Train (or reuse) the generator of `model` for relative radius index k on held-out phantoms. */
async function generatorFor(
  o: EvaluateOptions,
  m: UnitModel,
  k: number,
  eps: number[],
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  seed: string,
): Promise<AttackResult> {
  const a = o.spec.attack;
  const key = `${m.name}/eps-${k}`;
  const N = o.op.geometry.size;
  const cached = o.generators?.get(key);
  if (cached) {
    return getAttack('generator').attack(
      m.model,
      x,
      y,
      { ...attackOptions(o.spec, 'generator', o.op, seed), eps, trained: cached } as AttackOptions,
      o.job,
    );
  }
  const images: Float32Array[] = [];
  for await (const s of loadSlices('ellipses', N, {
    count: a.trainSlices,
    seed: o.spec.seed,
    stream: 'generator-train',
  })) {
    images.push(s.x);
  }
  const trainX = tf.tensor4d(Float32Array.from(images.flatMap((im) => Array.from(im))), [
    images.length,
    N,
    N,
    1,
  ]);
  const trainY = o.op.forward(trainX);
  try {
    const r = await getAttack('generator').attack(
      m.model,
      x,
      y,
      {
        ...attackOptions(o.spec, 'generator', o.op, seed),
        eps,
        trainX,
        trainY,
        keepGenerator: Boolean(o.generators),
      } as AttackOptions,
      o.job,
    );
    const gen = (r as AttackResult & { generator?: PerturbationGenerator }).generator;
    if (gen && o.generators) o.generators.set(key, gen);
    return r;
  } finally {
    tf.dispose([trainX, trainY]);
  }
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
  // A black-box model (forward passes only) gets the gradient-free search on the same ball (attacks/spsa.ts).
  const kind = attackFor(spec.attack.kind, model).kind;
  const space = ATTACK_SPACE[kind];
  const gridKind = ATTACK_GRID[kind];
  const N = x.shape[1];
  const [, A, D] = y.shape;
  const xv = x.dataSync() as Float32Array;
  const seedBase = `${spec.seed}/${slice.seedId}/${m.name}`;
  const [xScale] = radiusScales('x', x, op);
  const [yScale] = radiusScales('y', x, op);
  const scale: RadiusScale = space === 'x' ? xScale : yScale;
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of xv) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const reference = { norm: xScale.norm, signalNorm: yScale.norm, dataRange: hi - lo, perHu: scale.perHu };
  const cert = spec.certification;
  const sigmas = cert.sigma.map((e) => parseSigma(e));
  const grid = gridKind === 'radius' ? spec.attack.eps.map((e) => parseEps(e)) : [];
  const nPoints = linesPerUnit(spec);
  const base = {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    slice: { index: slice.index, id: slice.id, group: slice.group },
    model: { index: m.index, name: m.name, description: m.description },
    unitLines: nPoints,
    reference,
  };

  const cleanRecon = tf.tidy(() => model.reconstruct(y).dataSync() as Float32Array);
  const clean = qualityOf(x, xv, cleanRecon);
  // The certified error's fixed reference: the slice itself, or f(y) of the clean measurement.
  const certRef = cert.reference === 'clean' ? tf.tensor4d(cleanRecon, [1, N, N, 1]) : x;
  // Ratio sigmas (eps/k) at radius 0 use the smallest positive radius of the grid.
  const positiveRadii = grid.map((g) => resolveEps(g, scale).eps).filter((e) => e > 0);
  const smallestRadius = positiveRadii.length > 0 ? Math.min(...positiveRadii) : 0;

  // Progress weights: a gradient step costs ~3 forward passes.
  const wAttack =
    3 *
    Math.max(1, kind === 'generator' ? spec.attack.generatorSteps : spec.attack.steps) *
    (kind === 'pga-y' || kind === 'pgd-x' ? spec.attack.restarts : 1);
  const wCert = cert.enabled ? sigmas.length * cert.samples : 0;
  const wTotal = Math.max(1, nPoints * (wAttack + wCert));
  let done = 0;
  const report = (phase: string, w = 0) => {
    done += w;
    o.onProgress?.(Math.min(1, done / wTotal), phase);
  };

  const lines: ResultLine[] = [];
  const images: UnitImages = {
    size: N,
    views: A,
    detectors: D,
    reference: xv,
    clean: cleanRecon,
    points: [],
  };

  const onPoint = async (r: AttackResult, k: number, spec0: string) => {
    report(`attack ${kind} ${spec0}`, wAttack);
    const perturbedRecon = r.perturbedRecon.dataSync() as Float32Array;
    // The radius of the point: the ball's (radius grids) or the norm the attack reached (the certified radius).
    const eps = gridKind === 'radius' ? r.eps[0] : r.deltaNorm[0];
    const radius = describeRadius(
      eps,
      scale,
      gridKind === 'radius' && grid[k].kind === 'relative' ? grid[k].fraction : undefined,
    );
    const point: PointImages = {
      perturbed: perturbedRecon,
      perturbation: tf.tidy(() => tf.sub(r.perturbedMeasurement, y).dataSync() as Float32Array),
      smoothed: null,
      certified: null,
      bestSigma: null,
    };
    let certification: ResultLine['certification'] = null;
    if (cert.enabled) {
      const perSigma: CertifiedSigma[] = [];
      const recon: { smoothed: Float32Array; certified: Float32Array | null }[] = [];
      for (const [j, sg] of sigmas.entries()) {
        o.job?.throwIfCancelled();
        const sigma = resolveSigma(sg, scale, eps > 0 ? eps : smallestRadius);
        const [[c]] = await certify(
          model,
          r.perturbedMeasurement,
          {
            reference: certRef,
            sigma,
            samples: cert.samples,
            confidence: cert.confidence,
            quantile: cert.quantile,
            space,
            seed: `${seedBase}/certify/eps-${k}`,
            op,
            batchSize: cert.batchSize,
            radii: [eps],
          },
          o.job,
        );
        recon.push({ smoothed: c.medianRecon, certified: c.certifiedRecon });
        const cq = c.certifiedRecon ? qualityOf(x, xv, c.certifiedRecon) : null;
        perSigma.push({
          sigmaIndex: j,
          sigma: formatSigma(sg),
          sigmaValue: sigma,
          sigmaHu: finiteOrNull((sigma * Math.sqrt(scale.elements)) / scale.perHu),
          p: c.p,
          median: c.median,
          certified: c.certified,
          k: c.k,
          abstain: c.abstain,
          reason: c.reason,
          minSamples: c.minSamples,
          maxRadius: c.maxRadius,
          coverage: c.coverage,
          smoothed: qualityOf(x, xv, c.medianRecon),
          certifiedQuality: cq ? { psnr: cq.psnr, ssim: cq.ssim } : null,
        });
        report(`smoothing at the attacked input, sigma ${formatSigma(sg)}`, cert.samples);
      }
      const best = bestSigmaIndex(perSigma);
      if (best !== null) {
        point.bestSigma = best;
        point.smoothed = recon[best].smoothed;
        point.certified = recon[best].certified;
      }
      certification = {
        reference: cert.reference,
        space,
        samples: cert.samples,
        confidence: cert.confidence,
        quantile: cert.quantile,
        perSigma,
      };
    }
    images.points.push(point);
    lines.push({
      ...base,
      epsIndex: k,
      eps: {
        spec: spec0,
        grid: gridKind,
        space,
        value: radius.eps,
        relative: finiteOrNull(radius.epsRelative),
        hu: finiteOrNull(radius.epsHu),
      },
      clean,
      attack: { kind, deltaNorm: r.deltaNorm[0], perturbed: qualityOf(x, xv, perturbedRecon) },
      certification,
    });
  };

  try {
    if (gridKind === 'radius') {
      // The generator attack trains one G per model and radius (generatorFor); rhoHatCurve calls it once per
      // radius, in grid order.
      let radiusIndex = 0;
      const attack =
        kind === 'generator'
          ? {
              kind,
              space: 'y' as const,
              attack: (_m: Reconstructor, xs: tf.Tensor4D, ys: tf.Tensor4D, opts: AttackOptions) =>
                generatorFor(o, m, radiusIndex++, opts.eps as number[], xs, ys, String(opts.seed)),
            }
          : getAttack(kind);
      await rhoHatCurve(
        attack,
        model,
        x,
        y,
        grid,
        attackOptions(spec, kind, op, `${seedBase}/attack`),
        o.job,
        {
          onPoint: (p, r, k) => onPoint(r, k, p.spec),
        },
      );
    } else if (gridKind === 'lambda') {
      for (const [k, lambda] of spec.attack.lambda.entries()) {
        o.job?.throwIfCancelled();
        const r = await getAttack(kind).attack(
          model,
          x,
          y,
          {
            ...attackOptions(spec, kind, op, `${seedBase}/attack/eps-${k}`),
            lambda,
            eps: 0,
          } as AttackOptions,
          o.job,
        );
        try {
          await onPoint(r, k, `lambda ${lambda}`);
        } finally {
          disposeAttackResult(r);
        }
      }
    } else {
      const r = await getAttack(kind).attack(
        model,
        x,
        y,
        { ...attackOptions(spec, kind, op, `${seedBase}/attack/eps-0`), eps: 0 } as AttackOptions,
        o.job,
      );
      try {
        await onPoint(r, 0, 'operator box');
      } finally {
        disposeAttackResult(r);
      }
    }
  } finally {
    if (certRef !== x) certRef.dispose();
  }
  if (lines.length !== nPoints)
    throw new UsageError(`evaluate: expected ${nPoints} grid points, got ${lines.length}`);
  return { lines, images };
}
