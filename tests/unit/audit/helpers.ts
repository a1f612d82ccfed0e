/** Shared set-up of the audit tests: a tiny trained model at a small geometry, temp folders, file walks. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeGeometry, type Geometry } from '../../../src/shared/geometry';
import { initBackend } from '../../../src/main/engine/backend';
import { train } from '../../../src/main/engine/training';

export const SMALL: Geometry = makeGeometry({ size: 16, views: 8 });

export async function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(os.tmpdir(), `ct-audit-${prefix}-`));
}

/** A tiny FBPConvNet trained for a few steps on phantoms (so it differs from FBP), saved in `dir`. */
export async function tinyModel(dir: string, method = 'ord', geometry = SMALL, steps = 3): Promise<string> {
  await initBackend({ backend: 'wasm' });
  const r = await train({
    data: 'ellipses',
    geometry,
    method,
    preset: 'tiny',
    steps,
    batchSize: 2,
    stepsPerEpoch: steps,
    validationSlices: 2,
    seed: 1,
    outDir: dir,
  });
  r.model.dispose();
  return dir;
}

/** Every file under `dir`, relative paths, sorted. */
export async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (d: string) => {
    for (const e of await fs.readdir(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await visit(p);
      else out.push(path.relative(dir, p));
    }
  };
  await visit(dir);
  return out.sort();
}
