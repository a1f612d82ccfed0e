/**
 * Worst-case panels: for one model and slice, the reference, clean, perturbed and smoothed reconstructions
 * in greyscale under the stated window (with a colour bar), their signed differences from the reference on
 * the diverging map with one symmetric limit (with a colour bar), and the perturbation sinogram delta
 * (views x detector bins) on the diverging map with its own symmetric limit.
 */
import type { ReportWindow, ReportWorstCase } from '@shared/report-input';
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
import { FONT } from './fonts';
import { formatCompact, formatPercent, formatPsnr, formatValue } from './format';
import { COLOR, TYPE, type ReportDoc } from './layout';

const PANEL = 104;
const GAP = 8;
const BAR_W = 9;
const LABEL_H = 11;
const STATS_H = 22;
/** Colour limit of the difference maps: this quantile of |difference|. */
const DIFF_QUANTILE = 0.995;

/** Height of one worst-case block (for page planning): title, three rows of panels, captions. */
export const WORST_CASE_BLOCK_HEIGHT =
  20 + (LABEL_H + PANEL + STATS_H) + 14 + (LABEL_H + PANEL + 16) + (LABEL_H + PANEL + 14);

/** Display height of the perturbation sinogram at `width`: its aspect ratio, within [40, PANEL] pt. */
function sinogramHeight(wc: ReportWorstCase, width: number): number {
  return Math.max(40, Math.min(PANEL, (width * wc.perturbation.views) / wc.perturbation.detectors));
}

/** The unit in words for captions: HU, or the canonical unit (attenuation relative to water). */
function unitWords(w: ReportWindow): string {
  return w.unit === 'HU' ? 'HU' : 'canonical units (water = 1)';
}

function label(
  r: ReportDoc,
  text: string,
  x: number,
  y: number,
  width: number,
  size: number = TYPE.small,
): void {
  r.doc
    .font(FONT.regular)
    .fontSize(size)
    .fillColor(COLOR.text)
    .text(r.red.text(text), x, y, { width, lineBreak: false, ellipsis: true });
}

function colorBar(
  r: ReportDoc,
  kind: 'gray' | 'diverging',
  x: number,
  y: number,
  height: number,
  hi: string,
  mid: string,
  lo: string,
  unit: string,
): void {
  const doc = r.doc;
  doc.image(colorBarPng(kind), x, y, { width: BAR_W, height });
  doc.rect(x, y, BAR_W, height).lineWidth(0.4).strokeColor('#444444').stroke();
  doc.font(FONT.regular).fontSize(6.8).fillColor(COLOR.text);
  const tx = x + BAR_W + 3;
  for (const [t, yy] of [
    [hi, y - 3],
    [mid, y + height / 2 - 3.5],
    [lo, y + height - 4],
  ] as const) {
    doc
      .moveTo(x + BAR_W, yy + 3.5)
      .lineTo(x + BAR_W + 2, yy + 3.5)
      .lineWidth(0.4)
      .strokeColor('#444444')
      .stroke();
    doc.text(t, tx, yy, { width: 44, lineBreak: false });
  }
  doc.fillColor(COLOR.muted).text(unit, tx, y + height + 4, { width: 44, lineBreak: false });
}

function smallText(r: ReportDoc, text: string, x: number, y: number, width: number): void {
  r.doc
    .font(FONT.regular)
    .fontSize(6.8)
    .fillColor(COLOR.muted)
    .text(r.red.text(text), x, y, { width, lineGap: 0.8 });
}

function emptyPanel(r: ReportDoc, x: number, y: number, text: string): void {
  r.doc.rect(x, y, PANEL, PANEL).fill('#eeeeee');
  r.doc
    .font(FONT.regular)
    .fontSize(TYPE.small)
    .fillColor(COLOR.muted)
    .text(text, x, y + PANEL / 2 - 4, { width: PANEL, align: 'center' });
}

export function drawWorstCase(r: ReportDoc, wc: ReportWorstCase, modelName: string): void {
  const doc = r.doc;
  const n = wc.size;
  const w = wc.window;
  r.ensureSpace(WORST_CASE_BLOCK_HEIGHT);
  r.subheading(
    `${modelName} — ${wc.slice}, ε = ${formatPercent(wc.epsRelative)} of ‖Ax‖ (${formatCompact(wc.eps)} absolute)`,
    0,
  );
  const x0 = r.left;
  const colX = (k: number) => x0 + k * (PANEL + GAP);
  const barX = colX(4) - GAP + 10;

  // Row 1: greyscale reconstructions.
  let y = doc.y;
  const titles = [
    'Reference x',
    'Clean f(y)',
    'Perturbed f(y + δ)',
    wc.sigma === null ? 'Smoothed' : `Smoothed, σ = ${formatCompact(wc.sigma)}`,
  ];
  titles.forEach((t, k) => label(r, t, colX(k), y, PANEL));
  y += LABEL_H;
  const images = [wc.reference, wc.clean, wc.perturbed, wc.smoothed];
  images.forEach((img, k) => {
    if (img) doc.image(grayPng(img, n, w), colX(k), y, { width: PANEL, height: PANEL });
    else emptyPanel(r, colX(k), y, 'not certified');
  });
  const lim = windowLimits(w);
  colorBar(
    r,
    'gray',
    barX,
    y,
    PANEL,
    formatCompact(lim.hi),
    formatCompact(w.center),
    formatCompact(lim.lo),
    w.unit,
  );
  const stats = [
    `${n} × ${n} px`,
    `‖f(y) − x‖₂ = ${formatValue(wc.cleanError)}\nPSNR ${formatPsnr(wc.cleanPsnr)} dB`,
    `Δmax = ${formatValue(wc.perturbedError)}\nPSNR ${formatPsnr(wc.perturbedPsnr)} dB`,
    wc.smoothed ? `PSNR ${formatPsnr(wc.smoothedPsnr)} dB` : '',
  ];
  y += PANEL + 2;
  doc.font(FONT.regular).fontSize(7).fillColor(COLOR.text);
  stats.forEach((s, k) => doc.text(r.red.text(s), colX(k), y, { width: PANEL, lineGap: 0.5 }));
  y += STATS_H;
  doc.y = y;
  r.caption(
    `Greyscale window: level ${formatCompact(w.center)} ${w.unit}, width ${formatCompact(w.width)} ${w.unit}` +
      `${w.name ? ` (${w.name})` : ''}; values outside [${formatCompact(lim.lo)}, ${formatCompact(lim.hi)}] ${w.unit} are clipped.`,
    4,
  );

  // Row 2: signed differences from the reference under one symmetric limit, the 99.5th percentile of
  // |difference| (a few extreme pixels would wash the maps out); the explanation sits in the first column.
  y = doc.y;
  const diffs = [
    signedDifference(wc.clean, wc.reference, w.unit),
    signedDifference(wc.perturbed, wc.reference, w.unit),
    wc.smoothed ? signedDifference(wc.smoothed, wc.reference, w.unit) : null,
  ];
  const present = diffs.filter((d): d is Float32Array => d !== null);
  const L = niceCeil(absQuantile(DIFF_QUANTILE, ...present));
  const peak = maxAbs(...present);
  ['f(y) − x', 'f(y + δ) − x', 'smoothed − x'].forEach((t, k) => label(r, t, colX(k + 1), y, PANEL));
  y += LABEL_H;
  diffs.forEach((d, k) => {
    if (d) doc.image(divergingPng(d, n, n, L), colX(k + 1), y, { width: PANEL, height: PANEL });
    else emptyPanel(r, colX(k + 1), y, 'not certified');
  });
  colorBar(r, 'diverging', barX, y, PANEL, `+${formatCompact(L)}`, '0', `−${formatCompact(L)}`, w.unit);
  smallText(
    r,
    `Errors: signed differences from the reference in ${unitWords(w)}; blue below, red above, white equal. ` +
      `One symmetric scale ±${formatCompact(L)} ${w.unit} for the three maps (99.5th percentile of |difference|` +
      `${peak > L ? `; values up to ${formatCompact(peak)} are clipped` : ''}).`,
    colX(0),
    y,
    PANEL - 2,
  );
  y += PANEL + 16;

  // Row 3: what the perturbation does to the reconstruction (own scale), and the perturbation itself.
  const effect = signedDifference(wc.perturbed, wc.clean, w.unit);
  const Le = niceCeil(absQuantile(DIFF_QUANTILE, effect));
  const p = wc.perturbation;
  const sx = colX(0) + PANEL + BAR_W + 50;
  const sw = barX - 10 - sx;
  const sh = sinogramHeight(wc, sw);
  const Ls = niceCeil(maxAbs(p.data));
  label(r, 'Effect f(y + δ) − f(y)', colX(0), y, PANEL);
  label(
    r,
    `Perturbation δ (${p.views} views × ${p.detectors} bins, ‖δ‖₂ = ${formatCompact(wc.eps)})`,
    sx,
    y,
    sw,
  );
  y += LABEL_H;
  doc.image(divergingPng(effect, n, n, Le), colX(0), y, { width: PANEL, height: PANEL });
  colorBar(
    r,
    'diverging',
    colX(0) + PANEL + 4,
    y,
    PANEL,
    `+${formatCompact(Le)}`,
    '0',
    `−${formatCompact(Le)}`,
    w.unit,
  );
  doc.image(divergingPng(p.data, p.detectors, p.views, Ls), sx, y, { width: sw, height: sh });
  doc.rect(sx, y, sw, sh).lineWidth(0.4).strokeColor('#444444').stroke();
  colorBar(r, 'diverging', barX, y, sh, `+${formatValue(Ls, 2)}`, '0', `−${formatValue(Ls, 2)}`, '');
  smallText(
    r,
    'Rows: view angle θ from 0° (top) to 180° (bottom); columns: detector bins; values in line-integral units, ' +
      `symmetric scale ±${formatValue(Ls, 2)}. The effect map has its own scale (99.5th percentile of |f(y + δ) − f(y)|).`,
    sx,
    y + sh + 4,
    sw,
  );
  y += Math.max(PANEL, sh + 30);
  doc.y = y + 14;
  r.body();
}
