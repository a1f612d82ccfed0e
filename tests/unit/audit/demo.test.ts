/**
 * The demo pipeline (engine/audit/demo.ts) at a tiny size: trains ord / minmax / smt-grad, audits them with FBP
 * (pga-y + certification), and a second run into the same folder reuses the models and resumes the audit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { initBackend } from '../../../src/main/engine/backend';
import { runDemo, DEMO_SLICES } from '../../../src/main/engine/audit/demo';
import { packageRoot } from '../../../src/main/engine/app-version';
import { SMALL, tempDir } from './helpers';

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
