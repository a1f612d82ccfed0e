/**
 * An audit folder -> ReportInput (src/shared/report-input.ts), the plain data the PDF builder reads. Built
 * from the folder's files only (summary.json, results.jsonl, manifest.json, spec.json, images/), so the
 * runner and `ct-audit report --from <dir>` make the same report. The key numbers (rho-hat, certification
 * means, best sigma) are copied from summary.json, never recomputed, so the PDF states exactly its values;
 * spreads and per-slice rows come from results.jsonl.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseAuditSpec, type AuditSpec } from '@shared/audit-spec';
import { summarySchema, type AuditSummary } from '@shared/audit-results';
import { InputError } from '@shared/errors';
import { GEOMETRY_PRESETS, physicsOf } from '@shared/geometry';
import { describePhysics } from '@shared/physics';
import { describeNoise, parseNoiseSpec } from '@shared/noise-spec';
import {
  REPORT_INPUT_FORMAT_VERSION,
  spreadOf,
  type ReportCertificationRow,
  type ReportSmoothingRow,
  type ReportInput,
  type ReportRhoHatCurve,
  type ReportSigmaSweep,
  type ReportSliceRow,
  type ReportWorstCase,
} from '@shared/report-input';
import { radonForwardArray } from '../physics';
import { readWorstImages, type WorstImageEntry } from './images';
import {
  displayWindow,
  flatten,
  headlineAttackEps,
  headlineCertEps,
  modelEntry,
  sliceLabel,
} from './report-input-parts';
import { readManifest } from './manifest';
import { adapterLabel } from '../backend';
import { makeRedactor } from './phi';
import { SPSA_DEFAULTS } from '../attacks/spsa';
import { readResults, RESULTS_FILE } from './result-store';
import { maxCertifiableRadius } from '../certify';
import { linesPerUnit } from './evaluate-unit';

const SPEC_FILE = 'spec.json';
const SUMMARY_FILE = 'summary.json';
const IMAGES_INDEX = path.join('images', 'index.json');

async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    throw new InputError(
      `${file}: cannot be read as JSON (${(e as Error).message}); is this an audit folder?`,
    );
  }
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

function mean(v: readonly number[]): number {
  return v.length === 0 ? 0 : v.reduce((s, a) => s + a, 0) / v.length;
}

export { sliceLabel };

export interface ReportInputOptions {
  /** Identifier values to redact (memory only). */
  redactTerms?: string[];
  /** Sentences added to the summary's notes (the batch's series table). */
  extraNotes?: string[];
}

/** The largest eps/sigma S samples certify at confidence c (certify/certify.ts maxCertifiableRadius at sigma 1). */
function maxRatioText(samples: number, confidence: number, quantile: number): string {
  return maxCertifiableRadius(samples, 1, confidence, quantile).toFixed(2);
}

/**
 * What the certificate says, in one sentence (src/shared/robustness.ts; the report prints it as is). The
 * radius and noise are in the attack's space; the reference is fixed (the lemma behind Corollary 3.2 needs it).
 */
export function certificationStatement(c: NonNullable<AuditSummary['certification']>): string {
  const ref = c.reference === 'truth' ? 'the reference slice x' : 'the clean reconstruction f(y)';
  const space = c.space === 'y' ? 'measurement' : 'image';
  const q = c.quantile === 0.5 ? 'median' : `${c.quantile}-quantile`;
  return (
    `Certified, with confidence ${c.confidence} over S = ${c.samples} smoothing samples per radius and σ: the ${q} of the smoothed ` +
    `reconstruction's error (1/n)‖f(y″ + δ) − r‖² against ${ref} (δ ~ N(0, σ²I) in ${space} space) is at most the bound ` +
    `at every ${space === 'measurement' ? 'measurement y″' : 'input'} within the radius ε of the attacked one, a ball that contains the clean measurement.`
  );
}

/** "attack pga-y" or, when black-box models got the gradient-free search, "attacks pga-y and spsa-y". */
function attackKindsText(kinds: readonly string[], fallback: string): string {
  const distinct = [...new Set(kinds.length > 0 ? kinds : [fallback])];
  return distinct.length === 1 ? `attack ${distinct[0]}` : `attacks ${distinct.join(' and ')}`;
}

/** The ReportInput of an audit folder. */
export async function buildReportInput(outDir: string, o: ReportInputOptions = {}): Promise<ReportInput> {
  const spec: AuditSpec = parseAuditSpec(await readJson(path.join(outDir, SPEC_FILE)));
  const summary: AuditSummary = summarySchema.parse(await readJson(path.join(outDir, SUMMARY_FILE)));
  const manifest = await readManifest(outDir);
  if (!manifest) throw new InputError(`${outDir}: no manifest.json (is this an audit folder?)`);
  const { lines } = await readResults(path.join(outDir, RESULTS_FILE));
  const index = (await readJson(path.join(outDir, IMAGES_INDEX)).catch(() => ({ worst: [] }))) as {
    worst: WorstImageEntry[];
  };
  const redact = makeRedactor(o.redactTerms ?? []);
  const attackLines = lines;
  const certLines = lines.filter((l) => l.certification !== null);
  const models = manifest.models.map(modelEntry);
  const a = spec.attack;

  // rho-hat curves: the clean point (eps 0) first unless the grid has it.
  const rhoHat: ReportRhoHatCurve[] = summary.rhoHat.map((r) => {
    const mine = attackLines.filter((l) => l.model.name === r.model);
    const cleanPerSlice = [...new Map(mine.map((l) => [l.slice.index, l])).values()];
    const points: ReportRhoHatCurve['points'] = [];
    const hasZero = r.points.some((p) => (p.meanRelative ?? 1) === 0);
    if (!hasZero && cleanPerSlice.length > 0) {
      points.push({
        spec: '0 (clean)',
        eps: 0,
        epsRelative: 0,
        rhoHat: r.clean.mean,
        spread: spreadOf(cleanPerSlice.map((l) => l.clean.error)),
        relativeError: mean(cleanPerSlice.map((l) => l.clean.error / l.reference.norm)),
        psnr: r.cleanPsnr,
        slices: r.clean.n,
      });
    }
    for (const p of r.points) {
      const at = mine.filter((l) => l.epsIndex === p.epsIndex);
      const e = summary.attack?.eps.find((x) => x.index === p.epsIndex);
      points.push({
        spec: p.spec,
        eps: e?.meanValue ?? mean(at.map((l) => l.eps.value)),
        epsRelative: p.meanRelative ?? 0,
        rhoHat: p.rhoHat,
        spread: spreadOf(at.map((l) => l.attack.perturbed.error)),
        relativeError: mean(at.map((l) => l.attack.perturbed.error / l.reference.norm)),
        psnr: p.meanPsnr,
        slices: p.stats.n,
      });
    }
    return {
      model: r.model,
      attack: {
        // A black-box model got the gradient-free search (spsa-*) on the same ball.
        kind: r.attack ?? mine[0]?.attack?.kind ?? a.kind,
        space: summary.attack?.space ?? 'y',
        settings: {
          steps: a.steps,
          stepSize: a.stepSize,
          momentum: a.momentum,
          restarts: a.restarts,
          randomStart: a.randomStart,
          ...((r.attack ?? mine[0]?.attack?.kind ?? a.kind).startsWith('spsa')
            ? {
                'gradient-free (forward passes only)': true,
                samples: SPSA_DEFAULTS.samples,
                smoothing: SPSA_DEFAULTS.smoothing,
              }
            : {}),
        },
      },
      points,
    };
  });

  // Certification table and sigma sweeps.
  const rows: ReportCertificationRow[] = [];
  const sweeps: ReportSigmaSweep[] = [];
  const smoothingTable: ReportSmoothingRow[] = [];
  const c = summary.certification;
  if (c) {
    for (const r of summary.rhoHat) {
      for (const p of r.points) {
        const e = c.eps.find((x) => x.index === p.epsIndex);
        const b = c.bestSigma.find((x) => x.model === r.model && x.epsIndex === p.epsIndex);
        const mine = c.table.filter((t) => t.model === r.model && t.epsIndex === p.epsIndex);
        const t = b?.sigmaIndex !== null ? mine.find((x) => x.sigmaIndex === b?.sigmaIndex) : undefined;
        // Without a sigma that certifies every slice: the one certifying the most slices, for its reason.
        const fallback = [...mine].sort((u, v) => v.certifiedSlices - u.certifiedSlices)[0];
        smoothingTable.push({
          model: r.model,
          epsIndex: p.epsIndex,
          epsSpec: p.spec,
          eps: e?.meanValue ?? 0,
          epsRelative: e?.meanRelative ?? null,
          epsHu: e?.meanHu ?? null,
          perturbedPsnr: p.meanPsnr,
          sigmaText: t ? c.sigma.find((sg) => sg.index === t.sigmaIndex)!.spec : null,
          sigmaHu: t?.meanSigmaHu ?? null,
          smoothedPsnr: (t ?? fallback)?.meanSmoothedPsnr ?? null,
          certifiedPsnr: t?.meanCertifiedPsnr ?? null,
          certifiedBound: t?.meanCertified ?? null,
          certifiedSlices: (t ?? fallback)?.certifiedSlices ?? 0,
          slices: (t ?? fallback)?.slices ?? 0,
          reason: t ? null : (fallback?.reasons[0] ?? b?.reason ?? null),
        });
      }
    }
    for (const t of c.table) {
      const per = certLines
        .filter((l) => l.model.name === t.model && l.epsIndex === t.epsIndex)
        .flatMap((l) => l.certification!.perSigma.filter((s) => s.sigmaIndex === t.sigmaIndex));
      const e = c.eps.find((x) => x.index === t.epsIndex)!;
      const reasons = new Map<string, { count: number; minSamples: number | null }>();
      for (const s of per.filter((v) => v.abstain)) {
        const key = s.reason ?? 'abstain';
        const r = reasons.get(key) ?? { count: 0, minSamples: s.minSamples };
        r.count++;
        reasons.set(key, r);
      }
      rows.push({
        model: t.model,
        sigma: t.meanSigma,
        space: c.space,
        eps: e.meanValue,
        epsRelative: e.meanRelative ?? 0,
        confidence: c.confidence,
        samples: c.samples,
        p: per[0]?.p ?? 0,
        k: per.find((s) => s.k !== null)?.k ?? null,
        medianDiscrepancy: t.meanMedian,
        certifiedDiscrepancy: t.meanCertified,
        certifiedDiscrepancyMax: t.maxCertified,
        smoothedPsnr: t.meanSmoothedPsnr,
        smoothedSsim: t.meanSmoothedSsim,
        certifiedPsnr: t.meanCertifiedPsnr,
        certifiedSsim: t.meanCertifiedSsim,
        slices: t.slices,
        certifiedSlices: t.certifiedSlices,
        abstentions: [...reasons.entries()].map(([reason, r]) => ({
          reason,
          count: r.count,
          minSamples: r.minSamples,
        })),
      });
    }
    // One sweep per model, at the headline certified radius (the report's charts key sweeps by model; the
    // table above holds every radius).
    for (const b of c.bestSigma.filter((x) => x.epsIndex === headlineCertEps(summary))) {
      const e = c.eps.find((x) => x.index === b.epsIndex)!;
      const mine = c.table.filter((t) => t.model === b.model && t.epsIndex === b.epsIndex);
      sweeps.push({
        model: b.model,
        eps: e.meanValue,
        epsRelative: e.meanRelative ?? 0,
        confidence: c.confidence,
        samples: c.samples,
        points: mine.map((t) => ({
          sigma: t.meanSigma,
          certifiedDiscrepancy: t.abstentions === 0 ? t.meanCertified : null,
          smoothedPsnr: t.meanSmoothedPsnr,
          certifiedPsnr: t.meanCertifiedPsnr,
          abstained: t.abstentions,
        })),
        bestSigma: b.sigmaIndex === null ? null : mine.find((t) => t.sigmaIndex === b.sigmaIndex)!.meanSigma,
        bestReason: b.reason,
      });
    }
  }

  // Worst cases with their images.
  const worstCases: ReportWorstCase[] = [];
  for (const e of index.worst) {
    const line = attackLines.find(
      (l) =>
        l.model.name === e.model && l.slice.index === e.sliceIndex && l.epsIndex === linesPerUnit(spec) - 1,
    );
    if (!line) continue;
    const im = await readWorstImages(outDir, e);
    const sm =
      e.sigmaIndex !== null
        ? line.certification?.perSigma.find((s) => s.sigmaIndex === e.sigmaIndex)
        : undefined;
    worstCases.push({
      model: e.model,
      slice: sliceLabel(line),
      size: im.size,
      eps: line.eps.value,
      epsRelative: line.eps.relative ?? 0,
      reference: im.reference,
      clean: im.clean,
      perturbed: im.perturbed,
      smoothed: im.smoothed,
      sigma: sm?.sigmaValue ?? null,
      perturbation: {
        views: im.views,
        detectors: im.detectors,
        data: im.perturbation,
        clean:
          im.views === manifest.geometry.views && im.detectors === manifest.geometry.detectors
            ? radonForwardArray(im.reference, 1, manifest.geometry)
            : null,
      },
      window: displayWindow(im.reference, im.size, line.slice.group, manifest.data.series),
      cleanError: line.clean.error,
      perturbedError: line.attack.perturbed.error,
      cleanPsnr: line.clean.psnr,
      perturbedPsnr: line.attack.perturbed.psnr,
      smoothedPsnr: sm?.smoothed.psnr ?? null,
    });
  }

  // Per-slice rows: every radius, with the smoothed estimate and certificate at the attacked input at the
  // model's best sigma for that radius (summary.json), else the first sigma.
  const slices: ReportSliceRow[] = attackLines.map((l) => {
    const j =
      c?.bestSigma.find((b) => b.model === l.model.name && b.epsIndex === l.epsIndex)?.sigmaIndex ?? 0;
    const sm = l.certification?.perSigma.find((s) => s.sigmaIndex === j);
    return {
      model: l.model.name,
      slice: sliceLabel(l),
      epsSpec: l.eps.spec,
      eps: l.eps.value,
      epsRelative: l.eps.relative ?? 0,
      cleanError: l.clean.error,
      perturbedError: l.attack.perturbed.error,
      cleanPsnr: l.clean.psnr,
      perturbedPsnr: l.attack.perturbed.psnr,
      sigma: sm?.sigmaValue ?? null,
      medianDiscrepancy: sm?.median ?? null,
      certifiedDiscrepancy: sm?.certified ?? null,
      smoothedPsnr: sm?.smoothed.psnr ?? null,
      abstainReason: sm?.abstain ? sm.reason : null,
    };
  });

  // Data summary.
  const inv = manifest.data;
  const auditedPerGroup = new Map<string, Set<number>>();
  for (const l of lines) {
    const s = auditedPerGroup.get(l.slice.group) ?? new Set<number>();
    s.add(l.slice.index);
    auditedPerGroup.set(l.slice.group, s);
  }
  const skipped = inv.files.filter((f) => f.kind !== 'ct' && f.kind !== 'npy');
  const g = manifest.geometry;
  const preset = (Object.entries(GEOMETRY_PRESETS).find(
    ([, p]) => p.size === g.size && p.views === g.views,
  ) ?? [null])[0];
  const fbp = manifest.models.find((m) => m.kind === 'fbp');
  const headline = headlineAttackEps(summary);
  const headlineSigma: Record<string, number> = {};
  if (c)
    for (const b of c.bestSigma.filter(
      (x) => x.epsIndex === headlineCertEps(summary) && x.sigmaIndex !== null,
    ))
      headlineSigma[b.model] = c.table.find(
        (t) => t.model === b.model && t.epsIndex === b.epsIndex && t.sigmaIndex === b.sigmaIndex,
      )!.meanSigma;
  const notes: string[] = [];
  // (Few slices: the summary text says so itself, FEW_SLICES in report/summary-text.ts.)
  for (const m of models)
    if (m.trainingStatus && m.trainingStatus !== 'complete')
      notes.push(`Model ${m.id}: training ${m.trainingStatus}.`);
  if (c)
    notes.push(
      `Certificates are computed at every attacked radius, in ${c.space === 'x' ? 'image' : 'measurement'} space, for the smoothed median error against the ${c.reference === 'truth' ? 'reference slice' : 'clean reconstruction'}: a certificate at radius eps needs a smoothing noise sigma of at least eps divided by ${maxRatioText(c.samples, c.confidence, c.quantile)} per element (S = ${c.samples}, c = ${c.confidence}), so l2 certificates at the larger radii come with heavily smoothed (low-PSNR) estimates.`,
    );
  notes.push(...(o.extraNotes ?? []));
  const settings: Record<string, string | number | boolean | null> = {};
  const { format: _f, version: _v, output: _o, ...specSettings } = spec;
  void [_f, _v, _o];
  flatten('', { ...specSettings, models: spec.models.map((m) => m.name) }, settings);
  const lastRun = manifest.runs[manifest.runs.length - 1];

  const input: ReportInput = {
    formatVersion: REPORT_INPUT_FORMAT_VERSION,
    title: spec.name ?? 'Robustness audit of CT reconstruction',
    subtitle: `${plural(models.length, 'model')}, ${plural(summary.slices.count, 'slice')}; ${attackKindsText(
      rhoHat.map((r) => r.attack.kind),
      a.kind,
    )}${c ? `, randomized-smoothing certification in ${c.space === 'x' ? 'image' : 'measurement'} space` : ''}`,
    createdAt: new Date().toISOString(),
    appVersion: manifest.app.version,
    auditId: redact(path.basename(path.resolve(outDir))),
    summary: { headlineEpsRelative: headline?.meanRelative ?? 0.01, headlineSigma, notes },
    models,
    data: {
      description: `The audited slices: ${inv.sources.map((s) => `${s.description} (${s.slices} audited)`).join('; ')}.`,
      counts: {
        series: inv.series.length,
        slices: inv.sources.reduce((s, x) => s + x.slices, 0),
        slicesAudited: summary.slices.count,
        skipped: skipped.length,
      },
      sources: inv.sources.map((s) => ({
        kind: s.kind === 'ellipses' ? 'phantom' : (s.kind as 'dicom' | 'npy' | 'idx'),
        label: s.description,
        slices: s.slices,
        path: s.kind === 'ellipses' ? null : s.spec,
      })),
      series: inv.series.map((s) => ({
        id: s.id,
        modality: s.modality,
        manufacturer: s.manufacturer,
        manufacturerModel: s.manufacturerModel,
        slices: s.slices,
        slicesAudited: auditedPerGroup.get(s.id)?.size ?? 0,
        rows: s.rows,
        columns: s.columns,
        pixelSpacingMm: s.pixelSpacingMm,
        sliceThicknessMm: s.sliceThicknessMm,
        kvp: s.kvp,
        convolutionKernel: s.convolutionKernel,
        source: s.files[0] ?? null,
      })),
      skipped: skipped.map((f) => ({ file: f.path, reason: f.reason ?? f.kind })),
      geometry: {
        preset,
        size: g.size,
        views: g.views,
        detectors: g.detectors,
        detectorSpacing: g.detectorSpacing,
        angularRangeDeg: 180,
        fbpFilter: fbp ? fbp.description : null,
        ...(physicsOf(g).kind !== 'radon' ? { physics: describePhysics(physicsOf(g)) } : {}),
      },
      noise: { description: describeNoise(parseNoiseSpec(spec.noise)), spec: spec.noise },
    },
    rhoHat,
    certification: {
      rows,
      sweeps,
      table: smoothingTable,
      statement: c ? certificationStatement(c) : null,
    },
    worstCases,
    slices,
    definitions: {
      psnrDataRange: 'R = max(x) - min(x) of each reference slice x (canonical units, water = 1)',
      discrepancyLoss: 'normalized MSE (1/n)‖a − b‖² (eq. 1 of papers/002)',
      // Δmax, ρ̂ and the certified bound are defined in the report's own definitions; this adds what only
      // the audit knows.
      extra: [
        {
          term: 'Smoothed reconstruction',
          text: 'f(y′ + noise) of the noise sample whose discrepancy to f(y′) is the median of the samples (Algorithm 3 of papers/002), at the attacked input y′ in the per-slice table and the panels.',
        },
      ],
    },
    reproducibility: {
      appVersion: manifest.app.version,
      backend: manifest.backend.webgpu
        ? `${manifest.backend.name} on ${adapterLabel(manifest.backend.webgpu)}`
        : manifest.backend.name,
      versions: manifest.backend.versions,
      platform: manifest.os.platform,
      seed: manifest.seed,
      files: [
        ...manifest.models.flatMap((m) =>
          m.files.map((f) => ({
            role: `model ${m.name}: ${f.file}`,
            path: path.join(m.path, f.file),
            sha256: f.sha256,
          })),
        ),
        ...inv.files
          .filter((f) => f.sha256)
          .map((f) => ({
            role: f.kind === 'ct' || f.kind === 'npy' ? 'input' : `input (${f.kind})`,
            path: f.path,
            sha256: f.sha256 as string,
          })),
      ],
      commandLine: lastRun?.commandLine ?? [],
      startedAt: manifest.startedAt,
      finishedAt: manifest.endedAt,
      status:
        manifest.runs.length > 1
          ? `${manifest.status} (resumed ${manifest.runs.length - 1} time(s))`
          : manifest.status,
      settings,
    },
    phi: { policy: spec.phi, redactTerms: o.redactTerms ?? [], statement: manifest.phi.statement },
  };
  return input;
}
