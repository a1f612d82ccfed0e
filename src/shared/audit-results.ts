/**
 * What an audit writes (DESIGN.md section 5): the schema of one `results.jsonl` line and of `summary.json`.
 * Plain data and zod only, so the engine, the report builder and the UI read the same types.
 *
 * results.jsonl holds one line per slice x model x grid point (a radius of the attack grid; for antun-x a
 * penalty weight, for mismatch the one operator-error box), evaluated like papers/002 Table 1 / Algorithm 3:
 *   attack         the worst case y' found at that radius: the perturbed reconstruction f(y') against x
 *                  (error = Delta_max, eq. 8 of papers/000; PSNR/SSIM), the perturbation's norm;
 *   certification  randomized smoothing at the attacked input y', per sigma: the smoothed estimate (the
 *                  median-error sample f(y' + delta)) against x, and the certified bound B of the smoothed
 *                  median error l(f(. + delta), r) against the fixed reference r, valid at every input within
 *                  the radius of y' (src/shared/robustness.ts), or abstain with the reason, the S that would
 *                  certify and the largest radius these samples certify.
 * Radii carry their absolute l2 value, the value relative to the clean signal and the HU-equivalent RMS
 * (src/shared/eps.ts), so attack and certificate are read on one scale.
 * The lines of one slice x model (a "unit") are appended together; each carries `unitLines`, the number of
 * lines of its unit, so a reader can tell a complete unit from one cut short by a kill.
 * JSON has no NaN or Infinity: a PSNR of identical images and an undefined relative radius are null.
 */
import { z } from 'zod';
import { ATTACK_KINDS, CERT_REFERENCES } from './robustness';

export const RESULT_FORMAT = 'ct-audit/audit-result' as const;
export const RESULT_VERSION = 2 as const;
export const SUMMARY_FORMAT = 'ct-audit/audit-summary' as const;
export const SUMMARY_VERSION = 2 as const;

/** ||img - x||_2 and PSNR/SSIM against the reference x (data range: max - min of x). */
export const qualitySchema = z.object({
  error: z.number(),
  psnr: z.number().nullable(),
  ssim: z.number(),
});
export type Quality = z.infer<typeof qualitySchema>;

const certifiedSigmaSchema = z.object({
  sigmaIndex: z.number().int().min(0),
  /** The sigma entry as written in the spec ("eps/1", "2%") and its per-element value for this slice. */
  sigma: z.string(),
  sigmaValue: z.number(),
  /** sigma as an HU-equivalent per-element level (null when undefined). */
  sigmaHu: z.number().nullable(),
  /** Certified quantile level p = Phi(Phi^-1(q) + eps/sigma). */
  p: z.number(),
  /** Empirical q-quantile (q = 0.5: the median) of the smoothed error (1/n)||f(y' + delta) - r||^2. */
  median: z.number(),
  /** The certified upper bound at the confidence, or null when abstaining. */
  certified: z.number().nullable(),
  k: z.number().int().nullable(),
  abstain: z.boolean(),
  reason: z.string().nullable(),
  minSamples: z.number().int().nullable(),
  /** The largest radius these samples certify at this sigma (absolute, same space). */
  maxRadius: z.number(),
  coverage: z.number().nullable(),
  /** The smoothed estimate (the median-error sample's reconstruction) against x. */
  smoothed: qualitySchema,
  /** The certified sample's reconstruction against x (null when abstaining). */
  certifiedQuality: z.object({ psnr: z.number().nullable(), ssim: z.number() }).nullable(),
});
export type CertifiedSigma = z.infer<typeof certifiedSigmaSchema>;

const nullableNumber = z.number().nullable();

export const resultLineSchema = z.object({
  format: z.literal(RESULT_FORMAT),
  version: z.literal(RESULT_VERSION),
  /** Position in the audit's slice order (deterministic), the slice id (de-identified) and its group. */
  slice: z.object({ index: z.number().int().min(0), id: z.string(), group: z.string() }),
  model: z.object({ index: z.number().int().min(0), name: z.string(), description: z.string() }),
  /** Number of lines of this slice x model (the grid points). */
  unitLines: z.number().int().min(1),
  epsIndex: z.number().int().min(0),
  /**
   * The grid point: its entry, the space of the perturbation, and the radius (for 'radius' grids the ball's
   * radius; for 'lambda' and 'single' grids the norm the attack reached, which is also the certified radius).
   */
  eps: z.object({
    spec: z.string(),
    grid: z.enum(['radius', 'lambda', 'single']),
    space: z.enum(['x', 'y']),
    value: z.number(),
    relative: nullableNumber,
    hu: nullableNumber,
  }),
  /** ||x||, ||A x|| (clean, before noise), the PSNR data range max(x) - min(x), l2 norm of 1 HU-eq RMS. */
  reference: z.object({
    norm: z.number(),
    signalNorm: z.number(),
    dataRange: z.number(),
    perHu: z.number(),
  }),
  /** f(y) against x. */
  clean: qualitySchema,
  attack: z.object({
    kind: z.enum(ATTACK_KINDS),
    deltaNorm: z.number(),
    /** f(y') against x; error = Delta_max of eq. (8). */
    perturbed: qualitySchema,
  }),
  certification: z
    .object({
      /** The fixed reference the certified error is measured against. */
      reference: z.enum(CERT_REFERENCES),
      space: z.enum(['x', 'y']),
      samples: z.number().int().min(1),
      confidence: z.number(),
      quantile: z.number(),
      perSigma: z.array(certifiedSigmaSchema),
    })
    .nullable(),
});
export type ResultLine = z.infer<typeof resultLineSchema>;

/** The key of a line's unit (slice x model). */
export function unitKey(l: Pick<ResultLine, 'slice' | 'model'>): string {
  return `${l.model.name}\u0000${l.slice.id}`;
}

/** A grid point over the slices: its entry and mean radius (absolute, relative, HU-equivalent). */
const epsSummarySchema = z.object({
  index: z.number().int(),
  spec: z.string(),
  meanValue: z.number(),
  meanRelative: nullableNumber,
  meanHu: nullableNumber,
});

export const statsSchema = z.object({
  n: z.number().int(),
  mean: z.number(),
  /** Sample standard deviation (n - 1); 0 for one slice. */
  std: z.number(),
  min: z.number(),
  median: z.number(),
  max: z.number(),
});
export type Stats = z.infer<typeof statsSchema>;

export const summarySchema = z.object({
  format: z.literal(SUMMARY_FORMAT),
  version: z.literal(SUMMARY_VERSION),
  /** Computed from results.jsonl alone (`ct-audit report --from` recomputes it). */
  lines: z.number().int(),
  slices: z.object({ count: z.number().int(), groups: z.number().int() }),
  models: z.array(
    z.object({
      index: z.number().int(),
      name: z.string(),
      description: z.string(),
      slices: z.number().int(),
    }),
  ),
  attack: z
    .object({
      kind: z.enum(ATTACK_KINDS),
      space: z.enum(['x', 'y']),
      grid: z.enum(['radius', 'lambda', 'single']),
      eps: z.array(epsSummarySchema),
    })
    .nullable(),
  /** rho-hat(eps) per model (eq. 9 of papers/000) with its spread over slices. */
  rhoHat: z.array(
    z.object({
      model: z.string(),
      /** The attack this model got (spsa-* for a black-box model); absent in summaries written before it. */
      attack: z.enum(ATTACK_KINDS).optional(),
      clean: statsSchema,
      cleanPsnr: nullableNumber,
      cleanSsim: z.number(),
      points: z.array(
        z.object({
          epsIndex: z.number().int(),
          spec: z.string(),
          meanRelative: nullableNumber,
          meanHu: nullableNumber,
          rhoHat: z.number(),
          stats: statsSchema,
          /** rho-hat / mean clean error. */
          ratioToClean: nullableNumber,
          meanPsnr: nullableNumber,
          meanSsim: z.number(),
          /** The smoothed estimate at the attacked input per sigma (from the certification samples). */
          smoothed: z.array(
            z.object({
              sigmaIndex: z.number().int(),
              sigma: z.string(),
              meanError: z.number(),
              meanPsnr: nullableNumber,
            }),
          ),
        }),
      ),
    }),
  ),
  certification: z
    .object({
      reference: z.enum(CERT_REFERENCES),
      space: z.enum(['x', 'y']),
      samples: z.number().int(),
      confidence: z.number(),
      quantile: z.number(),
      /** The radii certified: the attack grid's (a certificate at each attacked input). */
      eps: z.array(epsSummarySchema),
      sigma: z.array(z.object({ index: z.number().int(), spec: z.string() })),
      table: z.array(
        z.object({
          model: z.string(),
          epsIndex: z.number().int(),
          sigmaIndex: z.number().int(),
          slices: z.number().int(),
          certifiedSlices: z.number().int(),
          abstentions: z.number().int(),
          reasons: z.array(z.string()),
          /** Mean per-element sigma over the slices, and as HU-equivalent. */
          meanSigma: z.number(),
          meanSigmaHu: nullableNumber,
          meanMedian: z.number(),
          /** Mean certified bound over the certified slices (null when every slice abstains). */
          meanCertified: nullableNumber,
          /** Largest certified bound over the slices (null when any slice abstains). */
          maxCertified: nullableNumber,
          meanSmoothedPsnr: nullableNumber,
          meanSmoothedSsim: z.number(),
          meanCertifiedPsnr: nullableNumber,
          meanCertifiedSsim: nullableNumber,
          /** Smallest over the slices of the largest radius the samples certify (absolute). */
          minMaxRadius: z.number(),
        }),
      ),
      /** Per model and radius: the sigma whose certified reconstructions have the best mean PSNR, all slices certified. */
      bestSigma: z.array(
        z.object({
          model: z.string(),
          epsIndex: z.number().int(),
          sigmaIndex: z.number().int().nullable(),
          sigma: z.string().nullable(),
          meanCertifiedPsnr: nullableNumber,
          meanCertified: nullableNumber,
          reason: z.string().nullable(),
        }),
      ),
    })
    .nullable(),
  /** Per model, the slices with the largest Delta_max at the largest attack radius (ties: lower slice index). */
  worst: z.array(
    z.object({
      model: z.string(),
      epsIndex: z.number().int(),
      slices: z.array(
        z.object({
          rank: z.number().int(),
          sliceIndex: z.number().int(),
          sliceId: z.string(),
          group: z.string(),
          error: z.number(),
          cleanError: z.number(),
        }),
      ),
    }),
  ),
});
export type AuditSummary = z.infer<typeof summarySchema>;

/** One series of a batch audit: its folder, status and per-model headline numbers (batch.json, the UI). */
export interface BatchSeriesRow {
  id: string;
  folder: string;
  files: number;
  slices: number;
  status: 'complete' | 'failed' | 'pending';
  error: string | null;
  /**
   * What the reader of the table must know: the series' warnings (assumptions made reading its files, e.g. a
   * missing Rescale Slope taken as 1; copies left out; uneven spacing) and the slices skipped when decoded,
   * with the reason (e.g. display values, not HU).
   */
  warnings?: string[];
  models: {
    model: string;
    clean: number;
    rhoHat: { spec: string; value: number }[];
    /** Mean certified bound at the first certified radius and its best sigma (null: none certified). */
    certified: number | null;
    certifiedSigma: string | null;
    /** This series has the largest rho-hat at the largest radius for this model. */
    worst: boolean;
  }[];
}
