/**
 * Charts for the PDF: an ECharts option (src/shared/charts) rendered to an SVG string server-side
 * (`renderer: 'svg', ssr: true`) and drawn into the page as vectors by svg-to-pdfkit, with the report's own
 * font. ECharts lays text out with widths measured by a platform hook; without one it guesses from character
 * counts, so legends and axis names drift. We measure with the same DejaVu metrics the PDF embeds.
 */
import * as echarts from 'echarts';
import type { EChartsOption } from 'echarts';
import PDFDocument from 'pdfkit';
import SVGtoPDF from 'svg-to-pdfkit';
import { FONT, registerFonts } from './fonts';

let measurer: PDFKit.PDFDocument | undefined;

/** Width in px (= pt) of `text` in a CSS font shorthand such as "bold 10px DejaVu Sans". */
export function measureChartText(text: string, font: string | undefined): number {
  if (!measurer) {
    measurer = new PDFDocument({ autoFirstPage: false });
    registerFonts(measurer);
  }
  const size = Number(/([\d.]+)px/.exec(font ?? '')?.[1] ?? 12);
  const bold = /\bbold\b|\b[6-9]00\b/.test(font ?? '');
  return measurer
    .font(bold ? FONT.bold : FONT.regular)
    .fontSize(size)
    .widthOfString(text);
}

let platformSet = false;

function ensurePlatform(): void {
  if (platformSet) return;
  echarts.setPlatformAPI({
    measureText: (text: string, font?: string) => ({ width: measureChartText(text, font) }),
  });
  platformSet = true;
}

/** Render `option` to an SVG string of width x height px (no animation, disposed afterwards). */
export function renderChartSvg(option: EChartsOption, width: number, height: number): string {
  ensurePlatform();
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  try {
    chart.setOption({ ...option, animation: false });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/** Map any font-family the SVG asks for to the embedded fonts (DejaVu Sans, bold or regular). */
function fontCallback(_family: string, bold: boolean): string {
  return bold ? FONT.bold : FONT.regular;
}

/** Draw `svg` at (x, y) scaled to width x height pt. Fonts must be registered in `doc` (registerFonts). */
export function drawSvg(
  doc: PDFKit.PDFDocument,
  svg: string,
  x: number,
  y: number,
  width: number,
  height: number,
): void {
  const warnings: string[] = [];
  SVGtoPDF(doc, svg, x, y, {
    width,
    height,
    assumePt: true,
    preserveAspectRatio: 'xMidYMid meet',
    fontCallback,
    warningCallback: (m) => warnings.push(m),
  });
  if (warnings.length > 0 && process.env.CT_AUDIT_DEBUG_SVG) console.warn(warnings.join('\n'));
}
