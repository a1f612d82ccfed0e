/**
 * Colours and typography shared by every chart (PDF and UI), so a model has the same colour everywhere.
 * Model colours are the Okabe-Ito palette (distinguishable with the common colour-vision deficiencies);
 * the FBP baseline is always grey.
 */
export const MODEL_COLORS = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#CC79A7',
  '#E69F00',
  '#56B4E9',
  '#000000',
] as const;
export const BASELINE_COLOR = '#6E6E6E';

/** Chart text settings; the PDF passes the font it embeds, the UI its own. */
export interface ChartTextStyle {
  fontFamily: string;
  /** Base font size (px in the UI, pt in the PDF: charts are rendered 1 px = 1 pt). */
  fontSize: number;
  color: string;
}

export const DEFAULT_CHART_TEXT: ChartTextStyle = {
  fontFamily: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  fontSize: 10,
  color: '#222222',
};

export interface ChartModel {
  id: string;
  name: string;
  kind?: string;
}

/** id -> colour: FBP grey, the others the palette in order. */
export function modelColors(models: readonly ChartModel[]): Record<string, string> {
  const out: Record<string, string> = {};
  let k = 0;
  for (const m of models) {
    out[m.id] = m.kind === 'fbp' ? BASELINE_COLOR : MODEL_COLORS[k++ % MODEL_COLORS.length];
  }
  return out;
}

/** Line dash patterns and point symbols, so curves differ by more than colour (print in grey, colour-blind readers). */
const MODEL_DASHES: readonly ('solid' | 'dashed' | number[])[] = [
  'solid',
  'dashed',
  [9, 3, 2, 3],
  [12, 4],
  [2, 2],
];
const MODEL_SYMBOLS = ['circle', 'rect', 'triangle', 'diamond', 'pin'] as const;
export const BASELINE_DASH = 'dotted' as const;
export const BASELINE_SYMBOL = 'emptyCircle' as const;

export interface ModelLineStyle {
  dash: 'solid' | 'dashed' | 'dotted' | number[];
  symbol: string;
}

/** id -> line dash and point symbol: FBP dotted with open circles, the others in order (as modelColors). */
export function modelLineStyles(models: readonly ChartModel[]): Record<string, ModelLineStyle> {
  const out: Record<string, ModelLineStyle> = {};
  let k = 0;
  for (const m of models) {
    if (m.kind === 'fbp') out[m.id] = { dash: BASELINE_DASH, symbol: BASELINE_SYMBOL };
    else {
      out[m.id] = {
        dash: MODEL_DASHES[k % MODEL_DASHES.length],
        symbol: MODEL_SYMBOLS[k % MODEL_SYMBOLS.length],
      };
      k++;
    }
  }
  return out;
}

/** Options common to the chart builders. */
export interface ChartCommonOptions {
  text?: Partial<ChartTextStyle>;
  /** Animations on (UI) or off (PDF, tests). Default false. */
  animation?: boolean;
  /** Chart title (omitted when the surrounding page already has one). */
  title?: string;
  /** Width the chart is drawn at (px), used to reserve room for a legend that wraps. Default 600. */
  width?: number;
}

/**
 * Rows a horizontal legend of `names` needs at `width` (ECharts wraps legends but does not move the plot
 * down): item = icon + gap + text, text width estimated at 0.6 em per character.
 */
export function legendRows(names: readonly string[], width: number, fontSize: number): number {
  const avail = Math.max(100, width - 20);
  let rows = 1;
  let x = 0;
  for (const n of names) {
    const w = 18 + 5 + n.length * fontSize * 0.6 + 10;
    if (x > 0 && x + w > avail) {
      rows += 1;
      x = 0;
    }
    x += w;
  }
  return names.length === 0 ? 0 : rows;
}

/** Top of the plot area below an optional title and a legend of `rows` rows. */
export function gridTop(o: ChartCommonOptions, rows: number, fontSize: number): number {
  return (o.title ? 24 : 0) + rows * (fontSize + 7) + 14;
}

export function chartText(o: ChartCommonOptions | undefined): ChartTextStyle {
  return { ...DEFAULT_CHART_TEXT, ...o?.text };
}

/**
 * The frame every chart shares: no animation unless asked, transparent background, text style, optional
 * centred title, a horizontal legend (all series when `legend` is undefined) and a grid whose top leaves
 * room for the title and the wrapped legend (`legendNames` sizes it). Builders spread it and add axes/series.
 */
export function chartFrame(
  options: ChartCommonOptions,
  text: ChartTextStyle,
  legendNames: readonly string[],
  legend: readonly string[] | undefined,
  gridRight: number,
) {
  return {
    animation: options.animation ?? false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: text.fontFamily, fontSize: text.fontSize, color: text.color },
    title: options.title
      ? { text: options.title, left: 'center', textStyle: { fontSize: text.fontSize + 2 } }
      : undefined,
    legend: {
      ...(legend ? { data: [...legend] } : {}),
      top: options.title ? 24 : 0,
      textStyle: { fontSize: text.fontSize },
      itemWidth: 18,
      itemHeight: 8,
    },
    tooltip: { trigger: 'axis' as const },
    grid: {
      left: 64,
      right: gridRight,
      top: gridTop(options, legendRows(legendNames, options.width ?? 600, text.fontSize), text.fontSize),
      bottom: 44,
    },
  };
}
