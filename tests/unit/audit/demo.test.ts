/**
 * The demo pipeline (engine/audit/demo.ts) at a tiny size: trains ord / minmax / smt-grad, audits them with FBP
 * (pga-y + certification), and a second run into the same folder reuses the models and resumes the audit.
 * The claim table of `reproduce ct-robustness` (engine/audit/ct-robustness.ts) on a hand-made summary.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../../src/main/engine/backend';
import { runDemo, DEMO_SLICES } from '../../../src/main/engine/audit/demo';
import { packageRoot } from '../../../src/main/engine/app-version';
import { claimTable } from '../../../src/main/engine/audit/ct-robustness';
import { summarize } from '../../../src/main/engine/audit';
import { SMALL, tempDir } from './helpers';
import { unit } from './lines';

let dir: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('demo');
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('demo', () => {
  it('bundles its CT slices', async () => {
    for (const f of DEMO_SLICES) await expect(fs.stat(path.join(packageRoot(), f))).resolves.toBeTruthy();
  });

  it('trains ord, minmax and smt-grad, audits them with FBP, and resumes in the same folder', async () => {
    const o = {
      outDir: dir,
      geometry: SMALL,
      steps: 2,
      data: ['ellipses'],
      phantoms: 2,
      audit: {
        attack: { steps: 2 },
        certification: { samples: 16, sigma: ['eps/0.5'] },
        report: { worstSlices: 1, pdf: false },
      },
    };
    const r = await runDemo(o);
    expect(r.models.map((m) => [m.method, m.card.training?.method, m.card.training?.completedSteps])).toEqual(
      [
        ['ord', 'ord', 2],
        ['minmax', 'minmax', 2],
        ['smt-grad', 'smt-grad', 2],
      ],
    );
    expect(r.audit.summary.models.map((m) => m.name)).toEqual(['fbp', 'ord', 'minmax', 'smt-grad']);
    expect(r.audit.summary.rhoHat).toHaveLength(4);
    // One best sigma per model and radius (a certificate at every attacked radius: 4 by default).
    expect(r.audit.summary.certification?.bestSigma).toHaveLength(4 * 4);
    const again = await runDemo(o);
    expect(again.models.every((m) => m.reused)).toBe(true);
    expect(again.audit.units.computed).toBe(0);
    expect(again.audit.summary).toEqual(r.audit.summary);
  });
});

describe('reproduce ct-robustness claim table', () => {
  it('agrees when every claimed method is below ord at every eps > 0, and says which do not', () => {
    const names = ['fbp', 'ord', 'l2', 'minmax', 'smt-grad'];
    const errors: Record<string, number[]> = {
      fbp: [5, 8],
      ord: [3, 6],
      l2: [3.5, 7],
      minmax: [2.5, 5],
      'smt-grad': [2.9, 6.5],
    };
    const lines = names.flatMap((n, m) =>
      unit(0, m, { errors: errors[n] }).map((l) => ({ ...l, model: { ...l.model, name: n } })),
    );
    const t = claimTable(summarize(lines));
    const row = (m: string) => t.rows.find((r) => r.method === m)!;
    expect(row('minmax').agrees).toBe(true);
    expect(row('smt-grad').agrees).toBe(false);
    expect(row('l2').agrees).toBeNull();
    expect(row('ord').agrees).toBeNull();
    expect(row('fbp').agrees).toBeNull();
    expect(row('minmax').rhoHat[1].vsOrd).toBeCloseTo(5 / 6, 12);
    expect(t.agreesOverall).toBe(false);
  });
});
