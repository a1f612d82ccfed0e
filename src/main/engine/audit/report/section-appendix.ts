/** Definitions with equation references (section 8) and the reproducibility appendix (section 9). */
import type { ReportInput } from '@shared/report-input';
import { FONT } from './fonts';
import { formatScalar, formatTime, MISSING } from './format';
import { COLOR, TYPE, type ReportDoc } from './layout';
import { REFERENCES, referenceText } from './citations';
import { REPORT_SECTIONS } from './sections';
import { drawKeyValue, drawTable } from './table';

export function drawDefinitions(r: ReportDoc, input: ReportInput): void {
  const d = input.definitions;
  r.section(REPORT_SECTIONS[7]);
  const defs: [string, string][] = [
    [
      'Images and units.',
      'Images x are N × N in canonical units, attenuation relative to water: x = max(0, 1 + HU/1000) (air 0, water 1). ' +
        'Measurements y = Ax are parallel-beam line integrals (views over [0°, 180°), detector spacing in pixels); f is the reconstruction method ' +
        '(FBP, or FBPConvNet [3]: FBP followed by a residual U-Net). Errors stated as RMS in HU are 1000 ‖·‖₂ / N: the per-pixel root mean square ' +
        'of the difference image in Hounsfield units, comparable across image sizes.',
    ],
    [
      'Worst-case error (eq. 8 of papers/000).',
      'Δmax(x, ε) = max over ‖δ‖₂ ≤ ε of ‖f(Ax + δ) − x‖₂, searched by projected gradient ascent with momentum on the ℓ2 ball (a lower bound ' +
        'on the true maximum: a stronger search can only find larger errors).',
    ],
    [
      'Robustness curve (eq. 9 of papers/000).',
      'ρ̂(ε) = (1/n) Σᵢ Δmax(xᵢ, ε) over the n audited slices; ρ̂(0) is the clean error. Relative size: ε / ‖Axᵢ‖₂ per slice, ' +
        'reported as its mean when ε was given in absolute units.',
    ],
    [
      'Smoothed error (eq. 6 of papers/002, with a fixed reference).',
      `Randomized smoothing [4] adapted to reconstruction [2]: for smoothing noise δ ~ N(0, σ²I) added to the measurements, the error is ` +
        `ℓ(f(y + δ), r) with ℓ the ${d.discrepancyLoss ?? 'normalized MSE (1/n)‖a − b‖²'} and r a FIXED reference (the reference slice x, or the clean ` +
        'reconstruction f(Ax)); its percentile-smoothed value is D_p(y) = inf{ t : P[ℓ ≤ t] ≥ p }, and D₀.₅ is the median. papers/002 measures ' +
        'ℓ against f(y′), which moves with the perturbation; the lemma behind Corollary 3.2 bounds only a fixed function of the noisy input, ' +
        'so this report certifies the error against a fixed reference instead.',
    ],
    [
      'Certified bound (Corollary 3.2 of papers/002).',
      'D_q(y′ + ξ) ≤ D_Φ(Φ⁻¹(q) + ε/σ)(y′) for every ξ with ‖ξ‖₂ ≤ ε: the smoothed median error anywhere within ε of the attacked measurement ' +
        'y′ (a ball that contains the clean measurement when ε is the attack radius) is bounded by a higher quantile of the error at y′. ' +
        'Validity is tested by brute force in the project (coverage ≥ c over many trials, with adversarially chosen ξ).',
    ],
    [
      'Order statistic (Algorithms 3-4 of papers/002).',
      'With S sorted samples, D₀.₅ is estimated by the sample of rank ⌈S/2⌉ and the certified bound is the K-th smallest sample, K the smallest ' +
        'integer with BinomialCDF(K − 1; S, p) ≥ c, p = Φ(Φ⁻¹(q) + ε/σ) (q = 0.5: p = Φ(ε/σ)). The certifier abstains when K > S. ' +
        'Algorithm 4 as printed has an off-by-one and a loop that never runs; the definition above is what is implemented.',
    ],
    [
      'PSNR and SSIM.',
      `PSNR = 10 log₁₀(R² / MSE) with R the data range of the reference image (${d.psnrDataRange}); SSIM [5] with an 11 × 11 Gaussian window, ` +
        'σ = 1.5, K₁ = 0.01, K₂ = 0.03 and the same data range.',
    ],
    [
      'Confidence.',
      'c is the probability, over the smoothing noise, that the certified bound is at least the true quantile it bounds; it says nothing ' +
        'about slices outside the audited set.',
    ],
  ];
  for (const [lead, text] of defs) r.leadParagraph(lead, text, { size: 8.8, gap: 4 });
  for (const e of d.extra ?? []) r.leadParagraph(`${e.term}.`, e.text, { size: 8.8, gap: 4 });
  r.subheading('References', 30);
  for (const ref of REFERENCES) r.paragraph(referenceText(ref), { size: 8, gap: 3 });
}

export function drawReproducibility(r: ReportDoc, input: ReportInput): void {
  const m = input.reproducibility;
  r.section(REPORT_SECTIONS[8]);
  r.paragraph(
    'Everything needed to repeat this audit: software, backend, seed, the command line and the SHA-256 of every input file and model. ' +
      'Runs with the same inputs, seed and backend give the same numbers.',
  );
  drawKeyValue(r, [
    ['App version', m.appVersion],
    ['Compute backend', m.backend],
    ['Platform', m.platform],
    ['Seed', m.seed],
    ['Started', formatTime(m.startedAt)],
    ['Finished', formatTime(m.finishedAt)],
    ['Status', m.status ?? MISSING],
    ['Report created', formatTime(input.createdAt)],
  ]);
  r.subheading('Command line', 30);
  const cmd = r.red.commandLine(m.commandLine);
  const h =
    r.doc
      .font(FONT.mono)
      .fontSize(7.8)
      .heightOfString(cmd, { width: r.width - 12 }) + 10;
  r.ensureSpace(h + 4);
  const y = r.y;
  r.doc.rect(r.left, y, r.width, h).fill('#f4f4f4');
  r.doc
    .font(FONT.mono)
    .fontSize(7.8)
    .fillColor(COLOR.text)
    .text(cmd, r.left + 6, y + 5, { width: r.width - 12 });
  r.y = y + h + 8;
  r.body();
  const versions = Object.entries(m.versions);
  if (versions.length > 0) {
    r.subheading('Versions', 30);
    drawTable(
      r,
      [
        { header: 'Component', weight: 1.5 },
        { header: 'Version', weight: 3, mono: true },
      ],
      versions.map(([k, v]) => [k, v]),
      { continuedLabel: 'Versions' },
    );
  }
  if (m.files.length > 0) {
    r.subheading('Files (SHA-256)', 30);
    drawTable(
      r,
      [
        { header: 'Role', weight: 1.1 },
        { header: 'File', weight: 1.2, mono: true },
        { header: 'SHA-256', weight: 3.6, mono: true },
      ],
      m.files.map((f) => [f.role, r.red.path(f.path), f.sha256]),
      { continuedLabel: 'Files', fontSize: 7 },
    );
  }
  const settings = Object.entries(m.settings ?? {});
  if (settings.length > 0) {
    r.subheading('Audit settings', 30);
    drawTable(
      r,
      [
        { header: 'Setting', weight: 1.5 },
        { header: 'Value', weight: 3 },
      ],
      settings.map(([k, v]) => [
        k,
        typeof v === 'string' && /[\\/]/.test(v) ? r.red.path(v) : formatScalar(v),
      ]),
      { continuedLabel: 'Audit settings' },
    );
  }
  r.subheading('Patient identifiers', 30);
  r.paragraph(
    input.phi.statement ??
      (input.phi.policy === 'include'
        ? 'The user opted in to patient identifiers (PHI policy "include"): file paths are shown as given.'
        : 'PHI policy "exclude": no patient names, IDs, birth dates, accession numbers, institutions or study dates appear in this report; ' +
          'series are identified by hashes of their UIDs and files by hashes of their paths (path#<hash>); SHA-256 values identify file contents.'),
    { size: 8.5 },
  );
  r.doc.font(FONT.regular).fontSize(TYPE.small);
}
