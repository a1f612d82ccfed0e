/** Model cards (section 2) and the de-identified data summary (section 3). */
import type { ReportInput, ReportModel } from '@shared/report-input';
import {
  formatCompact,
  formatCount,
  formatDuration,
  formatPsnr,
  formatScalar,
  formatSsim,
  MISSING,
} from './format';
import type { ReportDoc } from './layout';
import { REPORT_SECTIONS } from './sections';
import { drawTable } from './table';

const KIND_TEXT: Record<ReportModel['kind'], string> = {
  fbp: 'FBP (filtered backprojection, no learning)',
  linear: 'linear reconstructor',
  fbpconvnet: 'FBPConvNet (FBP + residual U-Net)',
};

/** Models per card table: more would squeeze the columns below readability. */
const MODELS_PER_TABLE = 4;

function hyperText(h: ReportModel['hyperparameters']): string {
  const entries = Object.entries(h);
  if (entries.length === 0) return MISSING;
  return entries.map(([k, v]) => `${k} ${formatScalar(v)}`).join('\n');
}

function metricsText(m: ReportModel): string {
  const v = m.metrics;
  if (!v || (v.psnr === null && v.fbpPsnr === null)) return MISSING;
  const own = `${formatPsnr(v.psnr)} dB / ${formatSsim(v.ssim)}`;
  const fbp = v.fbpPsnr === null ? '' : `\nFBP: ${formatPsnr(v.fbpPsnr)} dB / ${formatSsim(v.fbpSsim)}`;
  const n = v.slices === null ? '' : `\non ${v.slices} slices`;
  return own + fbp + n;
}

function trainingText(m: ReportModel): string {
  if (m.kind === 'fbp') return 'none';
  const parts = [
    m.trainingSteps != null ? `${formatCount(m.trainingSteps)} steps` : null,
    m.trainingSeconds != null ? formatDuration(m.trainingSeconds) : null,
    m.trainingStatus ?? null,
  ].filter((s): s is string => s !== null);
  return parts.length > 0 ? parts.join(', ') : MISSING;
}

export function drawModels(r: ReportDoc, input: ReportInput): void {
  r.section(REPORT_SECTIONS[1]);
  r.paragraph(
    'Each column is one model card: what the model is, how it was trained and how well it reconstructs clean validation data ' +
      '(PSNR / SSIM, with FBP on the same slices for reference). Hashes of the weights are in the reproducibility appendix.',
  );
  for (let k = 0; k < input.models.length; k += MODELS_PER_TABLE) {
    const ms = input.models.slice(k, k + MODELS_PER_TABLE);
    const fields: [string, (m: ReportModel) => string][] = [
      ['Kind', (m) => KIND_TEXT[m.kind] ?? m.kind],
      ['Description', (m) => m.description ?? MISSING],
      ['Preset', (m) => m.preset ?? MISSING],
      ['Training method', (m) => m.method ?? 'none'],
      ['Hyperparameters', (m) => hyperText(m.hyperparameters)],
      ['Training data', (m) => m.trainingData ?? MISSING],
      ['Training', trainingText],
      ['FBP filter', (m) => m.fbpFilter ?? MISSING],
      ['Parameters', (m) => formatCount(m.parameterCount)],
      ['Seed', (m) => m.seed ?? MISSING],
      ['Validation PSNR / SSIM', metricsText],
      ['Weights SHA-256', (m) => (m.weightsSha256 ? `${m.weightsSha256.slice(0, 16)}…` : MISSING)],
    ];
    drawTable(
      r,
      [
        { header: 'Model', weight: 1.25 },
        ...ms.map((m) => ({ header: m.name, weight: 4.6 / MODELS_PER_TABLE })),
      ],
      fields.map(([label, get]) => [label, ...ms.map(get)]),
      { boldFirstColumn: true, continuedLabel: 'Model cards' },
    );
  }
}

export function drawData(r: ReportDoc, input: ReportInput): void {
  const d = input.data;
  const g = d.geometry;
  r.section(REPORT_SECTIONS[2]);
  r.paragraph(
    `${d.description} ${d.counts.slicesAudited} of ${d.counts.slices} slices from ${d.counts.series} series were audited` +
      `${d.counts.skipped > 0 ? `; ${d.counts.skipped} file${d.counts.skipped === 1 ? ' was' : 's were'} skipped (listed below)` : ''}. ` +
      (input.phi.policy === 'include'
        ? 'Patient identifiers were included at the user’s request.'
        : 'Series are identified by hashes of their UIDs and file locations by hashes of their paths; no patient identifiers are shown.'),
  );
  drawTable(
    r,
    [
      { header: '', weight: 1.2 },
      { header: '', weight: 4 },
    ],
    [
      [
        'Geometry',
        g.physics
          ? `${g.physics}; image ${g.size} × ${g.size} px; measurements ${g.views} × ${g.detectors}`
          : `parallel beam; image ${g.size} × ${g.size} px; ${g.views} views over [0°, ${formatCompact(g.angularRangeDeg ?? 180)}°); ` +
            `${g.detectors} detector bins at ${formatCompact(g.detectorSpacing)} px${g.preset ? ` (preset ${g.preset})` : ' (custom)'}`,
      ],
      ['FBP filter', g.fbpFilter ?? MISSING],
      ['Measurement noise', `${d.noise.description}${d.noise.spec ? ` (${d.noise.spec})` : ''}`],
      [
        'Counts',
        `${d.counts.series} series, ${d.counts.slices} slices read, ${d.counts.slicesAudited} audited, ${d.counts.skipped} files skipped`,
      ],
    ],
    { header: false, boldFirstColumn: true },
  );
  if (d.sources.length > 0) {
    r.subheading('Sources');
    drawTable(
      r,
      [
        { header: 'Kind', weight: 0.8 },
        { header: 'Description', weight: 3 },
        { header: 'Slices', weight: 0.7, align: 'right' },
        { header: 'Location', weight: 1.6, mono: true },
      ],
      d.sources.map((s) => [s.kind, s.label, formatCount(s.slices), s.path ? r.red.path(s.path) : MISSING]),
      { continuedLabel: 'Sources' },
    );
  }
  if (d.series.length > 0) {
    r.subheading('Series');
    drawTable(
      r,
      [
        { header: 'Series (hashed UID)', weight: 1.85, mono: true },
        { header: 'Modality', weight: 0.98 },
        { header: 'Scanner', weight: 1.3 },
        { header: 'Slices audited / total', weight: 0.95, align: 'right' },
        { header: 'Matrix', weight: 0.95, align: 'right' },
        { header: 'Pixel spacing (mm)', weight: 1, align: 'right' },
        { header: 'Thickness (mm)', weight: 1.0, align: 'right' },
        { header: 'kVp', weight: 0.55, align: 'right' },
        { header: 'Kernel', weight: 1.05 },
      ],
      d.series.map((s) => [
        s.id,
        s.modality ?? MISSING,
        [s.manufacturer, s.manufacturerModel].filter(Boolean).join(' ') || MISSING,
        `${s.slicesAudited} / ${s.slices}`,
        s.rows !== null && s.columns !== null ? `${s.rows} × ${s.columns}` : MISSING,
        s.pixelSpacingMm
          ? `${formatCompact(s.pixelSpacingMm[0])} × ${formatCompact(s.pixelSpacingMm[1])}`
          : MISSING,
        formatCompact(s.sliceThicknessMm),
        formatCompact(s.kvp ?? null),
        s.convolutionKernel ?? MISSING,
      ]),
      { continuedLabel: 'Series' },
    );
  }
  if (d.skipped && d.skipped.length > 0) {
    r.subheading('Skipped files');
    drawTable(
      r,
      [
        { header: 'File', weight: 1.3, mono: true },
        { header: 'Reason', weight: 4 },
      ],
      d.skipped.map((s) => [r.red.path(s.file), s.reason]),
      { continuedLabel: 'Skipped files' },
    );
  }
}
