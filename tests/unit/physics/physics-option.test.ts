/**
 * The physics option as every layer names it: geometry (derived measurement shape), the audit spec and the IPC
 * geometry choice (zod, defaults filled), the model card (a model trained for one physics is refused for
 * another, naming both), and a model saved and loaded with its physics.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeGeometry, makeGeometry, physicsOf } from '@shared/geometry';
import { parseAuditSpec, AuditSpecError } from '@shared/audit-spec';
import { GeometryChoiceSchema } from '@shared/ipc-common';
import { InputError, UsageError } from '@shared/errors';
import { initBackend, tf } from '../../../src/main/engine/backend';
import {
  FbpConvNet,
  checkCardGeometry,
  loadModel,
  readCard,
  saveReconstructor,
} from '../../../src/main/engine/models';

let tmp: string;
beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-physics-option-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('geometry with physics', () => {
  it('radon keeps its plain form; denoise and cs derive the measurement shape and ignore views', () => {
    expect(makeGeometry({ size: 16, views: 8 })).toEqual({
      size: 16,
      views: 8,
      detectors: 23,
      detectorSpacing: 1,
    });
    expect(makeGeometry({ size: 16, views: 8, physics: { kind: 'radon' } })).not.toHaveProperty('physics');
    const d = makeGeometry({ size: 32, views: 36, physics: { kind: 'denoise' } });
    expect([d.views, d.detectors]).toEqual([32, 32]);
    const c = makeGeometry({ size: 64, views: 36, physics: { kind: 'cs', block: 16 } });
    // 16 blocks of 16 x 16, round(0.1 * 256) = 26 measurements each.
    expect([c.views, c.detectors]).toEqual([16, 26]);
    expect(physicsOf(c)).toEqual({ kind: 'cs', ratio: 0.1, block: 16, seed: 0, init: 'pinv' });
    expect(describeGeometry(c)).toMatch(
      /^64x64 px, compressed sensing: seeded Gaussian 26 x 256 per 16x16 block/,
    );
    expect(() => makeGeometry({ size: 32, views: 1, physics: { kind: 'cs', ratio: 0 } as never })).toThrow(
      UsageError,
    );
  });

  it('the audit spec and the IPC geometry choice validate physics and fill its defaults', () => {
    const s = parseAuditSpec({
      models: ['fbp'],
      data: { sources: ['fashion-mnist:test'] },
      geometry: { physics: { kind: 'cs' } },
    });
    expect(s.geometry.physics).toEqual({ kind: 'cs', ratio: 0.1, block: 32, seed: 0, init: 'pinv' });
    expect(parseAuditSpec(s)).toEqual(s);
    expect(() =>
      parseAuditSpec({ models: ['fbp'], data: { sources: ['x'] }, geometry: { physics: { kind: 'mri' } } }),
    ).toThrow(AuditSpecError);
    expect(GeometryChoiceSchema.parse({ preset: 'demo', physics: { kind: 'denoise' } }).physics).toEqual({
      kind: 'denoise',
    });
  });

  it('a saved model keeps its physics; loading it for another physics is an InputError naming both', async () => {
    const g = makeGeometry({ size: 32, views: 1, physics: { kind: 'cs', block: 16, seed: 4 } });
    const m = FbpConvNet.create(g, { preset: 'tiny', seed: 1 });
    const dir = path.join(tmp, 'cs-model');
    await saveReconstructor(m, dir);
    m.dispose();
    const card = await readCard(dir);
    expect(card.geometry.physics).toEqual(g.physics);
    const loaded = await loadModel(dir);
    expect(loaded.model.geometry).toEqual(g);
    const x = tf.ones([1, 32, 32, 1]) as tf.Tensor4D;
    const y = (loaded.model as FbpConvNet).op.forward(x);
    expect(y.shape).toEqual([1, 4, 26, 1]);
    tf.dispose([x, y]);
    loaded.model.dispose();
    const other = makeGeometry({ size: 32, views: 1, physics: { kind: 'cs', block: 16, seed: 5 } });
    expect(() => checkCardGeometry(card, other, dir)).toThrow(InputError);
    expect(() => checkCardGeometry(card, other, dir)).toThrow(
      /seed 4\), initial reconstruction A\^\+ y, but compressed sensing: .*seed 5/,
    );
    expect(() => checkCardGeometry(card, makeGeometry({ size: 32, views: 1 }), dir)).toThrow(
      /but parallel-beam CT/,
    );
  });
});
