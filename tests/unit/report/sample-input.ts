/**
 * A synthetic but realistic ReportInput: phantoms (Shepp-Logan and random ellipses) measured with the real
 * projector of src/main/engine/physics, reconstructed by three stand-in "models" built on the real FBP, with
 * every number in the report computed from the arrays (errors, PSNR/SSIM, order statistics of the real
 * certifier). Used by the report tests and by bench/report-sample.ts (to render and look at a report).
 *
 * Stand-ins (no training, so the fixture builds in about a second):
 *   fbp     f(y) = max(0, FBP(y))
 *   ord     f(y) = max(0, u + 0.9 (u - blur(u))), u = FBP(y)    sharpening: amplifies perturbations
 *   minmax  f(y) = max(0, blur(u))                               smoothing: damps them
 * The "attack" is a fixed structured direction per slice (A of a localized oscillating pattern), scaled to
 * each eps; smoothing samples are FBP(A z) with z ~ N(0, I), shared by the slices (the stand-ins are linear
 * up to the clamp at 0).
 */
import type {
  ReportCertificationRow,
  ReportInput,
  ReportModel,
  ReportRhoHatCurve,
  ReportSigmaSweep,
  ReportSliceRow,
  ReportTrainingSettings,
  ReportWorstCase,
} from '@shared/report-input';
import { chooseWindow } from '@shared/display/auto-window';
import { xArrayToHu } from '@shared/units';
import { METHOD_HYPERS, resolveHyper } from '../../../src/main/engine/training/defaults';
import type { MethodName } from '../../../src/main/engine/training/method';
import { spreadOf, type ReportSmoothingRow } from '@shared/report-input';
import { certificationStatement } from '../../../src/main/engine/audit/report-input';
import { makeGeometry, type Geometry } from '@shared/geometry';
import {
  certifiedOrderStatistic,
  empiricalQuantileRank,
} from '../../../src/main/engine/certify/order-statistic';
import { addGaussianNoise, fbpArray, makePhantom, radonForwardArray } from '../../../src/main/engine/physics';
import { createRng } from '../../../src/main/engine/random';
import { psnrRef, ssimRef } from '../metrics/reference';

export interface SampleOptions {
  /** Image side N (views scale with it as in the demo preset: 36 views at 128). */
  size?: number;
  slices?: number;
  /** Smoothing samples S per sigma. */
  samples?: number;
  /** A file path with a fake patient name, planted where the report must show a hash instead. */
  plantedPath?: string;
  /** A fake patient name, planted in redactTerms and in a free-text note. */
  plantedName?: string;
  phi?: 'exclude' | 'include';
}

export const PLANTED_PATH = '/data/scans/DOE_JOHN_1957/CT_head/IM-0001-0042.dcm';
export const PLANTED_NAME = 'Doe^John';

const EPS_GRID = [0, 0.005, 0.01, 0.02];
const SIGMAS = [0.01, 0.02, 0.05, 0.1];
/** Certified radius (image space, absolute): eps/sigma = 5, 2.5, 1, 0.5 over the grid. */
const CERT_EPS = 0.05;
const CONFIDENCE = 0.99;

type Post = (u: Float32Array, n: number) => Float32Array;

function blur3(u: Float32Array, n: number): Float32Array {
  const tmp = new Float32Array(u.length);
  const out = new Float32Array(u.length);
  const k = [0.25, 0.5, 0.25];
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = -1; d <= 1; d++) s += k[d + 1] * u[i * n + Math.min(n - 1, Math.max(0, j + d))];
      tmp[i * n + j] = s;
    }
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = -1; d <= 1; d++) s += k[d + 1] * tmp[Math.min(n - 1, Math.max(0, i + d)) * n + j];
      out[i * n + j] = s;
    }
  return out;
}

const POSTS: Record<string, Post> = {
  fbp: (u) => u,
  ord: (u, n) => {
    const b = blur3(u, n);
    return u.map((v, i) => v + 0.9 * (v - b[i]));
  },
  minmax: (u, n) => blur3(u, n),
};

const clamp0 = (a: Float32Array): Float32Array => a.map((v) => (v > 0 ? v : 0));
const add = (a: Float32Array, b: Float32Array, s = 1): Float32Array => a.map((v, i) => v + s * b[i]);
const l2 = (a: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
};
const diffNorm = (a: Float32Array, b: Float32Array): number => l2(a.map((v, i) => v - b[i]));
const nmse = (a: Float32Array, b: Float32Array): number => diffNorm(a, b) ** 2 / a.length;
const mean = (v: number[]): number => v.reduce((s, a) => s + a, 0) / v.length;

/** The papers' values of a method's hyperparameters, as the audit's report input takes them. */
function paperValuesOf(method: MethodName): Record<string, string> {
  return Object.fromEntries(Object.entries(METHOD_HYPERS[method]).map(([k, v]) => [k, v.paper]));
}

function training(optimizer: Record<string, number> = {}): ReportTrainingSettings {
  return {
    optimizer: {
      name: 'adam',
      learningRate: 0.001,
      schedule: 'cosine',
      minLearningRateFraction: 0.05,
      beta1: 0.9,
      beta2: 0.999,
      ...optimizer,
    },
    batchSize: 8,
    steps: 2000,
    stepsPerEpoch: 200,
    epochs: 10,
    noise: 'gaussian, relative 0.005',
    augment: false,
  };
}

const MODELS: ReportModel[] = [
  {
    id: 'ord',
    name: 'FBPConvNet (ord)',
    kind: 'fbpconvnet',
    description: 'Residual U-Net after FBP, trained on clean data only.',
    preset: 'small',
    method: 'ord',
    hyperparameters: {},
    paperValues: {},
    training: training(),
    trainingData: '400 random-ellipse phantoms (seed 7), 10% held out for validation',
    fbpFilter: 'ram-lak (cutoff 1)',
    parameterCount: 486_721,
    trainingSteps: 2000,
    trainingSeconds: 412,
    trainingStatus: 'complete',
    seed: '7',
    metrics: { psnr: 33.41, ssim: 0.9312, fbpPsnr: 27.95, fbpSsim: 0.7421, slices: 40 },
    weightsSha256: '3f1d0c9e8b7a6f5e4d3c2b1a09f8e7d6c5b4a3928170f6e5d4c3b2a1908f7e6d',
    trainingCurve: [
      { step: 0, loss: 0.02, valPsnr: 28.1 },
      { step: 1000, loss: 0.004, valLoss: 0.0045, valPsnr: 32.2 },
      { step: 2000, loss: 0.003, valLoss: 0.0036, valPsnr: 33.41 },
    ],
  },
  {
    id: 'minmax',
    name: 'FBPConvNet (minmax)',
    kind: 'fbpconvnet',
    description: 'Same network trained against a perturbation generator (Algorithm 1 of papers/000).',
    preset: 'small',
    method: 'minmax',
    hyperparameters: resolveHyper('minmax', { lambda1: 1, lambda2: -0.1, epsRelative: 0.01 }),
    paperValues: paperValuesOf('minmax'),
    training: training({ beta1: 0.5 }),
    trainingData: '400 random-ellipse phantoms (seed 7), 10% held out for validation',
    fbpFilter: 'ram-lak (cutoff 1)',
    parameterCount: 486_721,
    trainingSteps: 2000,
    trainingSeconds: 1033,
    trainingStatus: 'complete',
    seed: '7',
    metrics: { psnr: 32.87, ssim: 0.9224, fbpPsnr: 27.95, fbpSsim: 0.7421, slices: 40 },
    weightsSha256: 'a9b8c7d6e5f40312f1e0d9c8b7a6958473625140fedcba9876543210aabbccdd',
  },
  {
    id: 'fbp',
    name: 'FBP',
    kind: 'fbp',
    description: 'Filtered backprojection baseline.',
    preset: null,
    method: null,
    hyperparameters: {},
    trainingData: null,
    fbpFilter: 'ram-lak (cutoff 1)',
    metrics: null,
    weightsSha256: null,
  },
];

export function makeSampleReportInput(o: SampleOptions = {}): ReportInput {
  const N = o.size ?? 64;
  const views = Math.max(4, Math.round((N * 36) / 128));
  const g: Geometry = makeGeometry({ size: N, views });
  const B = o.slices ?? 4;
  const S = o.samples ?? 40;
  const plantedPath = o.plantedPath ?? PLANTED_PATH;
  const plantedName = o.plantedName ?? PLANTED_NAME;
  const nPix = N * N;
  const nMeas = g.views * g.detectors;

  // Slices: Shepp-Logan then random ellipses; noisy measurements (0.5% Gaussian).
  const x: Float32Array[] = [];
  for (let b = 0; b < B; b++) {
    x.push(
      makePhantom(b === 0 ? 'shepp-logan' : 'ellipses', N, { seed: `report-sample/${b}`, supersample: 2 })
        .image,
    );
  }
  const Ax = x.map((xi) => radonForwardArray(xi, 1, g));
  const y = Ax.map((a, b) => addGaussianNoise(a, { relative: 0.005 }, `report-sample/noise/${b}`));
  const u = y.map((yi) => fbpArray(yi, 1, g));
  const sliceLabel = (b: number) => (b === 0 ? 'Shepp-Logan' : `ellipses #${b}`);
  // Shepp-Logan's values are not HU: its range; the ellipse phantoms stand in for DICOM slices that carry
  // a soft-tissue window of their own.
  const windowFor = (b: number): ReportWorstCase['window'] => {
    const w = chooseWindow(xArrayToHu(x[b]), N, {
      calibrated: b !== 0,
      fileWindow: b === 0 ? null : { center: 40, width: 400, name: 'SOFT TISSUE' },
    });
    return { center: w.center, width: w.width, unit: 'HU', name: w.name, source: w.source, reason: w.reason };
  };

  // Attack direction per slice: A of a localized oscillating pattern, unit norm in measurement space.
  const dirs = x.map((_, b) => {
    const rng = createRng(`report-sample/dir/${b}`);
    const ci = N * (0.35 + 0.3 * rng.uniform());
    const cj = N * (0.35 + 0.3 * rng.uniform());
    const h = new Float32Array(nPix);
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const r2 = ((i - ci) ** 2 + (j - cj) ** 2) / (0.12 * N) ** 2;
        h[i * N + j] = Math.exp(-r2) * Math.cos((2 * Math.PI * (i + j)) / 5);
      }
    const d = radonForwardArray(h, 1, g);
    const nd = l2(d);
    return {
      d: d.map((v) => v / nd),
      fbp: fbpArray(
        d.map((v) => v / nd),
        1,
        g,
      ),
    };
  });
  // Smoothing directions: FBP(A z), z ~ N(0, I) in image space (scaled by sigma later).
  const zs: Float32Array[] = [];
  {
    const rng = createRng('report-sample/smoothing');
    const batch = new Float32Array(S * nPix);
    rng.fillNormal(batch);
    const Az = radonForwardArray(batch, S, g);
    const fz = fbpArray(Az, S, g);
    for (let k = 0; k < S; k++) zs.push(fz.subarray(k * nPix, (k + 1) * nPix));
  }
  void nMeas;

  const rhoHat: ReportRhoHatCurve[] = [];
  const rows: ReportCertificationRow[] = [];
  const sweeps: ReportSigmaSweep[] = [];
  const table: ReportSmoothingRow[] = [];
  const worstCases: ReportWorstCase[] = [];
  const sliceRows: ReportSliceRow[] = [];
  const headlineEps = 0.01;
  const headlineSigma = 0.05;

  for (const m of MODELS) {
    const post = POSTS[m.id];
    const f = (uu: Float32Array) => clamp0(post(uu, N));
    const clean = u.map(f);
    const ranges = x.map((xi) => Math.max(...xi) - Math.min(...xi));
    // rho-hat over the eps grid.
    const perEps = EPS_GRID.map((er) =>
      x.map((xi, b) => {
        const eps = er * l2(Ax[b]);
        const rec = f(add(u[b], dirs[b].fbp, eps));
        return { eps, rec, err: diffNorm(rec, xi), psnr: psnrRef(xi, rec, ranges[b]) };
      }),
    );
    rhoHat.push({
      model: m.id,
      attack: {
        kind: 'pga-y',
        space: 'y',
        settings: { steps: 100, 'step size': 0.1, momentum: 0.9, restarts: 1 },
      },
      points: EPS_GRID.map((er, k) => ({
        spec: `${+(er * 100).toPrecision(6)}%`,
        eps: mean(perEps[k].map((s) => s.eps)),
        epsRelative: er,
        rhoHat: mean(perEps[k].map((s) => s.err)),
        spread: spreadOf(perEps[k].map((s) => s.err)),
        relativeError: mean(perEps[k].map((s, b) => s.err / l2(x[b]))),
        psnr: mean(perEps[k].map((s) => s.psnr)),
        slices: B,
      })),
    });

    // Certification per sigma at CERT_EPS (image space), on the attacked measurement at the headline eps.
    const kHead = EPS_GRID.indexOf(headlineEps);
    const attackedU = x.map((_, b) => add(u[b], dirs[b].fbp, perEps[kHead][b].eps));
    const sweepPoints: ReportSigmaSweep['points'] = [];
    let bestSigma: number | null = null;
    let bestPsnr = -Infinity;
    for (const sigma of SIGMAS) {
      const os = certifiedOrderStatistic({
        samples: S,
        eps: CERT_EPS,
        sigma,
        confidence: CONFIDENCE,
        quantile: 0.5,
      });
      const medRank = empiricalQuantileRank(S, 0.5);
      const perSlice = x.map((xi, b) => {
        const recs = zs.map((z) => f(add(attackedU[b], z, sigma)));
        // The error against a fixed reference (the clean reconstruction), as the engine certifies it.
        const disc = recs.map((r) => nmse(r, clean[b]));
        const order = disc.map((_, k) => k).sort((p, q) => disc[p] - disc[q] || p - q);
        const med = recs[order[medRank - 1]];
        const cert = os.k === null ? null : recs[order[os.k - 1]];
        return {
          median: disc[order[medRank - 1]],
          certified: os.k === null ? null : disc[order[os.k - 1]],
          medRec: med,
          psnr: psnrRef(xi, med, ranges[b]),
          ssim: ssimRef(xi, med, N, N, ranges[b]).mean,
          certPsnr: cert ? psnrRef(xi, cert, ranges[b]) : null,
        };
      });
      const certified = perSlice.filter((s) => s.certified !== null);
      const row: ReportCertificationRow = {
        model: m.id,
        sigma,
        space: 'x',
        eps: CERT_EPS,
        epsRelative: mean(x.map((xi) => CERT_EPS / l2(xi))),
        confidence: CONFIDENCE,
        samples: S,
        p: os.p,
        k: os.k,
        medianDiscrepancy: mean(perSlice.map((s) => s.median)),
        certifiedDiscrepancy: certified.length > 0 ? mean(certified.map((s) => s.certified as number)) : null,
        certifiedDiscrepancyMax:
          certified.length > 0 ? Math.max(...certified.map((s) => s.certified as number)) : null,
        smoothedPsnr: mean(perSlice.map((s) => s.psnr)),
        smoothedSsim: mean(perSlice.map((s) => s.ssim)),
        certifiedPsnr: certified.length > 0 ? mean(certified.map((s) => s.certPsnr as number)) : null,
        slices: B,
        certifiedSlices: certified.length,
        abstentions: os.abstain
          ? [{ reason: os.reason ?? 'abstained', count: B, minSamples: os.minSamples }]
          : [],
      };
      rows.push(row);
      const certPsnr = row.certifiedPsnr ?? null;
      if (certPsnr !== null && certPsnr > bestPsnr) {
        bestPsnr = certPsnr;
        bestSigma = sigma;
      }
      sweepPoints.push({
        sigma,
        certifiedDiscrepancy: row.certifiedDiscrepancy,
        smoothedPsnr: row.smoothedPsnr,
        certifiedPsnr: row.certifiedPsnr,
        abstained: B - certified.length,
      });
      if (sigma === headlineSigma) {
        perSlice.forEach((s, b) => {
          sliceRows.push({
            model: m.id,
            slice: sliceLabel(b),
            epsSpec: '1%',
            eps: perEps[kHead][b].eps,
            epsRelative: headlineEps,
            cleanError: perEps[0][b].err,
            perturbedError: perEps[kHead][b].err,
            cleanPsnr: perEps[0][b].psnr,
            perturbedPsnr: perEps[kHead][b].psnr,
            sigma,
            medianDiscrepancy: s.median,
            certifiedDiscrepancy: s.certified,
            smoothedPsnr: s.psnr,
            abstainReason: s.certified === null ? os.reason : null,
          });
        });
        // Worst case: the slice with the largest Delta_max at the headline eps.
        let w = 0;
        perEps[kHead].forEach((s, b) => {
          if (s.err > perEps[kHead][w].err) w = b;
        });
        worstCases.push({
          model: m.id,
          slice: sliceLabel(w),
          size: N,
          eps: perEps[kHead][w].eps,
          epsRelative: headlineEps,
          reference: x[w],
          clean: clean[w],
          perturbed: perEps[kHead][w].rec,
          smoothed: perSlice[w].medRec,
          sigma,
          perturbation: {
            views: g.views,
            detectors: g.detectors,
            data: dirs[w].d.map((v) => v * perEps[kHead][w].eps),
            clean: Ax[w],
          },
          window: windowFor(w),
          cleanError: perEps[0][w].err,
          perturbedError: perEps[kHead][w].err,
          cleanPsnr: perEps[0][w].psnr,
          perturbedPsnr: perEps[kHead][w].psnr,
          smoothedPsnr: perSlice[w].psnr,
        });
      }
    }
    // papers/002 Table 1 rows: perturbed PSNR at every attacked radius, the certificate at the headline one.
    const mine = rows.filter((r) => r.model === m.id);
    const best = mine.find((r) => r.sigma === bestSigma);
    EPS_GRID.forEach((er, k) => {
      const at = k === kHead ? best : undefined;
      table.push({
        model: m.id,
        epsIndex: k,
        epsSpec: `${+(er * 100).toPrecision(6)}%`,
        eps: mean(perEps[k].map((s) => s.eps)),
        epsRelative: er,
        epsHu: null,
        perturbedPsnr: mean(perEps[k].map((s) => s.psnr)),
        sigmaText: at ? String(at.sigma) : null,
        sigmaHu: null,
        smoothedPsnr: at?.smoothedPsnr ?? null,
        certifiedPsnr: at?.certifiedPsnr ?? null,
        certifiedBound: at?.certifiedDiscrepancy ?? null,
        certifiedSlices: at?.certifiedSlices ?? 0,
        slices: B,
        reason: at
          ? null
          : k === kHead
            ? 'every sigma abstains on at least one slice'
            : 'not certified in this sample',
      });
    });
    sweeps.push({
      model: m.id,
      space: 'x',
      eps: CERT_EPS,
      epsRelative: rows[rows.length - 1].epsRelative,
      confidence: CONFIDENCE,
      samples: S,
      points: sweepPoints,
      bestSigma,
      bestReason: bestSigma === null ? 'every sigma abstains on at least one slice' : null,
    });
  }

  return {
    formatVersion: 1,
    title: 'Robustness audit: FBPConvNet (ord, minmax) vs FBP on phantoms',
    subtitle: 'Synthetic sample report (stand-in models built on the real projector and FBP)',
    createdAt: '2025-01-15T10:30:00.000Z',
    appVersion: '0.1.0',
    auditId: 'sample-a1',
    summary: {
      headlineEpsRelative: headlineEps,
      headlineSigma: { ord: headlineSigma, minmax: headlineSigma, fbp: headlineSigma },
      notes: [`Sample data; no patient (${plantedName}) was scanned.`],
    },
    models: MODELS,
    data: {
      description: `Software phantoms (Shepp-Logan and random ellipses), measured with the parallel-beam projector and 0.5% Gaussian noise.`,
      counts: { series: 2, slices: B + 1, slicesAudited: B, skipped: 1 },
      sources: [
        { kind: 'phantom', label: 'Shepp-Logan', slices: 1, path: null },
        { kind: 'phantom', label: 'random ellipses (seed report-sample)', slices: B - 1, path: null },
        { kind: 'dicom', label: 'DICOM folder (0 CT slices used)', slices: 0, path: plantedPath },
      ],
      series: [
        {
          id: 'series-3f2a9c01',
          modality: 'CT',
          manufacturer: 'SIEMENS',
          manufacturerModel: 'SOMATOM Definition AS',
          slices: 120,
          slicesAudited: 0,
          rows: 512,
          columns: 512,
          pixelSpacingMm: [0.703, 0.703],
          sliceThicknessMm: 1,
          kvp: 120,
          convolutionKernel: 'B30f',
          source: plantedPath,
        },
      ],
      skipped: [
        {
          file: plantedPath.replace('.dcm', '.txt'),
          reason: 'not a DICOM file (no DICM marker at byte 128)',
        },
      ],
      geometry: {
        preset: N === 128 ? 'demo' : null,
        size: N,
        views: g.views,
        detectors: g.detectors,
        detectorSpacing: g.detectorSpacing,
        angularRangeDeg: 180,
        fbpFilter: 'ram-lak',
      },
      noise: { description: 'Gaussian noise, sigma = 0.500% of the sinogram RMS', spec: 'gaussian:0.5%' },
    },
    rhoHat,
    certification: {
      rows,
      sweeps,
      table,
      statement: certificationStatement({
        reference: 'clean',
        space: 'x',
        quantile: 0.5,
        confidence: CONFIDENCE,
        samples: S,
      } as Parameters<typeof certificationStatement>[0]),
    },
    worstCases,
    slices: sliceRows,
    definitions: { psnrDataRange: 'R = max − min of each reference slice' },
    reproducibility: {
      appVersion: '0.1.0',
      backend: 'wasm',
      versions: { node: '20.20.2', '@tensorflow/tfjs': '4.22.0', '@tensorflow/tfjs-backend-wasm': '4.22.0' },
      platform: 'linux x64',
      seed: '7',
      files: [
        {
          role: 'model ord weights',
          path: '/home/jdoe/ct-audit/models/ord/weights.bin',
          sha256: MODELS[0].weightsSha256 as string,
        },
        {
          role: 'model minmax weights',
          path: '/home/jdoe/ct-audit/models/minmax/weights.bin',
          sha256: MODELS[1].weightsSha256 as string,
        },
        {
          role: 'input',
          path: plantedPath,
          sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
        },
      ],
      commandLine: [
        '/usr/bin/node',
        '/home/jdoe/ct-audit/bin/ct-audit.mjs',
        'audit',
        '--model',
        'models/ord',
        '--model',
        'models/minmax',
        '--model',
        'fbp',
        '--data',
        plantedPath,
        '--eps',
        '0,0.5%,1%,2%',
        '--sigma',
        SIGMAS.join(','),
        '--samples',
        String(S),
        '--seed',
        '7',
        '--out',
        'audits/sample-a1',
      ],
      startedAt: '2025-01-15T10:02:11.000Z',
      finishedAt: '2025-01-15T10:29:47.000Z',
      status: 'complete',
      settings: {
        'eps grid': '0, 0.5%, 1%, 2%',
        attack: 'pga-y',
        confidence: CONFIDENCE,
        samples: S,
        space: 'x',
        data: plantedPath,
      },
    },
    phi: { policy: o.phi ?? 'exclude', redactTerms: [plantedName] },
  };
}
