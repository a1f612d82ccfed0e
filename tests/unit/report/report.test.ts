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
  citeText,
  formatCompact,
  formatScalar,
  headlineNumbers,
  REFERENCES,
  windowStatement,
  formatPercent,
  formatPsnr,
  formatValue,
  hashedPath,
  renderReport,
  REPORT_SECTIONS,
} from '../../../src/main/engine/audit/report/index';
import { changeText } from '../../../src/main/engine/audit/report/summary-text';
import { windowGray } from '../../../src/main/engine/audit/report/colormap';
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
    expect(text.all).toContain('Certified, with confidence 0.99 over S =');
    expect(summary).toMatch(/randomized smoothing certifies a PSNR of at least/);
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

/** Text without any whitespace: table cells and paragraphs wrap at different places than a string. */
const squash = (t: string): string => t.replace(/\s+/g, '');

/** The text of page 1 between two markers. */
function between(page: string, from: string, to: string): string {
  const a = page.indexOf(from);
  const b = page.indexOf(to, a + from.length);
  expect(a, from).toBeGreaterThanOrEqual(0);
  expect(b, to).toBeGreaterThan(a);
  return page.slice(a + from.length, b);
}

describe('what a journal reviewer checks', () => {
  it('states the window of every image panel in HU, and where it comes from', () => {
    for (const wc of input.worstCases) {
      expect(wc.window.unit).toBe('HU');
      expect(squash(text.all)).toContain(squash(windowStatement(wc.window)));
    }
    // The sample has a slice with a DICOM window and an uncalibrated phantom shown in its range.
    expect(text.all).toContain('Window of the DICOM file (“SOFT TISSUE”), level 40 HU, width 400 HU');
    expect(text.all).toMatch(
      /Window: level -?\d+ HU, width \d+ HU, the reference image's minimum to maximum/,
    );
  });

  it('greys the panels with the stated HU window (DICOM linear VOI on x converted to HU)', () => {
    // Soft tissue, level 40 / width 400: black up to -160 HU, white from 240 HU, mid-grey at the level.
    const hu = [-1000, -161, 40, 239.5, 241, 1000];
    const x = Float32Array.from(hu.map((h) => 1 + h / 1000));
    const g = windowGray(x, { center: 40, width: 400, unit: 'HU' });
    expect(Array.from(g)).toEqual([0, 0, Math.round(((40 - 39.5) / 399 + 0.5) * 255), 255, 255, 255]);
  });

  it('cites the papers by authors, title, venue and year, never by internal file name', () => {
    for (const ref of REFERENCES) {
      for (const part of [ref.authors, ref.title, String(ref.year)]) {
        expect(squash(text.all), `reference [${ref.n}]: ${part}`).toContain(squash(part));
      }
      expect(text.all, `[${ref.n}] is cited in the text`).toContain(`[${ref.n}`);
    }
    expect(text.all).toContain('International Conference on Machine Learning');
    expect(text.all).not.toMatch(/papers\/|_69bfd9fb|_1f62dc20|DESIGN\.md/);
    expect(citeText('eq. 8 of papers/000; papers/002 B: S = 15; papers/000_69bfd9fb85c79e3d.txt')).toBe(
      'eq. 8 of [1]; [2, appendix B]: S = 15; [1]',
    );
  });

  it("lists every hyperparameter of every trained model with the papers' value, and the training settings", () => {
    expect(text.all).toContain('Hyperparameters of the training methods');
    expect(text.all).toContain('Value in the papers (source)');
    let n = 0;
    for (const m of input.models) {
      for (const [k, v] of Object.entries(m.hyperparameters)) {
        expect(has(k), `${m.id}: ${k}`).toBe(true);
        expect(has(formatScalar(v)), `${m.id}: ${k} = ${formatScalar(v)}`).toBe(true);
        const paper = m.paperValues?.[k];
        if (paper) expect(squash(text.all), `${m.id}: ${k} paper value`).toContain(squash(citeText(paper)));
        n++;
      }
      if (m.training) {
        expect(squash(text.all)).toContain(
          squash(`learning rate ${formatScalar(m.training.optimizer.learningRate)}`),
        );
        expect(squash(text.all)).toContain(squash(`β1 ${formatScalar(m.training.optimizer.beta1)}`));
      }
    }
    expect(n).toBeGreaterThanOrEqual(9);
  });

  it("quotes the key-numbers table's headline numbers in the summary, digit for digit, with units", () => {
    const page = text.pages[0];
    const summary = between(page, '1 Summary', 'Key numbers');
    const table = between(page, 'Key numbers', 'ρ̂: mean over slices');
    const n = input.data.geometry.size;
    let checked = 0;
    for (const h of headlineNumbers(input)) {
      if (!h.clean || !h.attacked) continue;
      // Independent of the report's formatting helpers' callers: the numbers as the input has them.
      const expected = [
        formatValue(h.clean.rhoHat),
        formatValue(h.attacked.rhoHat),
        changeText(h.clean.rhoHat, h.attacked.rhoHat),
      ];
      for (const v of expected) {
        expect(summary, `summary: ${h.name} ${v}`).toContain(v);
        expect(table, `table: ${h.name} ${v}`).toContain(v);
      }
      // Per-pixel RMS in HU in the table: 1000 * rho-hat / N.
      expect(table).toContain(formatValue((1000 * h.attacked.rhoHat) / n));
      expect(table).toContain(formatPsnr(h.attacked.psnr));
      checked++;
    }
    expect(checked).toBe(input.models.length);
    // Every number of the first sentence (eps, errors, changes) is in the table.
    const first = summary.split(/(?<=\.)\s+(?=[A-Z])/)[0];
    const numbers = first.match(/[+−-]?\d+(?:\.\d+)?%?/g) ?? [];
    expect(numbers.length).toBeGreaterThanOrEqual(3 * checked);
    for (const v of numbers) expect(table, `"${v}" of the summary's first sentence`).toContain(v);
    expect(summary).toContain('canonical units');
    expect(table).toContain('RMS clean (HU)');
  });

  it('repeats no sentence of prose', () => {
    // Prose: at least ten words, and numbers at most a fifth of the tokens (panel labels and tables are not).
    const sentences = text.all.split(/(?<=[.!?])\s+/).filter((s) => {
      const tokens = s.split(' ');
      const numbers = tokens.filter((t) => /\d/.test(t)).length;
      return (s.match(/\b[A-Za-z][a-z]+\b/g) ?? []).length >= 10 && numbers <= tokens.length / 5;
    });
    expect(sentences.length).toBeGreaterThan(30);
    const seen = new Set<string>();
    const repeated = sentences.filter((s) => (seen.has(s) ? true : (seen.add(s), false)));
    expect(repeated).toEqual([]);
  });

  it('shows each worst case with the clean sinogram next to the perturbation, in line-integral units', () => {
    for (const wc of input.worstCases) {
      expect(text.all).toContain(`Perturbation δ = y′ − y (‖δ‖₂ = ${formatCompact(wc.eps)})`);
    }
    expect(text.all).toContain(`Clean sinogram Ax (${input.worstCases[0].perturbation.views} views`);
    expect(text.all).toContain('x·px');
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
