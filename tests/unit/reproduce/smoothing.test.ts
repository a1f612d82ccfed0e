/**
 * `reproduce smoothing` (papers/002 Tables 1-2): the unit reading computed from the paper's own numbers, the
 * grey-level -> radius conversion against eps.ts, Table 1's cells and verdict rows from synthetic lines (the
 * verdict must follow the data), and tiny end-to-end runs of both tasks on generated IDX images (no dataset
 * package needed) checking the step accounting, the table shapes, Table 2's re-certification and tensor hygiene.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { parseEps, resolveEps } from '../../../src/shared/eps';
import { overallVerdict } from '../../../src/shared/reproduce-verdict';
import type { ResultLine } from '../../../src/shared/audit-results';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  greyToHu,
  PAPER_TABLE_1A,
  psnrOfError,
  runSmoothing,
  smoothingPlans,
  SMOOTHING_PRESETS,
  table1,
  table1Rows,
  trueRatio,
  unitReading,
} from '../../../src/main/engine/reproduce';
import { tempDir } from '../audit/helpers';
import { line } from '../audit/lines';

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('reproduce-smoothing');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe("the paper's units", () => {
  it('Table 1(a) implies a gain of ~1 under the per-pixel reading and ~250 under the l2-on-0..255 one', () => {
    const r = unitReading();
    // Ord: clean 32.71 dB, perturbed 27.48 dB at eps 5 -> RMS errors sqrt(10^(-PSNR/10)).
    const c = Math.sqrt(10 ** -3.271);
    const p = Math.sqrt(10 ** -2.748);
    expect(r[0].cleanRms).toBeCloseTo(c, 12);
    expect(r[0].gainPerPixel).toBeCloseTo((p - c) / (5 / 255), 9);
    expect(r[0].gainL2On255).toBeCloseTo((p - c) / (5 / 256 / 255), 6);
    expect(r[0].gainPerPixel).toBeGreaterThan(0.9);
    expect(r[0].gainL2On255).toBeGreaterThan(200);
    expect(trueRatio(10, 13)).toBeCloseTo((256 * 10) / 13, 12);
  });

  it('turns grey levels into radii and noise levels of eps.ts (per-pixel g / 255 on [0, 1] images)', () => {
    const N = 32;
    const scale = { norm: 5, perHu: Math.sqrt(N * N) / 1000, elements: N * N };
    expect(resolveEps(parseEps(greyToHu(10)), scale).eps).toBeCloseTo((10 / 255) * N, 4);
    expect(greyToHu(15)).toBe('58.8235HU');
    // Training hypers in absolute units: eps_tr 5 (denoising) and 1 (CS, used for CT), sigma_tr / 255.
    const plans = smoothingPlans(SMOOTHING_PRESETS.quick, N, 'denoise');
    expect(plans.find((p) => p.name === 'smt-adv-s10')!.hyper).toMatchObject({
      epsAbsolute: (5 / 255) * N,
      sigmaAbsolute: 10 / 255,
    });
    expect(plans.find((p) => p.name === 'smt-grad-s1')!.hyper.sigmaMaxAbsolute).toBeCloseTo(1 / 255, 15);
    expect(
      smoothingPlans(SMOOTHING_PRESETS.quick, N, 'ct').find((p) => p.name === 'pgd')!.hyper.epsAbsolute,
    ).toBe((1 / 255) * N);
  });
});

/** Lines of 3 radii x 2 sigmas: per slice, errors (l2, n = 100 pixels) clean, perturbed[k], smoothed[k][j]. */
function synth(
  models: Record<string, { clean: number; perturbed: number[]; smoothed: number[][] }[]>,
): ResultLine[] {
  return Object.entries(models).flatMap(([name, slices], m) =>
    slices.flatMap((s, si) =>
      s.perturbed.map((pe, k) => {
        const l = line({
          slice: si,
          model: m,
          epsIndex: k,
          unitLines: 3,
          error: pe,
          cleanError: s.clean,
          cert: [
            [1e-3, 2e-3],
            [1e-3, null],
          ],
        });
        const perSigma = l.certification!.perSigma.map((c, j) => ({
          ...c,
          smoothed: { ...c.smoothed, error: s.smoothed[k][j] },
        }));
        return { ...l, model: { ...l.model, name }, certification: { ...l.certification!, perSigma } };
      }),
    ),
  );
}

describe('Table 1 from lines', () => {
  const slices = (f: (s: number) => { clean: number; perturbed: number[]; smoothed: number[][] }) =>
    Array.from({ length: 8 }, (_, s) => f(s));
  const ordSlice = (s: number) => ({
    clean: 0.2 + 0.01 * s,
    perturbed: [0.5, 0.7, 0.9].map((v) => v + 0.01 * s),
    smoothed: [0.45, 0.66, 0.86].map((v) => [v + 0.01 * s, v + 0.05 + 0.01 * s]),
  });

  it('computes PSNR (range 1) from l2 errors, the best sigma and the certified PSNR at it', () => {
    const { rows } = table1({
      lines: synth({ ord: slices(ordSlice) }),
      pixels: 100,
      radii: [5, 10, 15],
      sigmas: [10, 14],
    });
    const mean = (f: (s: number) => number) =>
      Array.from({ length: 8 }, (_, s) => f(s)).reduce((a, b) => a + b) / 8;
    expect(rows[0].clean).toBeCloseTo(
      mean((s) => 10 * Math.log10(100 / (0.2 + 0.01 * s) ** 2)),
      9,
    );
    expect(rows[0].cells[1].perturbed).toBeCloseTo(
      mean((s) => psnrOfError(0.7 + 0.01 * s, 100)),
      9,
    );
    // Sigma 10 has the smaller smoothed errors, hence the higher PSNR: the best sigma.
    expect(rows[0].cells[1].bestSigma).toBe(10);
    expect(rows[0].cells[1].certified).toBeCloseTo(10 * Math.log10(1 / 2e-3), 9);
    // Sigma 14 abstains (null certificate in every line), but it is not the best one here.
    expect(rows[0].cells[1].abstentions).toBe(0);
  });

  it('computes the verdict rows from paired tests: reproduced, differs or inconclusive with the data', () => {
    const helps = table1({
      lines: synth({ ord: slices(ordSlice) }),
      pixels: 100,
      radii: [5, 10, 15],
      sigmas: [10, 14],
    });
    const r1 = table1Rows(PAPER_TABLE_1A, helps.perSlice, 0.05);
    expect(r1).toHaveLength(3);
    expect(r1.every((r) => r.verdict === 'reproduced')).toBe(true);
    expect(r1[0].paper).toBeCloseTo(28.15 - 27.48, 12);
    // Smoothing that hurts on every slice: significant with the opposite sign.
    const hurts = slices((s) => ({
      ...ordSlice(s),
      smoothed: ordSlice(s).smoothed.map((v) => v.map((x) => x + 0.2)),
    }));
    const r2 = table1Rows(
      PAPER_TABLE_1A,
      table1({ lines: synth({ ord: hurts }), pixels: 100, radii: [5, 10, 15], sigmas: [10, 14] }).perSlice,
      0.05,
    );
    expect(r2.every((r) => r.verdict === 'differs')).toBe(true);
    expect(overallVerdict(r2)).toBe('differs');
    // Mixed signs over the slices: no supported ordering.
    const mixed = slices((s) => ({
      ...ordSlice(s),
      smoothed: ordSlice(s).smoothed.map((v, k) => v.map((x) => x + (s % 2 ? 0.2 : -0.21) + 0 * k)),
    }));
    const r3 = table1Rows(
      PAPER_TABLE_1A,
      table1({ lines: synth({ ord: mixed }), pixels: 100, radii: [5, 10, 15], sigmas: [10, 14] }).perSlice,
      0.05,
    );
    expect(r3.every((r) => r.verdict === 'inconclusive')).toBe(true);
    // A robust model better under attack and worse when clean, as the paper: its rows reproduce.
    const smt = slices((s) => ({
      ...ordSlice(s),
      clean: 0.25 + 0.01 * s,
      perturbed: ordSlice(s).perturbed.map((v) => v - 0.05),
    }));
    const r4 = table1Rows(
      PAPER_TABLE_1A,
      table1({
        lines: synth({ ord: slices(ordSlice), 'smt-grad-s10': smt }),
        pixels: 100,
        radii: [5, 10, 15],
        sigmas: [10, 14],
      }).perSlice,
      0.05,
    );
    expect(r4.map((r) => r.quantity)).toContain('Smt-Grad, sigma_tr = 10 - Ord perturbed PSNR, eps 10');
    expect(r4.filter((r) => /Smt-Grad/.test(r.quantity)).every((r) => r.verdict === 'reproduced')).toBe(true);
  });
});

/** An IDX image file of `count` 28 x 28 images (blobs of random brightness on a black background). */
async function writeIdx(file: string, count: number, seed: number): Promise<void> {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(0x803, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(28, 8);
  header.writeUInt32BE(28, 12);
  const px = Buffer.alloc(count * 784);
  let r = seed;
  const rand = () => (r = (r * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let n = 0; n < count; n++) {
    const cx = 8 + 12 * rand();
    const cy = 8 + 12 * rand();
    const rad = 4 + 6 * rand();
    const v = 80 + 175 * rand();
    for (let i = 0; i < 28; i++)
      for (let j = 0; j < 28; j++)
        if ((i - cy) ** 2 + (j - cx) ** 2 < rad * rad) px[n * 784 + i * 28 + j] = v;
  }
  await fs.writeFile(file, Buffer.concat([header, px]));
}

describe('runSmoothing (tiny)', () => {
  it("trains every model for ord's steps, fills both tables per task with computed verdicts, leaks nothing", async () => {
    const trainDir = path.join(dir, 'train');
    const testDir = path.join(dir, 'test');
    await fs.mkdir(trainDir, { recursive: true });
    await fs.mkdir(testDir, { recursive: true });
    await writeIdx(path.join(trainDir, 'train-images-idx3-ubyte'), 24, 1);
    await writeIdx(path.join(testDir, 't10k-images-idx3-ubyte'), 4, 2);
    const before = tf.memory().numTensors;
    const r = await runSmoothing({
      outDir: path.join(dir, 'out'),
      data: { denoiseTrain: trainDir, denoiseTest: testDir },
      overrides: {
        size: 16,
        views: 4,
        batchSize: 2,
        initialSteps: 2,
        maxSteps: 2,
        trainImages: 20,
        stepsPerEpoch: 2,
        smtAdvSigmas: [10],
        smtGradSigmas: [10, 5],
        smtAdv: { steps: 1, samples: 2 },
        smtGradSamples: 2,
        pgdSteps: 1,
        testImages: 2,
        ctPhantoms: 1,
        attackSteps: 1,
        samples: 12,
        testSigmas: { denoise: [10, 14], ct: [21, 35] },
      },
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.tasks.map((t) => t.task)).toEqual(['denoise', 'ct']);
    for (const t of r.tasks) {
      const names = ['ord', 'smt-adv-s10', 'smt-grad-s10', 'smt-grad-s5', 'pgd', 'jacobian'];
      expect(t.models.map((m) => m.name)).toEqual(names);
      expect(t.ordSteps).toBe(2);
      for (const m of t.models.slice(1)) expect(m.account.robustSteps, `${t.task} ${m.name}`).toBe(2);
      expect(t.table1.map((x) => x.name)).toEqual(names);
      expect(t.table1[0].cells).toHaveLength(3);
      expect(t.slices).toBe(t.task === 'denoise' ? 2 : 5);
      // Table 2 at the middle radius for Ord, Jcb, Adv, Smt-Adv 10, Smt-Grad 10; the re-certified median is the
      // unit's own (the run checks it), so the median PSNR equals the smoothed PSNR of Table 1's best sigma.
      expect(t.table2.map((x) => x.name)).toEqual(['ord', 'jacobian', 'pgd', 'smt-adv-s10', 'smt-grad-s10']);
      const ord1 = t.table1[0].cells[1];
      expect(t.table2[0].sigma).toBe(ord1.bestSigma);
      expect(t.table2[0].median.psnr).toBeCloseTo(ord1.smoothed, 4);
      for (const rep of [t.reports.table1, t.reports.table2]) {
        expect(rep.verdict).toBe(overallVerdict(rep.rows));
        expect(rep.verdictLine).toMatch(new RegExp(`^verdict: ${rep.verdict} `));
      }
      expect(t.reports.table1.rows.length).toBeGreaterThan(0);
    }
    const saved = JSON.parse(await fs.readFile(path.join(dir, 'out', 'smoothing.json'), 'utf8'));
    expect(saved.tasks[0].reports.table1.verdictLine).toBe(r.tasks[0].reports.table1.verdictLine);
  });
});
