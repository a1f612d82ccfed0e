/**
 * `reproduce ct-robustness` at tiny sizes: the step accounting measured from real training steps (minmax's
 * warm-up steps are not counted as robust, every robust method takes >= ord's steps), ord's rounds until it
 * has left FBP, the claim verdict computed from paired tests (synthetic lines whose verdict must flip with the
 * data), and one end-to-end run that is reused by a second run and leaks no tensors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { makeGeometry } from '../../../src/shared/geometry';
import { overallVerdict } from '../../../src/shared/reproduce-verdict';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  checkAccounting,
  claimTable,
  plannedSteps,
  runCtRobustness,
  stepKind,
  trainAccounted,
  trainUntilClear,
  type StepAccount,
} from '../../../src/main/engine/reproduce';
import { emptyAccount } from '../../../src/main/engine/reproduce/step-accounting';
import { tempDir } from '../audit/helpers';
import { line } from '../audit/lines';
import type { ResultLine } from '../../../src/shared/audit-results';

const G = makeGeometry({ size: 16, views: 4 });
let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('reproduce-ct');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const base = {
  data: 'ellipses',
  geometry: G,
  preset: 'tiny' as const,
  batchSize: 2,
  stepsPerEpoch: 2,
  validationSlices: 2,
  lrSchedule: 'constant' as const,
  seed: 0,
};

describe('step accounting', () => {
  it('counts minmax warm-up steps apart from its adversarial steps, from the terms each step reports', async () => {
    const acc = emptyAccount('minmax');
    const before = tf.memory().numTensors;
    const r = await trainAccounted({ ...base, method: 'minmax', steps: 5, hyper: { warmupEpochs: 1 } }, acc);
    r.model.dispose();
    // minmax's step counter variable used to leave its initial scalar behind.
    expect(tf.memory().numTensors).toBe(before);
    // One warm-up epoch of 2 steps, then 3 adversarial steps.
    expect(acc).toEqual({ method: 'minmax', steps: 5, robustSteps: 3, warmupSteps: 2, plainSteps: 0 });
    expect(plannedSteps('minmax', 3, { warmupEpochs: 1 }, 2)).toBe(5);
    expect(plannedSteps('minmax', 3, { warmupEpochs: 2 }, 7)).toBe(17);
    expect(plannedSteps('pgd', 3, {}, 2)).toBe(3);
  });

  it('counts every step of each robust method as robust, from the terms real training steps report', async () => {
    // The term names step-accounting.ts looks for must be the ones the methods report: a renamed term
    // would turn every robust step into a plain one (and checkAccounting would stop every run).
    const robust = ['pgd', 'jacobian', 'smt-adv', 'smt-grad'] as const;
    const hyper = {
      pgd: { steps: 1 },
      jacobian: {},
      'smt-adv': { steps: 1, samples: 1 },
      'smt-grad': { samples: 1 },
    };
    for (const method of robust) {
      const acc = emptyAccount(method);
      const r = await trainAccounted({ ...base, method, steps: 3, hyper: hyper[method] }, acc);
      r.model.dispose();
      expect(acc, method).toEqual({ method, steps: 3, robustSteps: 3, warmupSteps: 0, plainSteps: 0 });
    }
    const plain = emptyAccount('ord');
    (await trainAccounted({ ...base, method: 'ord', steps: 2 }, plain)).model.dispose();
    expect(plain).toEqual({ method: 'ord', steps: 2, robustSteps: 0, warmupSteps: 0, plainSteps: 2 });
  });

  it('classifies every method by its reported terms', () => {
    expect(stepKind('ord', { mse: 1 })).toBe('plain');
    expect(stepKind('l2', { mse: 1, weightDecay: 0 })).toBe('plain');
    expect(stepKind('pgd', { mseAdversarial: 1, deltaRelative: 0.01 })).toBe('robust');
    expect(stepKind('smt-adv', { mseAdversarial: 1 })).toBe('robust');
    expect(stepKind('smt-grad', { mseNoisy: 1, sigmaFraction: 0.5 })).toBe('robust');
    expect(stepKind('jacobian', { mse: 1, spectralNorm: 2, penalty: 0.1 })).toBe('robust');
    expect(stepKind('minmax', { mseClean: 1, warmup: 1 })).toBe('warmup');
    expect(stepKind('minmax', { mseClean: 1, mseAdversarial: 2, warmup: 0 })).toBe('robust');
  });

  it('rejects a robust method with fewer robust steps than ord took', () => {
    const a = (method: string, robust: number, warmup = 0): StepAccount => ({
      method,
      steps: robust + warmup,
      robustSteps: robust,
      warmupSteps: warmup,
      plainSteps: 0,
    });
    expect(() => checkAccounting([a('pgd', 10), a('minmax', 10, 5)], 10)).not.toThrow();
    expect(() => checkAccounting([a('pgd', 10), a('minmax', 5, 5)], 10)).toThrow(
      /minmax took 5 robust steps/,
    );
    expect(() => checkAccounting([a('l2', 0)], 10)).not.toThrow();
  });

  it('trains ord in doubling rounds until it has left FBP, or up to the cap', async () => {
    const never = await trainUntilClear(
      { ...base, method: 'ord', outDir: path.join(dir, 'never') },
      { initialSteps: 2, maxSteps: 8, minGainDb: 100 },
    );
    never.result.model.dispose();
    expect(never.rounds.map((r) => r.steps)).toEqual([2, 4, 8]);
    expect(never.cleared).toBe(false);
    // The rounds resume one run: 8 steps in all, not 2 + 4 + 8.
    expect(never.account.steps).toBe(8);
    expect(never.result.training.completedSteps).toBe(8);
    const at = await trainUntilClear(
      { ...base, method: 'ord', outDir: path.join(dir, 'at-once') },
      { initialSteps: 2, maxSteps: 8, minGainDb: -100 },
    );
    at.result.model.dispose();
    expect(at.rounds).toHaveLength(1);
    expect(at.cleared).toBe(true);
    const v = at.result.validation[at.result.validation.length - 1];
    expect(at.rounds[0]).toEqual({ steps: 2, psnr: v.psnr, fbpPsnr: v.fbpPsnr });
  });
});

/** Lines of a 2-radius audit: per model, per slice, the Delta_max at each radius. */
function lines(errors: Record<string, number[][]>): ResultLine[] {
  return Object.entries(errors).flatMap(([name, perSlice], m) =>
    perSlice.flatMap((e, s) =>
      e.map((error, k) => {
        const l = line({ slice: s, model: m, epsIndex: k, unitLines: e.length, error });
        return { ...l, model: { ...l.model, name } };
      }),
    ),
  );
}

describe('claim verdicts from paired tests', () => {
  const ord = Array.from({ length: 8 }, (_, s) => [3 + 0.1 * s, 4 + 0.2 * s]);
  it('reproduced only when every radius is significantly lower, differs when one is significantly higher', () => {
    const lower = ord.map(([a, b], s) => [a - 0.2 - 0.01 * s, b - 0.3]);
    const higher = ord.map(([a, b]) => [a - 0.2, b + 0.3]);
    const mixed = ord.map(([a, b], s) => [a - 0.2, b + (s % 2 ? 0.3 : -0.31)]);
    const t = claimTable(lines({ fbp: ord, ord, minmax: lower, pgd: higher, 'smt-grad': mixed, l2: lower }), {
      alpha: 0.05,
    });
    const row = (m: string) => t.find((r) => r.method === m)!;
    expect(row('minmax').verdict).toBe('reproduced');
    expect(row('minmax').comparisons[0].signFlip.p).toBeCloseTo(2 / 256, 12);
    expect(row('minmax').comparisons[1].ratio).toBeCloseTo(
      lower.reduce((s, e) => s + e[1], 0) / ord.reduce((s, e) => s + e[1], 0),
      12,
    );
    expect(row('pgd').verdict).toBe('differs');
    expect(row('smt-grad').verdict).toBe('inconclusive');
    // No claim for l2 and the baselines, whatever the numbers.
    expect(row('l2').verdict).toBeNull();
    expect(row('fbp').verdict).toBeNull();
    expect(row('ord').comparisons).toHaveLength(0);
  });

  it('is inconclusive with too few slices, however consistent the ordering', () => {
    const three = ord.slice(0, 3);
    const t = claimTable(lines({ ord: three, minmax: three.map(([a, b]) => [a - 1, b - 1]) }), {
      alpha: 0.05,
    });
    const m = t.find((r) => r.method === 'minmax')!;
    expect(m.comparisons[0].signFlip.p).toBeCloseTo(0.25, 12);
    expect(m.verdict).toBe('inconclusive');
  });
});

describe('runCtRobustness (tiny)', () => {
  it("gives every robust method ord's steps past any warm-up, audits with certification, and reuses", async () => {
    const out = path.join(dir, 'run');
    const o = {
      outDir: out,
      overrides: {
        size: 16,
        views: 4,
        model: 'tiny' as const,
        batchSize: 2,
        stepsPerEpoch: 2,
        initialSteps: 2,
        maxSteps: 4,
        methods: ['ord', 'minmax', 'pgd', 'l2'] as const,
        hyper: { pgd: { steps: 1 } },
        phantoms: 2,
        attackSteps: 1,
        samples: 8,
        sigma: ['eps/0.5'],
        pdf: false,
      },
    };
    const before = tf.memory().numTensors;
    const r = await runCtRobustness({
      ...o,
      overrides: { ...o.overrides, methods: [...o.overrides.methods] },
    });
    expect(tf.memory().numTensors).toBe(before);
    const m = (n: string) => r.models.find((x) => x.name === n)!;
    const N = r.ordSteps;
    expect(N).toBe(m('ord').account.steps);
    expect([2, 4]).toContain(N);
    expect(m('minmax').account.warmupSteps).toBe(2);
    expect(m('minmax').account.robustSteps).toBe(N);
    expect(m('pgd').account.robustSteps).toBe(N);
    expect(m('l2').account.plainSteps).toBe(N);
    // 4 CT slices + 2 phantoms, FBP baseline + 4 models, certification at every radius.
    expect(r.audit.summary.slices.count).toBe(6);
    expect(r.audit.summary.certification).not.toBeNull();
    // The report's verdict is the combination of the per-method verdicts of the paired tests.
    const claimed = r.claims.filter((c) => c.claim === 'lower');
    expect(claimed.map((c) => c.method).sort()).toEqual(['minmax', 'pgd']);
    expect(r.report.rows.map((x) => x.verdict)).toEqual(
      claimed.map((c) => (r.ordCleared ? c.verdict : 'inconclusive')),
    );
    expect(r.report.verdict).toBe(overallVerdict(r.report.rows));
    expect(r.scope[0]).toMatch(/smallest two-sided p with 6 slices is 0.031/);
    const again = await runCtRobustness({
      ...o,
      overrides: { ...o.overrides, methods: [...o.overrides.methods] },
    });
    expect(again.models.every((x) => x.reused)).toBe(true);
    expect(again.audit.units.computed).toBe(0);
    expect(again.claims).toEqual(r.claims);
    expect(JSON.parse(await fs.readFile(path.join(out, 'reproduce.json'), 'utf8')).ordSteps).toBe(N);
  });
});
