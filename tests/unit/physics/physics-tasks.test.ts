/**
 * papers/002's tasks through the same training methods, attacks and certification as CT: for each physics
 * (denoise, cs, radon) a tiny FBPConvNet trains a few steps with ord, pgd and smt-grad (finite losses that
 * go down on a fixed batch, deterministic), pga-y attacks it inside its budget, and randomized smoothing
 * certifies it. The baseline (the operator's initial reconstruction, a linear map F) is certified against an
 * independent computation: each discrepancy is (1/n) ||F A delta_k||^2 with delta_k regenerated from the
 * documented seeding contract (stream `${seed}/slice-${b}/sample-${k}`), F A = I for denoising and the
 * projector A^+ A for compressed sensing. No tensor leaks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makeGeometry, type Geometry } from '@shared/geometry';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { writeNpy } from '../../../src/main/engine/io/npy';
import { FbpReconstructor, type FbpConvNet } from '../../../src/main/engine/models';
import { csMatrices, makeOperator, makePhantom } from '../../../src/main/engine/physics';
import { createRng } from '../../../src/main/engine/random';
import { train } from '../../../src/main/engine/training';
import { disposeAttackResult, pgaY } from '../../../src/main/engine/attacks';
import { certify } from '../../../src/main/engine/certify';
import { norm } from '../helpers/arrays';

const N = 16;
const GEOMETRIES: { label: string; g: Geometry }[] = [
  { label: 'denoise', g: makeGeometry({ size: N, views: 1, physics: { kind: 'denoise' } }) },
  {
    label: 'cs (8-blocks, ratio 0.25)',
    g: makeGeometry({ size: N, views: 1, physics: { kind: 'cs', block: 8, ratio: 0.25, seed: 2 } }),
  },
  { label: 'radon (8 views)', g: makeGeometry({ size: N, views: 8 }) },
];

let tmp: string;
let stack: string;
const xv = new Float32Array(4 * N * N);

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-physics-'));
  stack = path.join(tmp, 'four.npy');
  for (let k = 0; k < 4; k++) xv.set(makePhantom('ellipses', N, { seed: 70 + k }).image, k * N * N);
  await writeNpy(stack, xv, [4, N, N]);
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function trainTiny(g: Geometry, method: string, hyper: Record<string, unknown>) {
  const losses: number[] = [];
  const r = await train({
    data: stack,
    geometry: g,
    method,
    hyper,
    preset: 'tiny',
    steps: 6,
    batchSize: 4,
    seed: 3,
    augment: false,
    validationFraction: 0,
    learningRate: 3e-3,
    lrSchedule: 'constant',
    // Denoising needs noise (the untrained model is the identity, exact on clean data). Each step draws fresh
    // noise, so at sigma 0.05 six steps' progress is lost in the draw-to-draw spread of the loss; at 0.3 the
    // identity's loss (sigma^2 per pixel) is far above what a little smoothing reaches, and the loss falls.
    noise: g.physics?.kind === 'denoise' ? { kind: 'gaussian', sigma: 0.3 } : undefined,
    onStep: (s) => losses.push(s.loss),
  });
  return { model: r.model as FbpConvNet, losses };
}

describe.each(GEOMETRIES)('physics $label', ({ label, g }) => {
  it.each([
    ['ord', {}],
    ['pgd', { steps: 2 }],
    ['smt-grad', { samples: 2 }],
  ] as [string, Record<string, unknown>][])(
    '%s trains: finite losses that go down, deterministic',
    async (m, hp) => {
      const a = await trainTiny(g, m, hp);
      const before = tf.memory().numTensors;
      const b = await trainTiny(g, m, hp);
      b.model.dispose();
      expect(tf.memory().numTensors, `${label} ${m}: tensors leaked by a training run`).toBe(before);
      const msg = `${label} ${m}: ${a.losses.map((l) => l.toExponential(3)).join(' ')}`;
      expect(a.losses.every(Number.isFinite), msg).toBe(true);
      expect((a.losses[4] + a.losses[5]) / 2, msg).toBeLessThan(a.losses[0]);
      expect(b.losses, `${label} ${m}: second run`).toEqual(a.losses);
      expect(a.model.op.physics).toEqual(g.physics ?? { kind: 'radon' });
      a.model.dispose();
    },
  );

  it('pga-y attacks a trained model within its budget, and smoothing certifies it', async () => {
    const { model } = await trainTiny(g, 'ord', {});
    const op = makeOperator(g);
    const x = tf.tensor4d(xv.subarray(0, 2 * N * N), [2, N, N, 1]);
    const y = op.forward(x);
    const before = tf.memory().numTensors;
    const yNorm = [0, 1].map((b) => norm(y.dataSync().subarray((b * y.size) / 2, ((b + 1) * y.size) / 2)));
    const eps = yNorm.map((v) => 0.02 * v);
    const r = await pgaY.attack(model, x, y, { eps, steps: 10, seed: 4 });
    for (let b = 0; b < 2; b++) {
      expect(r.deltaNorm[b], `${label}: ||delta|| <= eps`).toBeLessThanOrEqual(eps[b] * (1 + 1e-5));
      expect(r.error[b], `${label}: the attack does not lower the error`).toBeGreaterThanOrEqual(
        r.cleanError[b] * (1 - 1e-4),
      );
    }
    disposeAttackResult(r);
    const [res] = await certify(model, y, {
      sigma: 0.05,
      samples: 20,
      space: 'x',
      seed: 'c',
      confidence: 0.9,
      radii: [0.005],
      reference: x,
    });
    for (const s of res) {
      expect(s.abstain, `${label}: ${s.reason}`).toBe(false);
      expect(Number.isFinite(s.median) && s.median > 0).toBe(true);
      expect(s.certified as number).toBeGreaterThanOrEqual(s.median);
    }
    expect(tf.memory().numTensors, `${label}: tensors leaked by attack + certify`).toBe(before);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('the baseline of each physics certified against an independent computation', () => {
  const cases = GEOMETRIES.slice(0, 2);
  it.each(cases)('$label: error_k against f(y) = (1/n) ||F A delta_k||^2', async ({ label, g }) => {
    const f = new FbpReconstructor(g);
    const op = makeOperator(g);
    const x = tf.tensor4d(xv.subarray(0, N * N), [1, N, N, 1]);
    const y = op.forward(x);
    // With the clean reconstruction as the fixed reference, the error of a linear f is (1/n) ||F A delta||^2.
    const clean = f.reconstruct(y);
    const sigma = 0.1;
    const S = 15;
    const seed = `base-${label}`;
    const [[res]] = await certify(f, y, {
      reference: clean,
      sigma,
      samples: S,
      space: 'x',
      seed,
      confidence: 0.9,
      radii: [0.01],
      keepSamples: true,
    });
    const n = N * N;
    const FA = (d: Float64Array): Float64Array => {
      if (g.physics?.kind !== 'cs') return d;
      // A^+ A d block by block, in Float64 from the same matrices (rows of Phi and of (A^+)^T).
      const { phi, pinvT, m, n: nb } = csMatrices(g.physics);
      const b = g.physics.block;
      const out = new Float64Array(n);
      for (let br = 0; br < N / b; br++)
        for (let bc = 0; bc < N / b; bc++) {
          const idx = (q: number) => (br * b + Math.floor(q / b)) * N + bc * b + (q % b);
          const yk = new Float64Array(m);
          for (let i = 0; i < m; i++) for (let q = 0; q < nb; q++) yk[i] += phi[i * nb + q] * d[idx(q)];
          for (let q = 0; q < nb; q++) for (let i = 0; i < m; i++) out[idx(q)] += pinvT[i * nb + q] * yk[i];
        }
      return out;
    };
    const ref = Array.from({ length: S }, (_, k) => {
      const d = Float64Array.from(
        createRng(seed).fork(`slice-0/sample-${k}`).fillNormal(new Float32Array(n), 0, sigma),
      );
      const v = FA(d);
      return v.reduce((a, t) => a + t * t, 0) / n;
    }).sort((a, b) => a - b);
    const ours = Array.from(res.sorted as Float64Array);
    ours.forEach((v, k) =>
      expect(Math.abs(v - ref[k]) / ref[k], `${label}: sample rank ${k + 1}`).toBeLessThan(1e-4),
    );
    expect(res.median).toBe(ours[7]); // rank ceil(15 / 2) = 8
    tf.dispose([x, y, clean]);
  });
});
