/**
 * `ct-audit audit`, `batch`, `report --from` and `reproduce ct-robustness` run as a user runs them (child
 * processes): flags and spec files, one-line usage errors, the summary rebuilt from results.jsonl alone, and a
 * batch killed with SIGKILL mid-run that resumes to the files of an uninterrupted run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cli } from '../helpers/cli';
import { DICOM_DIR } from '../../helpers/dicom-data';
import { runTool } from '../../helpers/tools';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = path.join(root, 'bin/ct-audit.mjs');
const data = DICOM_DIR;
const env = { ...process.env, CT_AUDIT_BACKEND: 'wasm' };

const small = [
  '--size',
  '16',
  '--views',
  '8',
  '--steps',
  '3',
  '--samples',
  '16',
  '--sigma',
  'eps/0.5',
  '--no-pdf',
];

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-cli-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ct-audit audit / report', () => {
  it('audits from flags, prints rho-hat and where the folder is; report --from rebuilds the same summary', async () => {
    const out = path.join(dir, 'a1');
    const r = await cli(
      'audit',
      '--model',
      'fbp',
      '--data',
      'ellipses',
      '--phantoms',
      '2',
      '--eps',
      '1%,2%',
      ...small,
      '--out',
      out,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/rho-hat\(eps\) = mean over 2 slice\(s\)/);
    expect(r.stdout).toMatch(/fbp +\d/);
    expect(r.stdout).toContain(`audit folder: ${out}`);
    const summary = await fs.readFile(path.join(out, 'summary.json'), 'utf8');
    await fs.rm(path.join(out, 'summary.json'));
    const rep = await cli('report', '--from', out);
    expect(rep.code, rep.stderr).toBe(0);
    expect(rep.stdout).toMatch(/rebuilt .*summary\.json from results\.jsonl/);
    expect(await fs.readFile(path.join(out, 'summary.json'), 'utf8')).toBe(summary);
  });

  it('reads a spec file, lets flags override it, and writes the filled spec back', async () => {
    const file = path.join(dir, 'audit.json');
    await fs.writeFile(
      file,
      JSON.stringify({
        models: ['fbp'],
        data: { sources: ['ellipses'], phantoms: 1 },
        geometry: { size: 16, views: 8 },
        attack: { eps: ['1%'], steps: 2 },
        certification: { enabled: false },
        report: { pdf: false },
      }),
    );
    const out = path.join(dir, 'a2');
    const r = await cli('audit', '--spec', file, '--steps', '3', '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).format).toBe('ct-audit/audit-summary');
    const spec = JSON.parse(await fs.readFile(path.join(out, 'spec.json'), 'utf8'));
    expect(spec.attack).toMatchObject({ eps: ['1%'], steps: 3, stepSize: 0.5, restarts: 1 });
    expect(spec.certification.enabled).toBe(false);
    expect(spec.output).toBe(out);
  });

  it.each([
    [['audit', '--data', 'ellipses', '--out', 'x'], 2, /give --model/],
    [
      ['audit', '--model', 'fbp', '--data', 'ellipses', '--eps', '1%,abc', '--out', 'x'],
      2,
      /attack\.eps\.1: .*"abc" is not a radius/,
    ],
    [
      ['audit', '--model', 'fbp', '--data', 'ellipses', '--out', 'x', '--phi', 'some'],
      2,
      /--phi must be one of exclude, include/,
    ],
    [
      ['audit', '--model', 'no/such/model', '--data', 'ellipses', '--out', 'x'],
      1,
      /no card\.json here|cannot/,
    ],
    [['report', '--from', '/no/such/audit'], 1, /no spec\.json/],
  ])('%j exits %i with one line', async (args, code, pattern) => {
    const r = await cli(...args.map((a) => (a === 'x' ? path.join(dir, 'never') : a)));
    expect(r.code, r.stderr).toBe(code);
    // One line (commander adds "(run with --help for usage)" to its own option errors).
    expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(r.stderr).toMatch(pattern);
  });

  it('refuses to resume with other settings', async () => {
    const r = await cli(
      'audit',
      '--model',
      'fbp',
      '--data',
      'ellipses',
      '--phantoms',
      '2',
      '--eps',
      '1%,3%',
      ...small,
      '--out',
      path.join(dir, 'a1'),
      '--resume',
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/differs from the audit being resumed \(field "attack"\)/);
  });
});

describe('ct-audit batch: kill -9 and --resume', () => {
  let input: string;
  const args = (out: string) => [
    'batch',
    input,
    '--model',
    'fbp',
    '--eps',
    '1%,2%',
    ...small.map((a) => (a === '3' ? '40' : a)),
    '--out',
    out,
    '--quiet',
  ];

  beforeAll(async () => {
    input = path.join(dir, 'in');
    for (const s of ['pydicom-ct2-16x16', 'pydicom-ct5n-16x16'])
      await fs.cp(path.join(data, 'ct-series', s), path.join(input, s), { recursive: true });
    await fs.copyFile(path.join(data, 'ct-single/nema-ct1_explicit-vr-le.dcm'), path.join(input, 'ct1.dcm'));
    await fs.copyFile(
      path.join(data, 'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm'),
      path.join(input, 'cut.dcm'),
    );
    await fs.writeFile(path.join(input, 'notes.txt'), 'not an image\n');
  });

  async function lineCount(out: string): Promise<number> {
    let n = 0;
    for (const s of await fs.readdir(path.join(out, 'series')).catch(() => [] as string[]))
      n +=
        (await fs.readFile(path.join(out, 'series', s, 'results.jsonl'), 'utf8').catch(() => '')).split('\n')
          .length - 1;
    return n;
  }

  it('resumes after SIGKILL to the files of an uninterrupted run', async () => {
    const a = path.join(dir, 'bA');
    const r = await cli(...args(a));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/5 file\(s\): 3 CT image file\(s\)|CT image file/);
    expect(r.stdout).toMatch(/not-dicom: .*notes\.txt/);
    expect(r.stdout).toMatch(/skipped: .*cut\.dcm: Pixel Data is truncated/);
    const total = await lineCount(a);

    const b = path.join(dir, 'bB');
    const child = spawn(process.execPath, [bin, ...args(b)], { cwd: root, env, stdio: 'ignore' });
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    let killedAt = -1;
    for (let i = 0; i < 2400; i++) {
      const n = await lineCount(b);
      if (n >= 6) {
        child.kill('SIGKILL');
        killedAt = n;
        break;
      }
      await new Promise((res) => setTimeout(res, 25));
    }
    await exited;
    expect(killedAt, 'the batch finished before it could be killed').toBeGreaterThan(0);
    expect(killedAt).toBeLessThan(total);
    await expect(fs.stat(path.join(b, 'summary.json'))).rejects.toThrow();

    const resumed = await cli(...args(b), '--resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    for (const f of ['summary.json', 'results.jsonl', 'images/index.json'])
      expect(await fs.readFile(path.join(b, f), 'utf8'), f).toBe(await fs.readFile(path.join(a, f), 'utf8'));
    // The overall PDF across series, with the series table in its notes (the worst series flagged).
    const rep = await cli('report', '--from', b);
    expect(rep.code, rep.stderr).toBe(0);
    const pdfText = runTool('pdftotext', [path.join(b, 'report.pdf'), '-'])
      .toString('utf8')
      .replace(/\s+/g, ' ');
    expect(pdfText).toMatch(/Series series-[0-9a-f]{8}/);
    expect(pdfText).toContain('[worst series]');
    for (const s of await fs.readdir(path.join(a, 'series')))
      expect(await fs.readFile(path.join(b, 'series', s, 'results.jsonl'), 'utf8'), s).toBe(
        await fs.readFile(path.join(a, 'series', s, 'results.jsonl'), 'utf8'),
      );
  });
});

describe('ct-audit reproduce ct-robustness', () => {
  it("trains every method for ord's steps, audits all and prints the paired tests and the computed verdict", async () => {
    const out = path.join(dir, 'repro');
    const r = await cli(
      'reproduce',
      'ct-robustness',
      '--steps',
      '2',
      '--max-steps',
      '2',
      '--size',
      '16',
      '--views',
      '8',
      '--attack-steps',
      '2',
      '--samples',
      '8',
      '--phantoms',
      '1',
      '--out',
      out,
      '--quiet',
    );
    expect(r.code, r.stderr).toBe(0);
    for (const m of ['ord', 'l2', 'parseval', 'pgd', 'minmax', 'jacobian', 'smt-adv', 'smt-grad'])
      expect(r.stdout).toMatch(new RegExp(`^  ${m} `, 'm'));
    // minmax: its 25 warm-up steps (one epoch of the quick preset) in front of ord's 2.
    expect(r.stdout).toMatch(/^ {2}minmax +27 +2 +25 +0 /m);
    expect(r.stdout).toMatch(/lower \(papers\/000 Fig\. 4\)/);
    expect(r.stdout).toMatch(/^verdict: (reproduced|differs|inconclusive) \(/m);
    expect(r.stdout).toMatch(/^scope: can show: .* 5 slices/m);
  });
});
