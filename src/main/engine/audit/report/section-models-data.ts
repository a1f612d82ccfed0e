/** Model cards (section 2) and the de-identified data summary (section 3). */
import type { ReportInput, ReportModel, ReportScalar } from '@shared/report-input';
import {
  formatCompact,
  formatCount,
  formatDuration,
  formatPercent,
  formatPsnr,
  formatScalar,
  formatSsim,
  MISSING,
} from './format';
import type { ReportDoc } from './layout';
import { REPORT_SECTIONS } from './sections';
import { drawTable, drawTableWithCaption } from './table';

const KIND_TEXT: Record<ReportModel['kind'], string> = {
  fbp: 'FBP (filtered backprojection, no learning)',
  linear: 'linear reconstructor',
  fbpconvnet: 'FBPConvNet (FBP + residual U-Net)',
  imported: 'imported network (the researcher’s own model)',
};

/** Imported models: format and producer, white-box or black-box, the file and its full SHA-256. */
function sourceText(m: ReportModel): string {
  const i = m.imported;
  if (!i) return m.kind === 'fbp' ? 'built in' : 'trained by CT Audit';
  const access =
    i.access === 'black-box'
      ? `black-box: forward passes only (onnxruntime); attacks gradient-free${i.unsupported.length ? `; not mapped: ${i.unsupported.join(', ')}` : ''}`
      : 'white-box: exact gradients';
  return [i.source, access, i.fileName, `SHA-256 ${i.sha256}`, `input: ${i.input}, ${i.intensity}`].join(
    '\n',
  );
}

/** Where each training method is defined (the method files cite the same equations). */
const METHOD_SOURCE: Record<string, string> = {
  ord: 'plain MSE, eq. 5 of papers/000 with μ = 0',
  l2: 'weight decay, eq. 5 of papers/000',
  parseval: 'Parseval penalty, eq. 11 of papers/000',
  pgd: 'adversarial training, eq. 2 of papers/002',
  minmax: 'min-max with a perturbation generator, Algorithm 1 of papers/000',
  jacobian: 'Jacobian spectral norm, eq. 4 of papers/002',
  'smt-adv': 'smoothed adversarial training, Algorithm 1 of papers/002',
  'smt-grad': 'smoothed gradient training, Algorithm 2 of papers/002',
};

/** Models per card table: more would squeeze the columns below readability. */
const MODELS_PER_TABLE = 4;

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

/** Optimizer settings in words: "Adam, lr 0.001 (cosine to 5% of it), β1 0.9, β2 0.999". */
function optimizerText(o: Record<string, ReportScalar>): string {
  const name = typeof o.name === 'string' ? o.name.replace(/^adam$/i, 'Adam') : MISSING;
  const lr = o.learningRate;
  const schedule =
    o.schedule === 'cosine'
      ? ` (cosine decay to ${formatPercent(Number(o.minLearningRateFraction ?? 0))} of it)`
      : o.schedule
        ? ` (${String(o.schedule)})`
        : '';
  const betas =
    o.beta1 !== undefined ? `, β1 ${formatScalar(o.beta1)}, β2 ${formatScalar(o.beta2 ?? null)}` : '';
  return `${name}, learning rate ${formatScalar(lr ?? null)}${schedule}${betas}`;
}

/** The card table: one column per model (what it is, data, outcome). */
function drawCards(r: ReportDoc, ms: readonly ReportModel[]): void {
  const fields: [string, (m: ReportModel) => string][] = [
    ['Architecture', (m) => m.description ?? KIND_TEXT[m.kind] ?? m.kind],
    ['Source', sourceText],
    ['Preset', (m) => m.preset ?? MISSING],
    [
      'Training method',
      (m) =>
        m.method ? `${m.method}${METHOD_SOURCE[m.method] ? ` (${METHOD_SOURCE[m.method]})` : ''}` : 'none',
    ],
    ['Training data', (m) => m.trainingData ?? MISSING],
    ['Training', trainingText],
    ['FBP filter', (m) => m.fbpFilter ?? MISSING],
    ['Parameters', (m) => formatCount(m.parameterCount)],
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

/** Optimizer and loop settings, one column per trained model, so differences between runs stand out. */
function drawTrainingSettings(r: ReportDoc, ms: readonly ReportModel[]): void {
  const fields: [string, (m: ReportModel) => string][] = [
    ['Optimizer', (m) => (m.training ? optimizerText(m.training.optimizer) : MISSING)],
    ['Batch size', (m) => formatCount(m.training?.batchSize)],
    ['Steps done / planned', (m) => `${formatCount(m.trainingSteps)} / ${formatCount(m.training?.steps)}`],
    [
      'Epochs (steps each)',
      (m) =>
        m.training?.epochs != null
          ? `${formatCompact(m.training.epochs)} (${formatCount(m.training.stepsPerEpoch)})`
          : MISSING,
    ],
    ['Seed', (m) => m.seed ?? MISSING],
    ['Measurement noise', (m) => m.training?.noise ?? MISSING],
    ['Augmentation', (m) => formatScalar(m.training?.augment ?? null)],
  ];
  drawTable(
    r,
    [
      { header: 'Setting', weight: 1.25 },
      ...ms.map((m) => ({ header: m.name, weight: 4.6 / MODELS_PER_TABLE })),
    ],
    fields.map(([label, get]) => [label, ...ms.map(get)]),
    { boldFirstColumn: true, continuedLabel: 'Training settings' },
  );
}

/** Every method hyperparameter of every trained model, with the value the papers use where they give one. */
function drawHyperparameters(r: ReportDoc, ms: readonly ReportModel[]): void {
  const rows: string[][] = [];
  for (const m of ms) {
    const entries = Object.entries(m.hyperparameters);
    if (entries.length === 0) {
      rows.push([m.name, m.method ?? MISSING, 'none (plain MSE loss)', '', '']);
      continue;
    }
    entries.forEach(([k, v], i) =>
      rows.push([
        i === 0 ? m.name : '',
        i === 0 ? (m.method ?? MISSING) : '',
        k,
        formatScalar(v),
        m.paperValues?.[k] ?? MISSING,
      ]),
    );
  }
  drawTableWithCaption(
    r,
    [
      { header: 'Model', weight: 1.3 },
      { header: 'Method', weight: 0.7 },
      { header: 'Hyperparameter', weight: 1.35 },
      { header: 'Value used', weight: 0.8, align: 'right' },
      { header: 'Value in the papers (source)', weight: 3.2 },
    ],
    rows,
    'Value used: as recorded in the model card. Value in the papers: from [1] and [2] where they state one; their absolute radii and noise ' +
      'levels refer to 0-255 or unit-range images and vectors, ours are relative to each slice (‖y‖ or ‖x‖), so the numbers are not directly ' +
      'comparable. FBP has no training.',
    { continuedLabel: 'Hyperparameters', fontSize: 7.2 },
  );
}

export function drawModels(r: ReportDoc, input: ReportInput): void {
  r.section(REPORT_SECTIONS[1]);
  r.paragraph(
    'Each column of the first table is one model card: what the model is, how it was trained and how well it reconstructs clean ' +
      'validation data (PSNR / SSIM, with FBP on the same slices for reference). FBPConvNet is FBP followed by a residual U-Net [3]. ' +
      'The tables after it list the training settings and every hyperparameter of the training methods, next to the values the papers ' +
      'report. Hashes of the weights are in the reproducibility appendix.',
  );
  for (let k = 0; k < input.models.length; k += MODELS_PER_TABLE) {
    drawCards(r, input.models.slice(k, k + MODELS_PER_TABLE));
  }
  const trained = input.models.filter((m) => m.training || m.method);
  if (trained.length === 0) return;
  r.subheading('Training settings', 90);
  for (let k = 0; k < trained.length; k += MODELS_PER_TABLE) {
    drawTrainingSettings(r, trained.slice(k, k + MODELS_PER_TABLE));
  }
  r.subheading('Hyperparameters of the training methods', 90);
  drawHyperparameters(r, trained);
}

export function drawData(r: ReportDoc, input: ReportInput): void {
  const d = input.data;
  const g = d.geometry;
  r.section(REPORT_SECTIONS[2]);
  r.paragraph(
    `${d.description} ${d.counts.slicesAudited} of the ${d.counts.slices} slices read were audited` +
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
