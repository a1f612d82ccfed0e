/**
 * The page model of the report: A4 portrait, a running header (title, app version) and footer (audit id,
 * "Page k of n"), numbered section headings with PDF bookmarks, paragraphs and captions in one type scale.
 * Every string goes through `text` on its way in: the Redactor (phi.ts), then internal paper file names
 * become citation numbers (citations.ts), so no call site can forget either.
 */
import PDFDocument from 'pdfkit';
import type { ReportInput } from '@shared/report-input';
import { citeText } from './citations';
import { FONT, registerFonts } from './fonts';
import { formatTime } from './format';
import type { Redactor } from './phi';

export const PAGE = {
  width: 595.28,
  height: 841.89,
  marginLeft: 50,
  marginRight: 50,
  marginTop: 64,
  marginBottom: 58,
} as const;

export const TYPE = {
  title: 20,
  h1: 14,
  h2: 10.5,
  body: 9.5,
  small: 8,
  table: 7.6,
  caption: 7.8,
  header: 7.5,
} as const;

export const COLOR = {
  text: '#1f1f1f',
  muted: '#5f5f5f',
  accent: '#1f4e79',
  rule: '#b8b8b8',
  zebra: '#f2f4f7',
  headerFill: '#e3e8ef',
  warn: '#9a3412',
} as const;

export class ReportDoc {
  readonly doc: PDFKit.PDFDocument;
  readonly red: Redactor;
  readonly left = PAGE.marginLeft;
  readonly right = PAGE.width - PAGE.marginRight;
  readonly width = PAGE.width - PAGE.marginLeft - PAGE.marginRight;
  readonly top = PAGE.marginTop;
  readonly bottom = PAGE.height - PAGE.marginBottom;
  private sectionCount = 0;
  private readonly headerTitle: string;
  private readonly headerRight: string;
  private readonly footerLeft: string;

  constructor(input: ReportInput, red: Redactor) {
    this.red = red;
    const created = new Date(input.createdAt);
    this.doc = new PDFDocument({
      size: 'A4',
      bufferPages: true,
      autoFirstPage: true,
      margins: {
        top: PAGE.marginTop,
        bottom: PAGE.marginBottom,
        left: PAGE.marginLeft,
        right: PAGE.marginRight,
      },
      info: {
        Title: red.text(input.title),
        Author: 'CT Audit',
        Subject: 'Robustness audit of CT reconstruction',
        Creator: `CT Audit ${input.appVersion}`,
        CreationDate: Number.isNaN(created.getTime()) ? new Date(0) : created,
      },
      pdfVersion: '1.7',
      lang: 'en',
      displayTitle: true,
    });
    registerFonts(this.doc);
    this.doc.font(FONT.regular).fontSize(TYPE.body).fillColor(COLOR.text);
    this.headerTitle = red.text(input.title);
    this.headerRight = `CT Audit ${input.appVersion} · ${formatTime(input.createdAt)}`;
    this.footerLeft = input.auditId
      ? `CT Audit report · audit id ${red.text(input.auditId)}`
      : 'CT Audit robustness report';
  }

  /** A string as the report may print it: redacted, with papers/... names replaced by citations. */
  text(s: string): string {
    return citeText(this.red.text(s));
  }

  get y(): number {
    return this.doc.y;
  }

  set y(v: number) {
    this.doc.y = v;
  }

  /** Space left on the current page below the cursor. */
  get remaining(): number {
    return this.bottom - this.doc.y;
  }

  addPage(): void {
    this.doc.addPage();
    this.doc.x = this.left;
    this.doc.y = this.top;
  }

  /** Start a new page unless `height` pt fit below the cursor. */
  ensureSpace(height: number): void {
    if (this.doc.y + height > this.bottom) this.addPage();
  }

  moveDown(pt: number): void {
    this.doc.y += pt;
  }

  /** A numbered section heading ("3  Data") with a bookmark; keeps `keep` pt of content with it. */
  section(title: string, keep = 140): void {
    this.sectionCount += 1;
    const text = `${this.sectionCount}  ${title}`;
    // The heading's own height: the gap above it, the title, the rule and the gap below.
    const heading =
      10 +
      this.doc.font(FONT.bold).fontSize(TYPE.h1).heightOfString(this.text(text), { width: this.width }) +
      9;
    if (this.doc.y > this.top + 1) this.ensureSpace(keep + heading);
    if (this.doc.y > this.top + 1) this.moveDown(10);
    this.doc.outline.addItem(text);
    this.doc
      .font(FONT.bold)
      .fontSize(TYPE.h1)
      .fillColor(COLOR.accent)
      .text(this.text(text), this.left, this.doc.y, { width: this.width });
    const yRule = this.doc.y + 2;
    this.doc
      .moveTo(this.left, yRule)
      .lineTo(this.right, yRule)
      .lineWidth(0.6)
      .strokeColor(COLOR.accent)
      .stroke();
    this.doc.y = yRule + 7;
    this.body();
  }

  subheading(title: string, keep = 90): void {
    this.ensureSpace(keep + 18);
    this.moveDown(4);
    this.doc
      .font(FONT.bold)
      .fontSize(TYPE.h2)
      .fillColor(COLOR.text)
      .text(this.text(title), this.left, this.doc.y, { width: this.width });
    this.moveDown(3);
    this.body();
  }

  body(): void {
    this.doc.font(FONT.regular).fontSize(TYPE.body).fillColor(COLOR.text);
  }

  paragraph(text: string, o: { size?: number; color?: string; gap?: number; bold?: boolean } = {}): void {
    this.doc
      .font(o.bold ? FONT.bold : FONT.regular)
      .fontSize(o.size ?? TYPE.body)
      .fillColor(o.color ?? COLOR.text)
      .text(this.text(text), this.left, this.doc.y, { width: this.width, lineGap: 1.6, align: 'left' });
    this.moveDown(o.gap ?? 5);
    this.body();
  }

  /** Paragraph with a bold lead-in ("Attack. PGA with momentum ..."). */
  leadParagraph(lead: string, text: string, o: { size?: number; gap?: number } = {}): void {
    const size = o.size ?? TYPE.body;
    this.doc
      .font(FONT.bold)
      .fontSize(size)
      .fillColor(COLOR.text)
      .text(this.text(lead) + ' ', this.left, this.doc.y, {
        width: this.width,
        lineGap: 1.6,
        continued: true,
      })
      .font(FONT.regular)
      .text(this.text(text), { width: this.width, lineGap: 1.6 });
    this.moveDown(o.gap ?? 4);
    this.body();
  }

  /** Height `caption(text)` takes, for keeping a caption with its table or figure. */
  captionHeight(text: string, gap = 8): number {
    return (
      this.doc
        .font(FONT.regular)
        .fontSize(TYPE.caption)
        .heightOfString(this.text(text), { width: this.width, lineGap: 1 }) + gap
    );
  }

  caption(text: string, gap = 8): void {
    this.doc
      .font(FONT.regular)
      .fontSize(TYPE.caption)
      .fillColor(COLOR.muted)
      .text(this.text(text), this.left, this.doc.y, { width: this.width, lineGap: 1 });
    this.moveDown(gap);
    this.body();
  }

  /** Bulleted list, each item one paragraph. */
  bullets(items: readonly string[], size: number = TYPE.body): void {
    for (const it of items) {
      this.doc
        .font(FONT.regular)
        .fontSize(size)
        .fillColor(COLOR.text)
        .text('•', this.left + 4, this.doc.y, { width: 10, continued: false, lineBreak: false });
      this.doc.moveUp();
      this.doc.text(this.text(it), this.left + 16, this.doc.y, { width: this.width - 16, lineGap: 1.4 });
      this.moveDown(2.5);
    }
    this.doc.x = this.left;
    this.moveDown(3);
  }

  /** Height of `text` at the body style (or the given size) over `width`. */
  heightOf(text: string, width: number, size: number = TYPE.body, font: string = FONT.regular): number {
    return this.doc.font(font).fontSize(size).heightOfString(this.text(text), { width, lineGap: 1.6 });
  }

  /** Running header and footer on every page; call once, after the last page. */
  finish(): void {
    const range = this.doc.bufferedPageRange();
    const total = range.count;
    for (let i = range.start; i < range.start + total; i++) {
      this.doc.switchToPage(i);
      const margins = { ...this.doc.page.margins };
      this.doc.page.margins = { top: 0, bottom: 0, left: 0, right: 0 };
      const yHead = 30;
      this.doc.font(FONT.regular).fontSize(TYPE.header).fillColor(COLOR.muted);
      this.doc.text(this.headerTitle, this.left, yHead, {
        width: this.width * 0.62,
        lineBreak: false,
        ellipsis: true,
      });
      this.doc.text(this.headerRight, this.left + this.width * 0.62, yHead, {
        width: this.width * 0.38,
        align: 'right',
        lineBreak: false,
      });
      this.doc
        .moveTo(this.left, yHead + 12)
        .lineTo(this.right, yHead + 12)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
      const yFoot = PAGE.height - 38;
      this.doc
        .moveTo(this.left, yFoot - 6)
        .lineTo(this.right, yFoot - 6)
        .lineWidth(0.4)
        .strokeColor(COLOR.rule)
        .stroke();
      this.doc.text(this.footerLeft, this.left, yFoot, { width: this.width / 2, lineBreak: false });
      this.doc.text(`Page ${i - range.start + 1} of ${total}`, this.left + this.width / 2, yFoot, {
        width: this.width / 2,
        align: 'right',
        lineBreak: false,
      });
      this.doc.page.margins = margins;
    }
  }
}
