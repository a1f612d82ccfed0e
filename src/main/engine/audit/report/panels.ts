/**
 * Worst-case panels: for one model and slice, a block of three rows that fits twice on a page:
 *   1. reference, clean, perturbed and smoothed reconstructions in greyscale under the stated window (HU,
 *      the viewer's presets or the DICOM file's window), with its colour bar;
 *   2. the effect of the perturbation f(y + delta) - f(y) (own scale) and the signed errors against the
 *      reference on one symmetric scale, in HU, with their colour bars;
 *   3. the clean sinogram A x and the perturbation delta = y' - y (views x detector bins) on a symmetric
 *      diverging scale, in line-integral units.
 * What the rows mean is said once, in the section's text (PANELS_EXPLAINED); each block states only its own
 * window, scales and numbers.
 */
import type { ReportWindow, ReportWorstCase } from '@shared/report-input';
import { l2ToRmsHu } from '@shared/units';
import {
  absQuantile,
  colorBarPng,
  divergingPng,
  grayPng,
  maxAbs,
  niceCeil,
  signedDifference,
  windowLimits,
} from './colormap';
import { encodeGrayPng } from '../../io/png';
import { FONT } from './fonts';
import { formatCompact, formatPercent, formatPsnr, formatValue } from './format';
import { COLOR, TYPE, type ReportDoc } from './layout';

const PANEL = 82;
const GAP = 6;
const BAR_W = 7;
/** Room right of a colour bar for its tick labels. */
const BAR_LABELS = 32;
const LABEL_H = 9.5;
/** Three lines of statistics under the top row. */
const STATS_H = 22;
/** Height of the sinogram panels (views are few: the rows are stretched). */
const SINO_H = 50;
/** Room for a colour bar's unit under it. */
const UNIT_H = 9;
const NOTE_SIZE = 6.7;
/** Colour limit of the signed maps: this quantile of |value| (a few extreme pixels would wash them out). */
const LIMIT_QUANTILE = 0.995;
/** Scales of error maps further apart than this factor get a colour bar each. */
const SEPARATE_SCALE = 4;
/** Unit of the sinogram values: line integrals of x over pixel lengths. */
export const SINOGRAM_UNIT = 'x·px';

/** Height of a block without its three notes: heading, labels, panels, statistics, bar units, gaps. */
const BLOCK_FIXED =
  22 +
  (LABEL_H + PANEL + 2 + STATS_H) +
  3 +
  (LABEL_H + PANEL + UNIT_H + 1) +
  3 +
  (LABEL_H + SINO_H + UNIT_H + 1) +
  8;

/** Height of one worst-case block with one-line notes, for page planning (two fit on an A4 page). */
export const WORST_CASE_BLOCK_HEIGHT = BLOCK_FIXED + 3 * 10;

/** How to read a block, said once before the first one (section 6). */
export const PANELS_EXPLAINED =
  'Each block shows one model on its worst slice (largest Δmax at the largest ε). Top row: the reference x, the reconstructions f(y) ' +
  'and f(y′) of the clean and the attacked measurement y′ = y + δ, and the smoothed reconstruction at y′, under the window stated ' +
  'below them. Middle row: the effect f(y′) − f(y) and the errors against x, in HU (blue below, red above, white equal). Bottom row: the ' +
  `clean sinogram Ax and the perturbation δ = y′ − y, view angle θ across (0° to 180°) and detector bins down, in ${SINOGRAM_UNIT} ` +
  '(x integrated over pixel lengths). Signed maps clip at the 99.5th percentile of |value|, and say so with the peak.';

function label(r: ReportDoc, text: string, x: number, y: number, width: number): void {
  r.doc
    .font(FONT.regular)
    .fontSize(7.6)
    .fillColor(COLOR.text)
    .text(r.text(text), x, y, { width, lineBreak: false, ellipsis: true });
}

function colorBar(
  r: ReportDoc,
  kind: 'gray' | 'diverging',
  x: number,
  y: number,
  height: number,
  ticks: readonly [string, string, string],
  unit: string,
): void {
  const doc = r.doc;
  doc.image(colorBarPng(kind), x, y, { width: BAR_W, height });
  doc.rect(x, y, BAR_W, height).lineWidth(0.4).strokeColor('#444444').stroke();
  doc.font(FONT.regular).fontSize(6.4).fillColor(COLOR.text);
  const tx = x + BAR_W + 3;
  const ys = [y, y + height / 2, y + height];
  ticks.forEach((t, k) => {
    doc
      .moveTo(x + BAR_W, ys[k])
      .lineTo(x + BAR_W + 2, ys[k])
      .lineWidth(0.4)
      .strokeColor('#444444')
      .stroke();
    doc.text(t, tx, ys[k] - 3.4, { width: BAR_LABELS, lineBreak: false });
  });
  doc.fillColor(COLOR.muted).text(unit, x + 1, y + height + 4.5, { width: BAR_LABELS + 8, lineBreak: false });
}

/** Height of a note across the block. */
function noteHeight(r: ReportDoc, text: string): number {
  return (
    r.doc
      .font(FONT.regular)
      .fontSize(NOTE_SIZE)
      .heightOfString(r.text(text), { width: r.width, lineGap: 0.5 }) + 1.5
  );
}

/** A note across the block at `y`; returns the y below it. */
function note(r: ReportDoc, text: string, y: number): number {
  r.doc
    .font(FONT.regular)
    .fontSize(NOTE_SIZE)
    .fillColor(COLOR.muted)
    .text(r.text(text), r.left, y, { width: r.width, lineGap: 0.5 });
  return y + noteHeight(r, text);
}

function emptyPanel(r: ReportDoc, x: number, y: number, text: string): void {
  r.doc.rect(x, y, PANEL, PANEL).fill('#eeeeee');
  r.doc
    .font(FONT.regular)
    .fontSize(TYPE.small)
    .fillColor(COLOR.muted)
    .text(text, x, y + PANEL / 2 - 4, { width: PANEL, align: 'center' });
}

/** The sentence under the top row: the window in HU, where it comes from, and what is clipped. */
export function windowStatement(w: ReportWindow): string {
  const lim = windowLimits(w);
  const u = w.unit;
  const levels = `level ${formatCompact(w.center)} ${u}, width ${formatCompact(w.width)} ${u}`;
  const what =
    w.source === 'file'
      ? `Window of the DICOM file${w.name && w.name !== 'file window' ? ` (“${w.name.replace(/^file window /, '')}”)` : ''}, ${levels}`
      : w.source === 'content'
        ? `Window: ${w.name} preset, ${levels}, chosen from the slice content (${w.reason ?? ''})`
        : w.source === 'range'
          ? `Window: ${levels}, ${w.reason ?? 'the range of the reference'} (the values are not calibrated HU)`
          : `Window: ${w.name ? `${w.name}, ` : ''}${levels}`;
  return `${what}; values outside [${formatCompact(lim.lo)}, ${formatCompact(lim.hi)}] ${u} are clipped.`;
}

/** A sinogram [views, detectors] (row per view) as [detectors, views]: the views run across the panel. */
export function viewsAcross(s: Float32Array, views: number, detectors: number): Float32Array {
  const out = new Float32Array(s.length);
  for (let a = 0; a < views; a++)
    for (let d = 0; d < detectors; d++) out[d * views + a] = s[a * detectors + d];
  return out;
}

/** Greyscale PNG of a sinogram on [0, hi]. */
function sinogramPng(values: Float32Array, width: number, height: number, hi: number): Buffer {
  const g = new Uint8Array(values.length);
  const s = hi > 0 ? 255 / hi : 0;
  for (let i = 0; i < values.length; i++) g[i] = Math.max(0, Math.min(255, Math.round(values[i] * s)));
  return encodeGrayPng(g, width, height);
}

export function drawWorstCase(r: ReportDoc, wc: ReportWorstCase, modelName: string): void {
  const doc = r.doc;
  const n = wc.size;
  const w = wc.window;
  const p = wc.perturbation;
  // Scales first: the notes that state them decide the block's height.
  const effect = signedDifference(wc.perturbed, wc.clean, w.unit);
  const errors = [
    signedDifference(wc.clean, wc.reference, w.unit),
    signedDifference(wc.perturbed, wc.reference, w.unit),
    wc.smoothed ? signedDifference(wc.smoothed, wc.reference, w.unit) : null,
  ];
  // One scale for the clean and attacked errors; the smoothed error shares it unless its scale differs by
  // more than SEPARATE_SCALE (heavy smoothing noise would otherwise wash the other two maps out).
  const L = niceCeil(absQuantile(LIMIT_QUANTILE, errors[0]!, errors[1]!));
  const peak = maxAbs(errors[0]!, errors[1]!);
  const smooth = errors[2];
  const Lsm = smooth ? niceCeil(absQuantile(LIMIT_QUANTILE, smooth)) : L;
  const separate = smooth !== null && Math.max(Lsm / L, L / Lsm) > SEPARATE_SCALE;
  const Lerr = separate ? L : Math.max(L, Lsm);
  const peakErr = separate || !smooth ? peak : Math.max(peak, maxAbs(smooth));
  const peakSm = smooth ? maxAbs(smooth) : 0;
  const Le = niceCeil(absQuantile(LIMIT_QUANTILE, effect));
  const peakE = maxAbs(effect);
  const Ls = niceCeil(absQuantile(LIMIT_QUANTILE, p.data));
  const peakS = maxAbs(p.data);
  const notes = [
    windowStatement(w),
    `Effect: scale ±${formatCompact(Le)} ${w.unit}${peakE > Le ? ` (peak ${formatCompact(peakE)} ${w.unit})` : ''}. ` +
      (separate
        ? `Errors: f(y) and f(y′) ±${formatCompact(Lerr)} ${w.unit}${peakErr > Lerr ? ` (peak ${formatCompact(peakErr)})` : ''}; ` +
          `smoothed on its own scale ±${formatCompact(Lsm)} ${w.unit}${peakSm > Lsm ? ` (peak ${formatCompact(peakSm)})` : ''}.`
        : `Errors: one scale ±${formatCompact(Lerr)} ${w.unit}${peakErr > Lerr ? ` (peak ${formatCompact(peakErr)} ${w.unit})` : ''}.`),
    `δ: scale ±${formatCompact(Ls)} ${SINOGRAM_UNIT}${peakS > Ls ? ` (peak ${formatCompact(peakS)})` : ''}` +
      `${p.clean ? `, clean values up to ${formatCompact(maxAbs(p.clean))} ${SINOGRAM_UNIT}` : ''}; ` +
      `‖δ‖₂ / ‖Ax‖₂ = ${formatPercent(wc.epsRelative)}.`,
  ];
  r.ensureSpace(BLOCK_FIXED + notes.reduce((h, t) => h + noteHeight(r, t), 0));
  r.subheading(
    `${modelName} — ${wc.slice}, ε = ${formatPercent(wc.epsRelative)} of ‖Ax‖₂ (${formatCompact(wc.eps)} absolute)`,
    0,
  );
  const x0 = r.left;
  const colX = (k: number) => x0 + k * (PANEL + GAP);
  const rms = (l2: number) => `${formatValue(l2ToRmsHu(l2, n * n), 3)} HU`;

  // Row 1: greyscale reconstructions and the window's bar.
  let y = doc.y;
  ['Reference x', 'Clean f(y)', 'Attacked f(y′)', 'Smoothed at y′'].forEach((t, k) =>
    label(r, t, colX(k), y, PANEL + GAP),
  );
  y += LABEL_H;
  [wc.reference, wc.clean, wc.perturbed, wc.smoothed].forEach((img, k) => {
    if (img) doc.image(grayPng(img, n, w), colX(k), y, { width: PANEL, height: PANEL });
    else emptyPanel(r, colX(k), y, 'not computed');
  });
  const lim = windowLimits(w);
  colorBar(
    r,
    'gray',
    colX(4),
    y,
    PANEL,
    [formatCompact(lim.hi), formatCompact(w.center), formatCompact(lim.lo)],
    w.unit,
  );
  y += PANEL + 2;
  doc.font(FONT.regular).fontSize(6.5).fillColor(COLOR.text);
  [
    `${n} × ${n} px`,
    `‖f(y) − x‖₂ = ${formatValue(wc.cleanError)}\nRMS ${rms(wc.cleanError)}\nPSNR ${formatPsnr(wc.cleanPsnr)} dB`,
    `Δmax = ${formatValue(wc.perturbedError)}\nRMS ${rms(wc.perturbedError)}\nPSNR ${formatPsnr(wc.perturbedPsnr)} dB`,
    wc.smoothed
      ? `${wc.sigma === null ? '' : `σ = ${formatCompact(wc.sigma)}\n`}PSNR ${formatPsnr(wc.smoothedPsnr)} dB`
      : '',
  ].forEach((t, k) => doc.text(r.text(t), colX(k), y, { width: PANEL + GAP - 1, lineGap: 0.2 }));
  y += STATS_H;
  y = note(r, notes[0], y);

  // Row 2: the effect of the attack (own scale), then the errors against the reference (one scale, or two).
  // The effect map has its own bar right of it; the error maps start after that bar's room, and a separate
  // smoothed scale puts a bar between the attacked and the smoothed error.
  const barRoom = 3 + BAR_W + BAR_LABELS;
  const errX = (k: number) =>
    x0 + PANEL + barRoom + k * (PANEL + GAP) + (separate && k === 2 ? barRoom - GAP : 0);
  y += 3;
  label(r, 'Effect f(y′) − f(y)', x0, y, PANEL + BAR_W + BAR_LABELS);
  ['Error f(y) − x', 'Error f(y′) − x', 'Error smoothed − x'].forEach((t, k) =>
    label(r, t, errX(k), y, PANEL + GAP),
  );
  y += LABEL_H;
  doc.image(divergingPng(effect, n, n, Le), x0, y, { width: PANEL, height: PANEL });
  colorBar(
    r,
    'diverging',
    x0 + PANEL + 3,
    y,
    PANEL,
    [`+${formatCompact(Le)}`, '0', `−${formatCompact(Le)}`],
    w.unit,
  );
  errors.forEach((d, k) => {
    const lim = separate && k === 2 ? Lsm : Lerr;
    if (d) doc.image(divergingPng(d, n, n, lim), errX(k), y, { width: PANEL, height: PANEL });
    else emptyPanel(r, errX(k), y, 'not computed');
  });
  const ticks = (v: number) => [`+${formatCompact(v)}`, '0', `−${formatCompact(v)}`] as const;
  if (separate) {
    colorBar(r, 'diverging', errX(1) + PANEL + 3, y, PANEL, ticks(Lerr), w.unit);
    colorBar(r, 'diverging', errX(2) + PANEL + 3, y, PANEL, ticks(Lsm), w.unit);
  } else {
    colorBar(r, 'diverging', errX(2) + PANEL + 3, y, PANEL, ticks(Lerr), w.unit);
  }
  y += PANEL + UNIT_H + 1;
  y = note(r, notes[1], y);

  // Row 3: the clean sinogram and the perturbation, stretched to SINO_H (views are few).
  const sw = (r.width - 2 * (3 + BAR_W + BAR_LABELS) - 2 * GAP) / 2;
  const sx = [x0, x0 + sw + 3 + BAR_W + BAR_LABELS + 2 * GAP];
  y += 3;
  label(
    r,
    p.clean ? `Clean sinogram Ax (${p.views} views × ${p.detectors} bins)` : 'Clean sinogram: not stored',
    sx[0],
    y,
    sw,
  );
  label(r, `Perturbation δ = y′ − y (‖δ‖₂ = ${formatCompact(wc.eps)})`, sx[1], y, sw);
  y += LABEL_H;
  if (p.clean) {
    const cleanMax = niceCeil(maxAbs(p.clean));
    doc.image(
      sinogramPng(viewsAcross(p.clean, p.views, p.detectors), p.views, p.detectors, cleanMax),
      sx[0],
      y,
      {
        width: sw,
        height: SINO_H,
      },
    );
    doc.rect(sx[0], y, sw, SINO_H).lineWidth(0.4).strokeColor('#444444').stroke();
    colorBar(
      r,
      'gray',
      sx[0] + sw + 3,
      y,
      SINO_H,
      [formatCompact(cleanMax), formatCompact(cleanMax / 2), '0'],
      SINOGRAM_UNIT,
    );
  } else {
    doc.rect(sx[0], y, sw, SINO_H).fill('#eeeeee');
  }
  doc.image(divergingPng(viewsAcross(p.data, p.views, p.detectors), p.views, p.detectors, Ls), sx[1], y, {
    width: sw,
    height: SINO_H,
  });
  doc.rect(sx[1], y, sw, SINO_H).lineWidth(0.4).strokeColor('#444444').stroke();
  colorBar(
    r,
    'diverging',
    sx[1] + sw + 3,
    y,
    SINO_H,
    [`+${formatCompact(Ls)}`, '0', `−${formatCompact(Ls)}`],
    SINOGRAM_UNIT,
  );
  doc.font(FONT.regular).fontSize(6.2).fillColor(COLOR.muted);
  for (const x of sx) {
    doc.text('θ = 0°', x, y + SINO_H + 1.5, { width: sw / 2, lineBreak: false });
    doc.text('180°', x + sw / 2, y + SINO_H + 1.5, { width: sw / 2, align: 'right', lineBreak: false });
  }
  y += SINO_H + UNIT_H + 1;
  y = note(r, notes[2], y);
  doc.y = y + 8;
  r.body();
}
