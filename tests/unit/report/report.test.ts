/**
 * The PDF report built from a realistic synthetic input (sample-input.ts): the text read back from the PDF
 * carries the input's key numbers formatted as the report formats them, every section heading, page numbers,
 * and no planted patient identifier. Rendering with pdftoppm runs where poppler-utils is installed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportInput } from '@shared/report-input';
import {
  buildReport,
  formatCompact,
  formatPercent,
  formatPsnr,
  formatValue,
  hashedPath,
  renderReport,
  REPORT_SECTIONS,
} from '../../../src/main/engine/audit/report/index';
import { readPdfText, type PdfText } from './pdf-text';
import { makeSampleReportInput, PLANTED_NAME, PLANTED_PATH } from './sample-input';
import { runTool } from '../../helpers/tools';

let input: ReportInput;
let bytes: Uint8Array;
let text: PdfText;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'ct-audit-report-'));
  input = makeSampleReportInput({ size: 64, slices: 4, samples: 40 });
  bytes = await renderReport(input);
  text = await readPdfText(bytes);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const has = (s: string): boolean => text.tokens.has(s);

describe('report text', () => {
  it('is a PDF with every section heading, in order, and page numbers on every page', () => {
    expect(new TextDecoder().decode(bytes.subarray(0, 5))).toBe('%PDF-');
    let at = -1;
    REPORT_SECTIONS.forEach((title, i) => {
      const heading = `${i + 1} ${title}`;
      const k = text.all.indexOf(heading, at + 1);
      expect(k, `section heading "${heading}"`).toBeGreaterThan(at);
      at = k;
    });
    const n = text.pages.length;
    text.pages.forEach((p, i) => expect(p, `page ${i + 1}`).toContain(`Page ${i + 1} of ${n}`));
  });

  it('states every rho-hat value, its spread and the mean attacked PSNR as the input has them', () => {
    for (const c of input.rhoHat) {
      for (const p of c.points) {
        const what = `${c.model} at ${p.spec}`;
        expect(has(formatValue(p.rhoHat)), `rho-hat ${what}: ${formatValue(p.rhoHat)}`).toBe(true);
        expect(has(formatValue(p.spread.min)), `min ${what}`).toBe(true);
        expect(has(formatValue(p.spread.max)), `max ${what}`).toBe(true);
        expect(has(formatPsnr(p.psnr)), `PSNR ${what}`).toBe(true);
        expect(has(formatPercent(p.epsRelative)), `eps ${what}`).toBe(true);
      }
    }
  });

  it('states every certified bound (or abstain), median discrepancy and smoothed PSNR', () => {
    for (const row of input.certification.rows) {
      const what = `${row.model} at sigma ${row.sigma}`;
      expect(has(formatValue(row.medianDiscrepancy)), `median ${what}`).toBe(true);
      if (row.certifiedDiscrepancy !== null) {
        expect(has(formatValue(row.certifiedDiscrepancy)), `certified ${what}`).toBe(true);
      }
      expect(has(formatPsnr(row.smoothedPsnr)), `smoothed PSNR ${what}`).toBe(true);
    }
    expect(input.certification.rows.some((r) => r.certifiedDiscrepancy === null)).toBe(true);
    expect(has('abstain')).toBe(true);
    // The reason of an abstention is spelled out.
    expect(text.all).toContain('samples are too few');
  });

  it('states the per-slice numbers and the worst-case panel numbers', () => {
    for (const s of input.slices) {
      expect(has(formatValue(s.perturbedError)), `Delta_max ${s.model}/${s.slice}`).toBe(true);
      expect(has(formatPsnr(s.cleanPsnr)), `clean PSNR ${s.model}/${s.slice}`).toBe(true);
    }
    for (const wc of input.worstCases) {
      expect(text.all).toContain(`Δmax = ${formatValue(wc.perturbedError)}`);
      const w = wc.window;
      expect(text.all).toContain(
        `level ${formatCompact(w.center)} ${w.unit}, width ${formatCompact(w.width)} ${w.unit}`,
      );
    }
  });

  it('writes a plain-language summary from the numbers, with the headline eps and the certificate', () => {
    const summary = text.pages[0];
    expect(summary).toContain('Under worst-case measurement perturbations of 1% of the signal');
    expect(summary).toContain('99% confidence');
    expect(summary).toMatch(/These figures come from 4 slices only/);
  });

  it('shows no planted patient identifier; paths appear only hashed', () => {
    const planted = [
      'DOE_JOHN_1957',
      'IM-0001-0042',
      'Doe^John',
      'DOE^JOHN',
      'jdoe',
      '/data/scans',
      'CT_head',
    ];
    for (const p of planted) expect(text.all.toLowerCase(), p).not.toContain(p.toLowerCase());
    expect(text.all).toContain('[redacted]');
    expect(text.all).toContain(hashedPath(PLANTED_PATH));
    expect(text.title ?? '').not.toMatch(/doe/i);
    // The raw bytes too (metadata, uncompressed strings).
    const raw = Buffer.from(bytes).toString('latin1');
    expect(raw).not.toContain('DOE_JOHN');
  });

  it('shows paths as given when the PHI policy opts in', async () => {
    const included = await readPdfText(
      await renderReport({ ...input, phi: { policy: 'include', redactTerms: [PLANTED_NAME] } }),
    );
    expect(included.all).toContain(PLANTED_PATH);
    expect(included.all).not.toContain(PLANTED_NAME);
  });
});

describe('buildReport', () => {
  it('writes the file atomically (no temporary left behind)', async () => {
    const out = path.join(dir, 'report.pdf');
    await buildReport(input, out);
    expect(readdirSync(dir)).toEqual(['report.pdf']);
    expect(statSync(out).size).toBeGreaterThan(10_000);
  });

  it('refuses results that name a model the input does not have', async () => {
    const bad = { ...input, slices: [{ ...input.slices[0], model: 'nope' }] };
    await expect(renderReport(bad)).rejects.toThrow(/model nope/);
  });

  it('refuses a worst-case image of the wrong size', async () => {
    const wc = { ...input.worstCases[0], clean: new Float32Array(7) };
    await expect(renderReport({ ...input, worstCases: [wc] })).rejects.toThrow(/clean has 7 values/);
  });

  it('renders every page with pdftoppm', () => {
    const out = path.join(dir, 'report.pdf');
    runTool('pdftoppm', ['-r', '30', '-png', out, path.join(dir, 'page')]);
    const pngs = readdirSync(dir).filter((f) => f.startsWith('page') && f.endsWith('.png'));
    expect(pngs.length).toBe(text.pages.length);
    for (const f of pngs) {
      const png = readFileSync(path.join(dir, f));
      expect(png.subarray(1, 4).toString()).toBe('PNG');
    }
  });
});
