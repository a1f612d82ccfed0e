/**
 * The report's fonts: DejaVu Sans (regular, bold) and DejaVu Sans Mono, bundled in resources/fonts because
 * pdfkit's standard 14 fonts lack σ, ρ̂, ε, ≤, ‖ and subscripts. Found by walking up from this module (source
 * tree, electron-vite's out/main, the CLI) and in Electron's resources folder; CT_AUDIT_FONTS_DIR overrides.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '@shared/errors';

export const FONT_FILES = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono.ttf',
} as const;

/** Names the fonts are registered under in a document (also the SVG font-family the charts ask for). */
export const FONT = { regular: 'DejaVu Sans', bold: 'DejaVu Sans-Bold', mono: 'DejaVu Sans Mono' } as const;

function candidates(): string[] {
  const out: string[] = [];
  if (process.env.CT_AUDIT_FONTS_DIR) out.push(process.env.CT_AUDIT_FONTS_DIR);
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    out.push(path.join(dir, 'resources', 'fonts'));
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  const resourcesPath = (process as { resourcesPath?: string }).resourcesPath;
  if (resourcesPath) {
    // Packaged app: electron-builder.yml unpacks resources/** next to app.asar.
    out.push(
      path.join(resourcesPath, 'app.asar.unpacked', 'resources', 'fonts'),
      path.join(resourcesPath, 'resources', 'fonts'),
      path.join(resourcesPath, 'fonts'),
    );
  }
  out.push(path.join(process.cwd(), 'resources', 'fonts'));
  return out;
}

let cached: string | undefined;

/** The folder holding the report fonts; InputError naming the places searched when it is missing. */
export function fontsDir(): string {
  if (cached) return cached;
  const tried = candidates();
  const found = tried.find((d) => existsSync(path.join(d, FONT_FILES.regular)));
  if (!found) {
    throw new InputError(
      `report: the fonts (${FONT_FILES.regular}) were not found; looked in ${tried.join(', ')}. ` +
        'Reinstall the app or set CT_AUDIT_FONTS_DIR to a folder with the DejaVu TTF files.',
    );
  }
  cached = found;
  return found;
}

export function fontPath(which: keyof typeof FONT_FILES): string {
  return path.join(fontsDir(), FONT_FILES[which]);
}

/** Register the three fonts in `doc` under the FONT names. */
export function registerFonts(doc: PDFKit.PDFDocument): void {
  doc.registerFont(FONT.regular, fontPath('regular'));
  doc.registerFont(FONT.bold, fontPath('bold'));
  doc.registerFont(FONT.mono, fontPath('mono'));
}
