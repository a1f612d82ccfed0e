/**
 * What an audit writes (DESIGN.md section 5): the schema of one `results.jsonl` line and of `summary.json`.
 * Plain data and zod only, so the engine, the report builder and the UI read the same types.
 *
 * results.jsonl holds one line per slice x model x radius, in two kinds (`test`):
 *   'attack'   a radius of the attack grid: clean and perturbed reconstruction errors, PSNR/SSIM, Delta_max
 *              (eq. 8 of papers/000), and the smoothed reconstruction at the attacked input per sigma;
 *   'certify'  a radius of the certification grid: per sigma, the median and certified smoothed discrepancy
 *              (papers/002 eq. 6, Algorithm 4) or abstain with the reason, and the smoothed PSNR/SSIM.
 * The lines of one slice x model (a "unit") are appended together; each carries `unitLines`, the number of
 * lines of its unit, so a reader can tell a complete unit from one cut short by a kill.
 * JSON has no NaN or Infinity: a PSNR of identical images and an undefined relative radius are null.
 */
import { z } from 'zod';

export const RESULT_FORMAT = 'ct-audit/audit-result' as const;
export const SUMMARY_FORMAT = 'ct-audit/audit-summary' as const;

/** ||img - x||_2 and PSNR/SSIM against the reference x (data range: max - min of x). */
export const qualitySchema = z.object({
  error: z.number(),
  psnr: z.number().nullable(),
  ssim: z.number(),
});
export type Quality = z.infer<typeof qualitySchema>;

const smoothedAtAttackSchema = z.object({
  sigmaIndex: z.number().int().min(0),
  /** The sigma entry as written in the spec ("2%") and its value for this slice. */
  sigma: z.string(),
  sigmaValue: z.number(),
  samples: z.number().int().min(1),
  /** The mean of f(y' + noise) over the samples (eq. 9 of papers/002) against x. */
  quality: qualitySchema,
});

const certifiedSigmaSchema = z.object({
  sigmaIndex: z.number().int().min(0),
  sigma: z.string(),
  sigmaValue: z.number(),
  /** Certified quantile level p = Phi(Phi^-1(q) + eps/sigma). */
  p: z.number(),
  /** Empirical D_q of the smoothed discrepancy (q = 0.5: the median), (1/n)||f(y + noise) - f(y)||^2. */
  median: z.number(),
  /** The certified upper bound at the confidence, or null when abstaining. */
  certified: z.number().nullable(),
  k: z.number().int().nullable(),
  abstain: z.boolean(),
  reason: z.string().nullable(),
  minSamples: z.number().int().nullable(),
  coverage: z.number().nullable(),
  /** The median sample's reconstruction against x. */
  smoothed: qualitySchema,
  /** The certified sample's reconstruction against x (null when abstaining). */
  certifiedQuality: z.object({ psnr: z.number().nullable(), ssim: z.number() }).nullable(),
});

export const resultLineSchema = z
  .object({
    format: z.literal(RESULT_FORMAT),
    version: z.literal(1),
    /** Position in the audit's slice order (deterministic), the slice id (de-identified) and its group. */
    slice: z.object({ index: z.number().int().min(0), id: z.string(), group: z.string() }),
    model: z.object({ index: z.number().int().min(0), name: z.string(), description: z.string() }),
    test: z.enum(['attack', 'certify']),
    /** Number of lines of this slice x model (attack radii + certification radii). */
    unitLines: z.number().int().min(1),
    epsIndex: z.number().int().min(0),
    eps: z.object({
      spec: z.string(),
      space: z.enum(['x', 'y']),
      value: z.number(),
      relative: z.number().nullable(),
    }),
    /** ||x||, ||A x|| (clean, before noise) and the PSNR data range max(x) - min(x). */
    reference: z.object({ norm: z.number(), signalNorm: z.number(), dataRange: z.number() }),
    /** f(y) against x. */
    clean: qualitySchema,
    attack: z
      .object({
        kind: z.enum(['pga-y', 'pgd-x']),
        deltaNorm: z.number(),
        /** f(y + delta) against x; error = Delta_max of eq. (8). */
        perturbed: qualitySchema,
        smoothed: z.array(smoothedAtAttackSchema),
      })
      .nullable(),
    certification: z
      .object({
        space: z.enum(['x', 'y']),
        samples: z.number().int().min(1),
        confidence: z.number(),
        quantile: z.number(),
        perSigma: z.array(certifiedSigmaSchema),
      })
      .nullable(),
  })
  .superRefine((l, ctx) => {
    if ((l.test === 'attack') !== (l.attack !== null)) {
      ctx.addIssue({ code: 'custom', message: 'an attack line has `attack` (and only it)' });
    }
    if ((l.test === 'certify') !== (l.certification !== null)) {
      ctx.addIssue({ code: 'custom', message: 'a certify line has `certification` (and only it)' });
    }
  });
export type ResultLine = z.infer<typeof resultLineSchema>;

/** The key of a line's unit (slice x model). */
export function unitKey(l: Pick<ResultLine, 'slice' | 'model'>): string {
  return `${l.model.name}\u0000${l.slice.id}`;
}

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

const nullableNumber = z.number().nullable();

export const summarySchema = z.object({
  format: z.literal(SUMMARY_FORMAT),
  version: z.literal(1),
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
      kind: z.enum(['pga-y', 'pgd-x']),
      space: z.enum(['x', 'y']),
      eps: z.array(
        z.object({
          index: z.number().int(),
          spec: z.string(),
          meanValue: z.number(),
          meanRelative: nullableNumber,
        }),
      ),
    })
    .nullable(),
  /** rho-hat(eps) per model (eq. 9 of papers/000) with its spread over slices. */
  rhoHat: z.array(
    z.object({
      model: z.string(),
      clean: statsSchema,
      cleanPsnr: nullableNumber,
      cleanSsim: z.number(),
      points: z.array(
        z.object({
          epsIndex: z.number().int(),
          spec: z.string(),
          meanRelative: nullableNumber,
          rhoHat: z.number(),
          stats: statsSchema,
          /** rho-hat / mean clean error. */
          ratioToClean: nullableNumber,
          meanPsnr: nullableNumber,
          meanSsim: z.number(),
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
      space: z.enum(['x', 'y']),
      samples: z.number().int(),
      confidence: z.number(),
      quantile: z.number(),
      eps: z.array(
        z.object({
          index: z.number().int(),
          spec: z.string(),
          meanValue: z.number(),
          meanRelative: nullableNumber,
        }),
      ),
      sigma: z.array(z.object({ index: z.number().int(), spec: z.string(), meanValue: z.number() })),
      table: z.array(
        z.object({
          model: z.string(),
          epsIndex: z.number().int(),
          sigmaIndex: z.number().int(),
          slices: z.number().int(),
          certifiedSlices: z.number().int(),
          abstentions: z.number().int(),
          reasons: z.array(z.string()),
          meanMedian: z.number(),
          /** Mean certified bound over the certified slices (null when every slice abstains). */
          meanCertified: nullableNumber,
          /** Largest certified bound over the slices (null when any slice abstains). */
          maxCertified: nullableNumber,
          meanSmoothedPsnr: nullableNumber,
          meanSmoothedSsim: z.number(),
          meanCertifiedPsnr: nullableNumber,
          meanCertifiedSsim: nullableNumber,
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
