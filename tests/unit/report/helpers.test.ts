/** Number formats, identifier redaction and the generated summary text of the report. */
import { describe, expect, it } from 'vitest';
import {
  formatCompact,
  formatPercent,
  formatPsnr,
  formatSsim,
  formatValue,
  hashedPath,
  plainLanguageSummary,
  rankingSentence,
  Redactor,
  REDACTED,
} from '../../../src/main/engine/audit/report/index';
import { makeSampleReportInput } from './sample-input';

describe('formats', () => {
  it('prints values with 4 significant digits, exponents outside [1e-3, 1e5), dashes for missing', () => {
    expect(formatValue(1.23456)).toBe('1.235');
    expect(formatValue(12.3456)).toBe('12.35');
    expect(formatValue(2.3456e-5)).toBe('2.346e-5');
    expect(formatValue(123456)).toBe('1.235e5');
    expect(formatValue(0)).toBe('0');
    expect(formatValue(null)).toBe('–');
    expect(formatValue(NaN)).toBe('–');
    expect(formatPsnr(31.4159)).toBe('31.42');
    expect(formatPsnr(Infinity)).toBe('∞');
    expect(formatSsim(0.912345)).toBe('0.9123');
    expect(formatPercent(0.005)).toBe('0.5%');
    expect(formatPercent(0.07)).toBe('7%');
    expect(formatPercent(0.000803123)).toBe('0.08031%');
    expect(formatCompact(0.02)).toBe('0.02');
    expect(formatCompact(0.99)).toBe('0.99');
    expect(formatCompact(1e-6)).toBe('1e-6');
  });
});

describe('Redactor', () => {
  const exclude = new Redactor({ policy: 'exclude', redactTerms: ['Doe^John', 'PAT-12345'] });

  it('shows paths as a short hash with the extension', () => {
    const h = exclude.path('/data/DOE_JOHN/IM-0001.dcm');
    expect(h).toMatch(/^path#[0-9a-f]{8}\.dcm$/);
    expect(h).toBe(hashedPath('/data/DOE_JOHN/IM-0001.dcm'));
    expect(exclude.path('C:\\scans\\DOE_JOHN')).toMatch(/^path#[0-9a-f]{8}$/);
  });

  it('scrubs known identifiers case-insensitively and hashes paths inside free text', () => {
    const t = exclude.text(
      'Scan of doe^john (PAT-12345) from /home/jdoe/scans/x.dcm and ~/ct/a, ratio ε/σ = 2, 1/n',
    );
    expect(t).not.toMatch(/doe\^john|PAT-12345|jdoe|\/scans/i);
    expect(t).toContain(REDACTED);
    expect(t).toContain('ε/σ = 2, 1/n');
    expect(t).toMatch(/path#[0-9a-f]{8}\.dcm/);
    expect(exclude.text('file DOE_JOHN_0001.dcm')).not.toContain('DOE_JOHN');
    // Idempotent: a hashed path is not hashed again.
    expect(exclude.text(t)).toBe(t);
  });

  it('reduces the program to its name and hashes path arguments of a command line', () => {
    const cmd = exclude.commandLine([
      '/usr/bin/node',
      '/home/jdoe/app/bin/ct-audit.mjs',
      'audit',
      '--model',
      'fbp',
      '--data=/mnt/DOE_JOHN',
      '--eps',
      '0.5%,1%',
      '--out',
      'audits/a1',
    ]);
    expect(cmd.startsWith('ct-audit audit --model fbp --data=path#')).toBe(true);
    expect(cmd).toContain('--eps 0.5%,1%');
    expect(cmd).not.toMatch(/jdoe|DOE_JOHN|audits\/a1/);
  });

  it('keeps paths with policy include, but still scrubs the listed terms', () => {
    const include = new Redactor({ policy: 'include', redactTerms: ['Doe^John'] });
    expect(include.path('/data/x.dcm')).toBe('/data/x.dcm');
    expect(include.text('Doe^John at /data/x.dcm')).toBe(`${REDACTED} at /data/x.dcm`);
  });
});

describe('plainLanguageSummary', () => {
  const input = makeSampleReportInput({ size: 32, slices: 3, samples: 40 });

  it('speaks about the headline eps, the certificate and the few slices', () => {
    const s = plainLanguageSummary(input).join(' ');
    expect(s).toContain('perturbations of 1% of the signal');
    expect(s).toMatch(
      /FBPConvNet \(minmax\) (is the most robust of the 3 methods|has the lowest mean error)/,
    );
    expect(s).toMatch(
      /At the attacked inputs of radius ε = 1%, randomized smoothing certifies a PSNR of at least [\d.]+ dB for FBPConvNet \(ord\)/,
    );
    expect(s).toContain('These figures come from 3 slices only');
    expect(s).toContain(input.summary.notes?.[0] ?? '');
  });

  it('ranks the methods at the headline eps, hedged when the lead is small', () => {
    const point = (rhoHat: number, iqr: number) => ({
      spec: '1%',
      eps: 1,
      epsRelative: 0.01,
      rhoHat,
      spread: {
        min: rhoHat - iqr,
        q1: rhoHat - iqr / 2,
        median: rhoHat,
        q3: rhoHat + iqr / 2,
        max: rhoHat + iqr,
      },
      slices: 5,
    });
    const nums = (a: number, b: number, iqr: number) => [
      { model: 'a', name: 'A', clean: null, attacked: point(a, iqr), sigma: null, cert: null },
      { model: 'b', name: 'B', clean: null, attacked: point(b, iqr), sigma: null, cert: null },
    ];
    expect(rankingSentence(nums(10, 10.05, 1))).toContain('practically level');
    expect(rankingSentence(nums(10, 10.5, 1))).toMatch(
      /^A has the lowest mean error at this size \(ρ̂ = 10\.00 against 10\.50 for B, 4\.8% lower\), but that lead is smaller/,
    );
    expect(rankingSentence(nums(12, 10, 0.1))).toBe(
      'B is the most robust of the 2 methods at this size: its mean error is 16.7% below that of A (ρ̂ = 10.00 against 12.00).',
    );
  });

  it('says so when no sigma certified every slice', () => {
    const table = (input.certification.table ?? []).map((t) => ({
      ...t,
      sigmaText: null,
      certifiedPsnr: null,
      certifiedBound: null,
      reason: 'S = 40 samples are too few for eps/sigma = 2; use at least 67 samples',
    }));
    const s = plainLanguageSummary({ ...input, certification: { ...input.certification, table } }).join(' ');
    expect(s).toContain(
      'No σ certified every slice at that radius for FBPConvNet (ord), FBPConvNet (minmax) and FBP (S = 40 samples are too few',
    );
    expect(s).not.toContain('certifies a PSNR');
  });
});
