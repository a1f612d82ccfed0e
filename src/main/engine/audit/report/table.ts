/**
 * Tables that break across pages cleanly: rows are never split, the header row is repeated at the top of
 * every continuation page (with "(continued)" in the caption line), numbers are right-aligned, rows are
 * zebra-striped. Column widths are weights of the content width.
 */
import { FONT } from './fonts';
import { MISSING } from './format';
import { COLOR, TYPE, type ReportDoc } from './layout';

export interface TableColumn {
  header: string;
  /** Relative width (weights are normalized to the table width). */
  weight: number;
  align?: 'left' | 'right' | 'center';
  mono?: boolean;
}

export interface TableOptions {
  fontSize?: number;
  /** Width in pt (default: the content width). */
  width?: number;
  zebra?: boolean;
  /** Shown above the header on continuation pages, e.g. "Certification (continued)". */
  continuedLabel?: string;
  /** Bold the first column (key-value tables). */
  boldFirstColumn?: boolean;
  header?: boolean;
  /** Height (pt) of what must stay on the page with the last row, e.g. the table's caption. */
  keepAfter?: number;
  /** Leave out columns (but the first) whose every cell is empty or MISSING: no column of dashes. */
  dropEmptyColumns?: boolean;
}

const PAD_X = 3.5;
const PAD_Y = 2.6;

export function drawTable(
  r: ReportDoc,
  allColumns: readonly TableColumn[],
  allRows: readonly string[][],
  o: TableOptions = {},
): void {
  const keep = allColumns.map(
    (_, ci) =>
      ci === 0 || !o.dropEmptyColumns || allRows.some((row) => row[ci] !== MISSING && row[ci] !== ''),
  );
  const columns = allColumns.filter((_, ci) => keep[ci]);
  const rows = allRows.map((row) => row.filter((_, ci) => keep[ci]));
  const doc = r.doc;
  const size = o.fontSize ?? TYPE.table;
  const width = o.width ?? r.width;
  const total = columns.reduce((s, c) => s + c.weight, 0);
  const widths = columns.map((c) => (c.weight / total) * width);
  const xs: number[] = [];
  widths.reduce((x, w) => (xs.push(x), x + w), r.left);
  const showHeader = o.header ?? true;

  const cellFont = (ci: number, header: boolean): string =>
    header || (o.boldFirstColumn && ci === 0) ? FONT.bold : columns[ci].mono ? FONT.mono : FONT.regular;
  const cellText = (s: string): string => r.text(s);
  const rowHeight = (cells: readonly string[], header: boolean): number =>
    Math.max(
      ...cells.map((c, ci) =>
        doc
          .font(cellFont(ci, header))
          .fontSize(header ? size : columns[ci].mono ? size - 0.4 : size)
          .heightOfString(cellText(c), { width: widths[ci] - 2 * PAD_X, lineGap: 0.6 }),
      ),
    ) +
    2 * PAD_Y;

  const drawRow = (cells: readonly string[], header: boolean, fill: string | null): void => {
    const h = rowHeight(cells, header);
    const y = doc.y;
    if (fill) doc.rect(r.left, y, width, h).fill(fill);
    cells.forEach((c, ci) => {
      doc
        .font(cellFont(ci, header))
        .fontSize(header ? size : columns[ci].mono ? size - 0.4 : size)
        .fillColor(header ? COLOR.text : COLOR.text)
        .text(cellText(c), xs[ci] + PAD_X, y + PAD_Y, {
          width: widths[ci] - 2 * PAD_X,
          align: header && columns[ci].align === 'right' ? 'right' : (columns[ci].align ?? 'left'),
          lineGap: 0.6,
        });
    });
    doc.y = y + h;
    if (header) {
      doc
        .moveTo(r.left, doc.y)
        .lineTo(r.left + width, doc.y)
        .lineWidth(0.6)
        .strokeColor(COLOR.accent)
        .stroke();
    }
  };

  const header = columns.map((c) => c.header);
  const drawHeader = (continued: boolean): void => {
    if (continued && o.continuedLabel) {
      doc
        .font(FONT.regular)
        .fontSize(TYPE.caption)
        .fillColor(COLOR.muted)
        .text(r.text(`${o.continuedLabel} (continued)`), r.left, doc.y, { width });
      doc.y += 2;
    }
    if (showHeader) drawRow(header, true, COLOR.headerFill);
  };

  // Keep the header with at least the first two rows.
  const firstRows = rows.slice(0, 2).reduce((s, row) => s + rowHeight(row, false), 0);
  r.ensureSpace(
    (showHeader ? rowHeight(header, true) : 0) + firstRows + 4 + (rows.length <= 2 ? (o.keepAfter ?? 0) : 0),
  );
  doc.x = r.left;
  drawHeader(false);
  rows.forEach((row, i) => {
    const h = rowHeight(row, false);
    const after = i === rows.length - 1 ? (o.keepAfter ?? 0) : 0;
    if (doc.y + h + after > r.bottom && i > 0) {
      r.addPage();
      drawHeader(true);
    }
    drawRow(row, false, (o.zebra ?? true) && i % 2 === 1 ? COLOR.zebra : null);
  });
  doc
    .moveTo(r.left, doc.y)
    .lineTo(r.left + width, doc.y)
    .lineWidth(0.4)
    .strokeColor(COLOR.rule)
    .stroke();
  doc.x = r.left;
  doc.y += 8;
  r.body();
}

/** A table and its caption under it, kept together on the last page of the table. */
export function drawTableWithCaption(
  r: ReportDoc,
  columns: readonly TableColumn[],
  rows: readonly string[][],
  caption: string,
  o: TableOptions = {},
): void {
  drawTable(r, columns, rows, { ...o, keepAfter: r.captionHeight(caption) });
  r.caption(caption);
}

/** Two-column key/value table (model settings, manifest). */
export function drawKeyValue(
  r: ReportDoc,
  rows: readonly [string, string][],
  o: { keyWeight?: number; mono?: boolean; continuedLabel?: string } = {},
): void {
  drawTable(
    r,
    [
      { header: '', weight: o.keyWeight ?? 1 },
      { header: '', weight: 3, mono: o.mono },
    ],
    rows.map(([k, v]) => [k, v]),
    { header: false, boldFirstColumn: true, continuedLabel: o.continuedLabel },
  );
}
