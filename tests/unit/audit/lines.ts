/** Synthetic result lines for the store and summary tests (valid against the schema). */
import { RESULT_FORMAT, type ResultLine } from '../../../src/shared/audit-results';

export interface LineOptions {
  slice: number;
  model: number;
  test: 'attack' | 'certify';
  epsIndex: number;
  unitLines?: number;
  cleanError?: number;
  error?: number;
  /** Per sigma: [median, certified | null]. */
  cert?: [number, number | null][];
  psnr?: number | null;
}

export function line(o: LineOptions): ResultLine {
  const clean = { error: o.cleanError ?? 1, psnr: 30, ssim: 0.9 };
  return {
    format: RESULT_FORMAT,
    version: 1,
    slice: {
      index: o.slice,
      id: `s${o.slice}`,
      group: o.slice < 2 ? 'series-aaaaaaaaaaaa' : 'series-bbbbbbbbbbbb',
    },
    model: { index: o.model, name: `m${o.model}`, description: `model ${o.model}` },
    test: o.test,
    unitLines: o.unitLines ?? 3,
    epsIndex: o.epsIndex,
    eps: {
      spec: o.test === 'attack' ? `${o.epsIndex + 1}%` : '0.01%',
      space: o.test === 'attack' ? 'y' : 'x',
      value: (o.epsIndex + 1) * 10,
      relative: (o.epsIndex + 1) / 100,
    },
    reference: { norm: 100, signalNorm: 1000, dataRange: 1 },
    clean,
    attack:
      o.test === 'attack'
        ? {
            kind: 'pga-y',
            deltaNorm: (o.epsIndex + 1) * 10,
            perturbed: { error: o.error ?? 2, psnr: o.psnr === undefined ? 25 : o.psnr, ssim: 0.8 },
            smoothed: [
              {
                sigmaIndex: 0,
                sigma: '1%',
                sigmaValue: 0.01,
                samples: 4,
                quality: { error: 3, psnr: 24, ssim: 0.7 },
              },
            ],
          }
        : null,
    certification:
      o.test === 'certify'
        ? {
            space: 'x',
            samples: 20,
            confidence: 0.99,
            quantile: 0.5,
            perSigma: (o.cert ?? [[1e-4, 2e-4]]).map(([median, certified], j) => ({
              sigmaIndex: j,
              sigma: `${j + 1}%`,
              sigmaValue: 0.01 * (j + 1),
              p: 0.7,
              median,
              certified,
              k: certified === null ? null : 15,
              abstain: certified === null,
              reason: certified === null ? 'S = 20 samples are too few' : null,
              minSamples: certified === null ? 75 : null,
              coverage: certified === null ? null : 0.995,
              smoothed: { error: 1.5, psnr: 28 - j, ssim: 0.85 },
              certifiedQuality: certified === null ? null : { psnr: 27 - 2 * j, ssim: 0.84 },
            })),
          }
        : null,
  };
}

/** All lines of one unit: attack radii 0..nA-1 then certification radii 0..nC-1. */
export function unit(
  slice: number,
  model: number,
  o: { errors: number[]; cleanError?: number; cert?: [number, number | null][]; nCert?: number },
): ResultLine[] {
  const nC = o.nCert ?? 1;
  const n = o.errors.length + nC;
  return [
    ...o.errors.map((error, k) =>
      line({ slice, model, test: 'attack', epsIndex: k, unitLines: n, error, cleanError: o.cleanError }),
    ),
    ...Array.from({ length: nC }, (_, e) =>
      line({
        slice,
        model,
        test: 'certify',
        epsIndex: e,
        unitLines: n,
        cert: o.cert,
        cleanError: o.cleanError,
      }),
    ),
  ];
}

export function jsonl(lines: ResultLine[]): string {
  return lines.map((l) => `${JSON.stringify(l)}\n`).join('');
}
