/**
 * Pieces of the ReportInput mapping (report-input.ts): de-identified slice labels, the display window of a
 * panel, the model card as a ReportModel, the spec flattened into settings, and the radii the report's
 * summary sentence speaks about.
 */
import type { AuditSummary, ResultLine } from '@shared/audit-results';
import { chooseWindow } from '@shared/display/auto-window';
import { describeImportSource, describeIntensity } from '@shared/model-import';
import type { ReportModel, ReportScalar, ReportWindow } from '@shared/report-input';
import { xArrayToHu } from '@shared/units';
import { METHOD_HYPERS } from '../training/defaults';
import type { MethodName } from '../training/method';
import type { AuditManifest } from './manifest';

/** The papers' value of each hyperparameter of `method` (the defaults table's `paper` text). */
function paperValues(method: string | null | undefined): Record<string, string> {
  const table = method ? METHOD_HYPERS[method as MethodName] : undefined;
  return Object.fromEntries(Object.entries(table ?? {}).map(([k, v]) => [k, v.paper]));
}

/** "none", "gaussian sigma 0.01": the card's noise record in words. */
function noiseText(noise: Record<string, ReportScalar>): string {
  const { kind, ...rest } = noise;
  const more = Object.entries(rest).map(([k, v]) => `${k} ${String(v)}`);
  return [String(kind ?? 'none'), ...more].join(', ');
}

/** "series 3f2a9c01, slice 12" / "phantom 3" / "stack.npy, slice 2": a label without identifiers. */
export function sliceLabel(l: Pick<ResultLine, 'slice'>): string {
  const g = l.slice.group;
  const series = /^(?:series|file)-([0-9a-f]{8})/.exec(g);
  if (series) return `series ${series[1]}, slice ${l.slice.index}`;
  const phantom = /^ellipses:.*\/(\d+)$/.exec(g);
  if (phantom) return `phantom ${phantom[1]} (slice ${l.slice.index})`;
  return `slice ${l.slice.index}`;
}

export function modelEntry(m: AuditManifest['models'][number]): ReportModel {
  const card = m.card;
  const t = card?.training ?? null;
  const arch = (card?.architecture ?? {}) as { preset?: string; parameters?: number };
  const fin = card?.metrics.final ?? null;
  return {
    id: m.name,
    name:
      m.kind === 'fbp'
        ? 'FBP (baseline)'
        : card?.imported
          ? `${m.name} (imported, ${card.imported.access})`
          : `FBPConvNet (${t?.method ?? m.name})`,
    kind: m.kind as ReportModel['kind'],
    description: m.description,
    preset: arch.preset ?? null,
    method: t?.method ?? null,
    hyperparameters: t ? { ...t.hyper } : {},
    paperValues: paperValues(t?.method),
    training: t
      ? {
          optimizer: { ...t.optimizer },
          batchSize: t.batchSize,
          steps: t.steps,
          stepsPerEpoch: t.stepsPerEpoch,
          epochs: t.epochs,
          noise: noiseText(t.noise),
          augment: t.augment,
        }
      : null,
    trainingData: t?.data.description ?? null,
    fbpFilter: card?.fbp
      ? `${card.fbp.filter} (cutoff ${card.fbp.cutoff})`
      : m.kind === 'fbp'
        ? m.description
        : null,
    parameterCount: arch.parameters ?? null,
    trainingSteps: t?.completedSteps ?? null,
    trainingSeconds: t?.durationSeconds ?? null,
    trainingStatus: t?.status ?? null,
    seed: t?.seed ?? null,
    metrics: fin
      ? { psnr: fin.psnr, ssim: fin.ssim, fbpPsnr: fin.fbpPsnr, fbpSsim: fin.fbpSsim, slices: fin.slices }
      : null,
    weightsSha256: card?.weights.sha256 ?? null,
    imported: card?.imported
      ? {
          source: describeImportSource(card.imported),
          fileName: card.imported.source.fileName,
          sha256: card.imported.source.sha256,
          access: card.imported.access,
          input: card.imported.card.input,
          intensity: describeIntensity(card.imported.card.intensity),
          unsupported: card.imported.unsupported,
        }
      : null,
    trainingCurve: card?.metrics.validation.map((v) => ({
      step: v.step,
      epoch: v.epoch,
      loss: null,
      valPsnr: v.psnr,
    })),
  };
}

export function flatten(
  prefix: string,
  v: unknown,
  out: Record<string, string | number | boolean | null>,
): void {
  if (v === null || typeof v !== 'object') {
    out[prefix] = v === undefined ? null : (v as string | number | boolean | null);
  } else if (Array.isArray(v)) {
    out[prefix] = v.map((a) => (typeof a === 'object' ? JSON.stringify(a) : String(a))).join(', ');
  } else {
    for (const [k, val] of Object.entries(v)) flatten(prefix ? `${prefix}.${k}` : k, val, out);
  }
}

type EpsEntry = NonNullable<AuditSummary['attack']>['eps'][number];

/** The attack radius the summary sentence speaks about: the one closest to 1% relative. */
export function headlineAttackEps(summary: AuditSummary): EpsEntry | undefined {
  const eps = summary.attack?.eps ?? [];
  return eps.reduce<EpsEntry | undefined>(
    (best, e) =>
      !best || Math.abs((e.meanRelative ?? 0) - 0.01) < Math.abs((best.meanRelative ?? 0) - 0.01) ? e : best,
    undefined,
  );
}

/**
 * The certified radius the summary sentence speaks about: the one closest (relative) to the headline attack
 * radius, as the report builder picks its certification row (summary-text.ts), so the sigma we name and the
 * sweep we give are for that radius.
 */
export function headlineCertEps(summary: AuditSummary): number | undefined {
  const c = summary.certification;
  if (!c || c.eps.length === 0) return undefined;
  const h = headlineAttackEps(summary)?.meanRelative ?? 0.01;
  return c.eps.reduce((best, e) =>
    Math.abs((e.meanRelative ?? 0) - h) < Math.abs((best.meanRelative ?? 0) - h) ? e : best,
  ).index;
}

/**
 * The window of a worst-case panel, in HU (DESIGN.md section 3: the same presets as the viewer): the DICOM
 * series' own window, else a preset chosen from the reference slice, else (phantoms, .npy: values that are
 * not calibrated HU) the reference's range.
 */
export function displayWindow(
  reference: Float32Array,
  size: number,
  group: string,
  series: readonly { id: string; window?: { center: number; width: number; name: string } | null }[],
): ReportWindow {
  const s = series.find((x) => x.id === group);
  const w = chooseWindow(xArrayToHu(reference), size, {
    fileWindow: s?.window ?? null,
    calibrated: s !== undefined,
  });
  return { center: w.center, width: w.width, unit: 'HU', name: w.name, source: w.source, reason: w.reason };
}
