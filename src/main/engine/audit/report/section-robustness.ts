/** Robustness under worst-case perturbations (section 4): the rho-hat(eps) chart and table. */
import { rhoHatChartOption } from '@shared/charts';
import type { ReportInput } from '@shared/report-input';
import { l2ToRmsHu } from '@shared/units';
import { allSame, chart, chartHeight, chartModels, CHART_MIN_HEIGHT } from './figure';
import { formatPercent, formatPsnr, formatScalar, formatValue } from './format';
import type { ReportDoc } from './layout';
import { REPORT_SECTIONS } from './sections';
import { modelName } from './summary-text';
import { drawTable, type TableColumn } from './table';

export function drawRobustness(r: ReportDoc, input: ReportInput): void {
  r.section(REPORT_SECTIONS[3], 80);
  r.paragraph(
    'For every slice and every perturbation size ε the attack searches the measurement perturbation δ with ‖δ‖₂ ≤ ε that ' +
      'maximizes the reconstruction error ‖f(y + δ) − x‖₂ (Δmax, eq. 8 of papers/000); ρ̂(ε) is its mean over slices (eq. 9). ' +
      'ε is shown relative to the norm of the clean measurement ‖Ax‖₂. Lower curves mean more robust reconstructions.',
  );
  if (input.rhoHat.length === 0) {
    r.paragraph('No attack was run in this audit.');
    return;
  }
  // The attack settings, said once when every curve shares them.
  const attackText = (c: ReportInput['rhoHat'][number]) => {
    const settings = Object.entries(c.attack.settings)
      .map(([k, v]) => `${k} ${formatScalar(v)}`)
      .join(', ');
    return (
      `${c.attack.kind} attack in ${c.attack.space === 'y' ? 'measurement' : c.attack.space === 'x' ? 'image' : 'operator'} space` +
      (c.attack.kind.startsWith('spsa')
        ? ' (gradient-free: the model is black-box, so the perturbation was searched with forward passes only and its ρ̂ is a looser lower bound than a gradient attack’s)'
        : '') +
      `${settings ? `; ${settings}` : ''}.`
    );
  };
  const texts = input.rhoHat.map(attackText);
  if (allSame(texts)) r.leadParagraph('Attack (every model):', texts[0], { size: 8.2, gap: 2 });
  else
    input.rhoHat.forEach((c, i) =>
      r.leadParagraph(`${modelName(input, c.model)}:`, texts[i], { size: 8.2, gap: 2 }),
    );
  r.moveDown(4);
  const caption =
    'ρ̂(ε) per model: the mean of Δmax over slices at each audited ε (points; one line style and symbol per model). ' +
    'Error bars: the smallest to the largest Δmax over the slices, drawn a few points apart sideways so that they do not hide each other. ' +
    'Errors in canonical units (attenuation relative to water; ‖·‖₂ over all pixels; divide by N and multiply by 1000 for the per-pixel RMS in HU).';
  const drawChart = () => {
    const models = chartModels(r, input);
    const rhoOption = rhoHatChartOption(input.rhoHat, models, {
      band: 'range',
      spread: 'bars',
      width: r.width,
    });
    chart(r, rhoOption, chartHeight(r, (rhoOption.legend as { data: string[] }).data), caption);
  };
  const drawNumbers = () => {
    const n = input.data.geometry.size;
    // "ε as given" only where it says more than the relative column (absolute radii, or rounding).
    const givenDiffers = input.rhoHat.some((c) =>
      c.points.some((p) => p.epsRelative > 0 && p.spec !== formatPercent(p.epsRelative)),
    );
    type Col = {
      col: TableColumn;
      cell: (c: ReportInput['rhoHat'][number], p: ReportInput['rhoHat'][number]['points'][number]) => string;
    };
    const cols: (Col | null)[] = [
      { col: { header: 'Model', weight: 2.1 }, cell: (c) => modelName(input, c.model) },
      givenDiffers ? { col: { header: 'ε as given', weight: 0.85 }, cell: (_c, p) => p.spec } : null,
      {
        col: { header: 'ε / ‖Ax‖', weight: 0.8, align: 'right' },
        cell: (_c, p) => formatPercent(p.epsRelative),
      },
      {
        col: { header: 'ε absolute (mean)', weight: 1.0, align: 'right' },
        cell: (_c, p) => formatValue(p.eps),
      },
      { col: { header: 'ρ̂(ε)', weight: 0.85, align: 'right' }, cell: (_c, p) => formatValue(p.rhoHat) },
      {
        col: { header: 'ρ̂ as RMS (HU)', weight: 0.9, align: 'right' },
        cell: (_c, p) => formatValue(l2ToRmsHu(p.rhoHat, n * n)),
      },
      { col: { header: 'Min', weight: 0.8, align: 'right' }, cell: (_c, p) => formatValue(p.spread.min) },
      {
        col: { header: 'Median', weight: 0.8, align: 'right' },
        cell: (_c, p) => formatValue(p.spread.median),
      },
      { col: { header: 'Max', weight: 0.8, align: 'right' }, cell: (_c, p) => formatValue(p.spread.max) },
      { col: { header: 'Mean PSNR (dB)', weight: 0.9, align: 'right' }, cell: (_c, p) => formatPsnr(p.psnr) },
      { col: { header: 'n', weight: 0.4, align: 'right' }, cell: (_c, p) => String(p.slices) },
    ];
    const used = cols.filter((c): c is Col => c !== null);
    drawTable(
      r,
      used.map((c) => c.col),
      input.rhoHat.flatMap((c) => c.points.map((p) => used.map((col) => col.cell(c, p)))),
      { continuedLabel: 'ρ̂(ε)' },
    );
  };
  // Like a float: the chart here when it fits, else the table first (it flows across the page break) and
  // the chart after it, so that the page is not left half empty.
  if (r.remaining >= CHART_MIN_HEIGHT + r.captionHeight(caption) + 4) {
    drawChart();
    drawNumbers();
  } else {
    drawNumbers();
    drawChart();
  }
}
