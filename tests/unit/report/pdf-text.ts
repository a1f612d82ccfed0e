/** Text of a PDF, page by page, read back with pdfjs-dist (Node build, no worker, no fonts loaded). */
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

export interface PdfText {
  pages: string[];
  /** All pages joined, whitespace collapsed. */
  all: string;
  /** Whitespace-separated tokens of all pages. */
  tokens: Set<string>;
  title: string | null;
}

export async function readPdfText(bytes: Uint8Array): Promise<PdfText> {
  const doc = await getDocument({
    data: new Uint8Array(bytes),
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
    verbosity: 0,
  }).promise;
  try {
    const pages: string[] = [];
    for (let i = 1; i <= doc.numPages; i++) {
      const page = await doc.getPage(i);
      const content = await page.getTextContent();
      pages.push(
        content.items
          .map((it) => ('str' in it ? it.str : ''))
          .join(' ')
          .replace(/\s+/g, ' ')
          .trim(),
      );
    }
    const meta = await doc.getMetadata();
    const info = meta.info as { Title?: string };
    const all = pages.join(' ');
    return { pages, all, tokens: new Set(all.split(' ')), title: info.Title ?? null };
  } finally {
    await doc.destroy();
  }
}
