/** Synthetic result lines for the store and summary tests (valid against the schema). */
import { RESULT_FORMAT, RESULT_VERSION, type ResultLine } from '../../../src/shared/audit-results';

export interface LineOptions {
  slice: number;
  model: number;
  epsIndex: number;
  unitLines?: number;
  cleanError?: number;
  error?: number;
  /** Per sigma: [median, certified | null]; null: no certification. */
  cert?: [number, number | null][] | null;
  psnr?: number | null;
}

export function line(o: LineOptions): ResultLine {
  const clean = { error: o.cleanError ?? 1, psnr: 30, ssim: 0.9 };
  const cert = o.cert === undefined ? [[1e-4, 2e-4] as [number, number | null]] : o.cert;
  return {
    format: RESULT_FORMAT,
    version: RESULT_VERSION,
    slice: {
      index: o.slice,
      id: `s${o.slice}`,
      group: o.slice < 2 ? 'series-aaaaaaaaaaaa' : 'series-bbbbbbbbbbbb',
    },
    model: { index: o.model, name: `m${o.model}`, description: `model ${o.model}` },
    unitLines: o.unitLines ?? 3,
    epsIndex: o.epsIndex,
    eps: {
      spec: `${o.epsIndex + 1}%`,
      grid: 'radius',
      space: 'y',
      value: (o.epsIndex + 1) * 10,
      relative: (o.epsIndex + 1) / 100,
      hu: (o.epsIndex + 1) * 2,
    },
    reference: { norm: 100, signalNorm: 1000, dataRange: 1, perHu: 5 },
    clean,
    attack: {
      kind: 'pga-y',
      deltaNorm: (o.epsIndex + 1) * 10,
      perturbed: { error: o.error ?? 2, psnr: o.psnr === undefined ? 25 : o.psnr, ssim: 0.8 },
    },
    certification:
      cert === null
        ? null
        : {
            reference: 'truth',
            space: 'y',
            samples: 20,
            confidence: 0.99,
            quantile: 0.5,
            perSigma: cert.map(([median, certified], j) => ({
              sigmaIndex: j,
              sigma: `eps/${j + 1}`,
              sigmaValue: 10 / (j + 1),
              sigmaHu: 40 / (j + 1),
              p: 0.7,
              median,
              certified,
              k: certified === null ? null : 15,
              abstain: certified === null,
              reason: certified === null ? 'S = 20 samples are too few' : null,
              minSamples: certified === null ? 75 : null,
              maxRadius: 12,
              coverage: certified === null ? null : 0.995,
              smoothed: { error: 1.5, psnr: 28 - j, ssim: 0.85 },
              certifiedQuality: certified === null ? null : { psnr: 27 - 2 * j, ssim: 0.84 },
            })),
          },
  };
}

/** All lines of one unit: one per radius 0..n-1 (attack and certification at the attacked input). */
export function unit(
  slice: number,
  model: number,
  o: { errors: number[]; cleanError?: number; cert?: [number, number | null][] | null },
): ResultLine[] {
  const n = o.errors.length;
  return o.errors.map((error, k) =>
    line({ slice, model, epsIndex: k, unitLines: n, error, cleanError: o.cleanError, cert: o.cert }),
  );
}

export function jsonl(lines: ResultLine[]): string {
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}
