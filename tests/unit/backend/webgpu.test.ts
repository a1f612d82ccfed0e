/**
 * The webgpu backend in Node (Dawn): `ct-audit info` reports the adapter; automatic selection takes a
 * hardware adapter and never a software one; synchronous reads of every dtype; one training step, one
 * certification and one small audit give the numbers of the CPU backends (float tolerance), without
 * leaking tensors. Runs on a GPU or on SwiftShader (CI); skips with the reason printed where neither exists.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { makeGeometry } from '@shared/geometry';
import { parseAuditSpec } from '@shared/audit-spec';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { probeWebGpu } from '../../../src/main/engine/backend/webgpu';
import { certify } from '../../../src/main/engine/certify';
import { readResults, runAudit, RESULTS_FILE } from '../../../src/main/engine/audit';
import { createMethod } from '../../../src/main/engine/training/methods';
import { tinyMethodSetup } from '../helpers/method-setup';
import { repoRoot } from '../helpers/cli';
import { webgpuUnavailable } from '../helpers/webgpu';
import { norm, relErr } from '../helpers/arrays';
import { tempDir, tinyModel } from '../audit/helpers';

/** The Vulkan driver list before the engine's SwiftShader fallback may have set one (a CI/user choice). */
const givenIcd = process.env.VK_ICD_FILENAMES;
const skipReason = await webgpuUnavailable();
const exec = promisify(execFile);

/**
 * `ct-audit` with the environment of this process minus CT_AUDIT_BACKEND and the probe's cached answer;
 * `driver: 'given'` also drops the VK_ICD_FILENAMES that the engine's SwiftShader fallback set here, so the
 * CLI has to find the adapter by itself, as it would on this machine.
 */
async function ctAudit(
  args: string[],
  driver: 'given' | 'this process' | { icd: string } = 'given',
): Promise<{ stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.CT_AUDIT_BACKEND;
  delete env.CT_AUDIT_WEBGPU_PROBE;
  const icd = driver === 'given' ? givenIcd : driver === 'this process' ? env.VK_ICD_FILENAMES : driver.icd;
  if (icd === undefined) delete env.VK_ICD_FILENAMES;
  else env.VK_ICD_FILENAMES = icd;
  return exec(process.execPath, [path.join(repoRoot, 'bin/ct-audit.mjs'), ...args], { cwd: repoRoot, env });
}

describe.skipIf(skipReason !== undefined)('webgpu backend (Dawn in Node)', () => {
  beforeAll(async () => {
    await initBackend({ backend: 'webgpu' });
  });

  it('ct-audit info --backend webgpu prints the adapter and its limits; --json has them', async () => {
    // Without a Vulkan driver list: a GPU where there is one, else the SwiftShader fallback (this machine).
    const { stdout } = await ctAudit(['info', '--backend', 'webgpu']);
    expect(stdout).toMatch(/^backend: webgpu \(@tensorflow\/tfjs-backend-webgpu\)$/m);
    expect(stdout).toMatch(/^ {2}adapter: \S+/m);
    const probe = await probeWebGpu();
    if (probe.ok && probe.adapter.software) expect(stdout).toMatch(/^ {2}adapter: .*, software$/m);
    expect(stdout).toMatch(/^ {2}limits: maxBufferSize \d+ MiB, maxStorageBufferBindingSize \d+ MiB/m);
    const j = JSON.parse((await ctAudit(['info', '--backend', 'webgpu', '--json'])).stdout);
    expect(j.backend.backend).toBe('webgpu');
    expect(j.backend.webgpu.vendor.length + j.backend.webgpu.architecture.length).toBeGreaterThan(0);
    expect(j.backend.webgpu.limits.maxBufferSize).toBeGreaterThan(0);
    expect(j.backend.versions['tfjs-backend-webgpu']).toMatch(/^4\./);
    expect(j.backend.versions['webgpu (dawn.node)']).toMatch(/^\d+\./);
  });

  it("a driver list of the user's own is respected: no SwiftShader fallback, a one-line error naming it", async () => {
    const icd = path.join(repoRoot, 'no-such-dir', 'icd.json');
    const err = await ctAudit(['info', '--backend', 'webgpu'], { icd }).then(
      () => undefined,
      (e: { code?: number; stderr: string }) => e,
    );
    expect(err?.code).toBe(1);
    const ours = err!.stderr.split('\n').filter((l) => l.startsWith('ct-audit:'));
    expect(ours).toEqual([
      `ct-audit: webgpu: no WebGPU adapter: Dawn accepts none of the Vulkan drivers that VK_ICD_FILENAMES names (${icd})`,
    ]);
  });

  it('automatic selection uses a hardware adapter and passes over a software one, saying why', async () => {
    // With the driver list this process uses (the SwiftShader fallback's, where there is no GPU).
    const probe = await probeWebGpu();
    expect(probe.ok).toBe(true);
    const j = JSON.parse((await ctAudit(['info', '--json'], 'this process')).stdout);
    if (probe.ok && probe.adapter.software) {
      expect(j.backend.backend).not.toBe('webgpu');
      const skip = j.backend.skipped.find((s: { backend: string }) => s.backend === 'webgpu');
      expect(skip.reason).toMatch(/only a software adapter .*slower than wasm.*--backend webgpu/);
    } else {
      expect(j.backend.backend).toBe('webgpu');
    }
  });

  it('reads every dtype back synchronously and asynchronously', async () => {
    const t0 = tf.memory().numTensors;
    const [f, i, b, re, im] = tf.tidy(() => {
      const x = tf.tensor1d([1.5, -2, 3.25]);
      const c = tf.complex(x, tf.neg(x));
      return [
        x.mul(2),
        tf.tensor1d([1, 2, 3], 'int32').add(tf.scalar(5, 'int32')),
        x.greater(0),
        tf.real(c).mul(1),
        tf.imag(c).mul(1),
      ];
    });
    expect(Array.from(f.dataSync())).toEqual([3, -4, 6.5]);
    expect(Array.from(i.dataSync())).toEqual([6, 7, 8]);
    expect(Array.from(b.dataSync())).toEqual([1, 0, 1]);
    expect(Array.from(await re.data())).toEqual([1.5, -2, 3.25]);
    expect(Array.from(await im.data())).toEqual([-1.5, 2, -3.25]);
    const big = tf.tidy(() => tf.range(0, 1 << 20).mul(0.5));
    const v = big.dataSync();
    expect([v[0], v[12345], v[(1 << 20) - 1]]).toEqual([0, 6172.5, ((1 << 20) - 1) / 2]);
    tf.dispose([f, i, b, re, im, big]);
    expect(tf.memory().numTensors).toBe(t0);
  });

  it('ord training steps of the tiny FBPConvNet: same losses and weight updates as on cpu', async () => {
    const g = makeGeometry({ size: 32, views: 16 });
    const run = async (backend: 'cpu' | 'webgpu') => {
      await initBackend({ backend });
      const t0 = tf.memory().numTensors;
      // Plain SGD: the update is the gradient itself (Adam would turn float noise in near-zero gradients
      // into full-size steps), so the comparison is of gradients, through BN, FBP and the U-Net.
      const s = tinyMethodSetup(g, 5, { optimizer: () => tf.train.sgd(0.05) });
      const method = createMethod('ord');
      await method.init(s.ctx);
      const before = s.ctx.model.stateVariables!().map((w) => w.dataSync().slice());
      const losses = [0, 1].map(() => method.step(s.batch, s.ctx).loss);
      const updates = s.ctx.model.stateVariables!().map((w, k) =>
        w.dataSync().map((v, i) => v - before[k][i]),
      );
      method.dispose();
      s.dispose();
      return { losses, updates, leaked: tf.memory().numTensors - t0 };
    };
    const cpu = await run('cpu');
    const gpu = await run('webgpu');
    gpu.losses.forEach((l, k) =>
      expect(Math.abs(l - cpu.losses[k]) / cpu.losses[k], `loss ${k}`).toBeLessThan(1e-4),
    );
    gpu.updates.forEach((u, k) => {
      // Some updates are exactly zero on cpu (the head starts at zero), hence an absolute floor.
      const diff = norm(u.map((v, i) => v - cpu.updates[k][i]));
      expect(diff, `update of weight ${k}`).toBeLessThanOrEqual(1e-3 * norm(cpu.updates[k]) + 1e-6);
    });
    expect([gpu.leaked, cpu.leaked]).toEqual([0, 0]);
  });

  it('a certification of the tiny FBPConvNet: same median and certified discrepancy as on wasm', async () => {
    const g = makeGeometry({ size: 32, views: 16 });
    const run = async (backend: 'wasm' | 'webgpu') => {
      await initBackend({ backend });
      const s = tinyMethodSetup(g, 9, { optimizer: () => tf.train.adam(1e-2) });
      const method = createMethod('ord');
      method.step(s.batch, s.ctx); // a non-trivial network (its head starts at zero)
      const t0 = tf.memory().numTensors;
      const [res] = await certify(s.ctx.model, s.batch.y, {
        reference: s.batch.x,
        sigma: 0.05,
        samples: 30,
        seed: 'webgpu-cert',
        batchSize: 8,
        confidence: 0.9,
        radii: [0.01],
      });
      const leaked = tf.memory().numTensors - t0;
      method.dispose();
      s.dispose();
      return { res, leaked };
    };
    const wasm = await run('wasm');
    const gpu = await run('webgpu');
    expect(gpu.leaked).toBe(0);
    gpu.res.forEach((r, b) => {
      const ref = wasm.res[b];
      expect(r.abstain).toBe(ref.abstain);
      expect(Math.abs(r.median - ref.median) / ref.median, `median, slice ${b}`).toBeLessThan(1e-3);
      expect(Math.abs(r.certified! - ref.certified!) / ref.certified!, `certified, slice ${b}`).toBeLessThan(
        1e-3,
      );
      expect(relErr(r.medianRecon, ref.medianRecon), `median reconstruction, slice ${b}`).toBeLessThan(1e-3);
    });
  });

  describe('the same audit on webgpu and wasm', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await tempDir('webgpu-audit');
    });
    afterAll(async () => {
      await fs.rm(dir, { recursive: true, force: true });
    });

    it('gives the same results within float tolerance', async () => {
      const model = await tinyModel(path.join(dir, 'model'));
      const spec = parseAuditSpec({
        models: [model],
        data: { sources: ['ellipses'], phantoms: 2 },
        geometry: { size: 16, views: 8 },
        attack: { eps: ['1%', '2%'], steps: 4 },
        certification: { sigma: ['eps/0.5'], samples: 16 },
        report: { worstSlices: 1, pdf: false },
        seed: 3,
      });
      const results: Record<string, unknown[]> = {};
      for (const backend of ['wasm', 'webgpu'] as const) {
        await initBackend({ backend });
        const out = path.join(dir, backend);
        await runAudit({ spec, outDir: out });
        results[backend] = (await readResults(path.join(out, RESULTS_FILE))).lines;
        const manifest = JSON.parse(await fs.readFile(path.join(out, 'manifest.json'), 'utf8'));
        expect(manifest.backend.name).toBe(backend);
        if (backend === 'webgpu') expect(manifest.backend.webgpu.limits.maxBufferSize).toBeGreaterThan(0);
      }
      expect(results.webgpu.length).toBe(results.wasm.length);
      results.webgpu.forEach((line, i) => expectClose(line, results.wasm[i], `line ${i}`));
    });
  });
});

/** Same structure; numbers within 1e-3 relative (1e-6 absolute near zero); strings and booleans equal. */
function expectClose(a: unknown, b: unknown, where: string): void {
  if (typeof a === 'number' && typeof b === 'number') {
    expect(Math.abs(a - b), `${where}: ${a} vs ${b}`).toBeLessThanOrEqual(
      1e-3 * Math.max(Math.abs(a), Math.abs(b)) + 1e-6,
    );
  } else if (a && b && typeof a === 'object' && typeof b === 'object') {
    expect(Object.keys(a).sort(), where).toEqual(Object.keys(b).sort());
    for (const k of Object.keys(a)) {
      expectClose((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${where}.${k}`);
    }
  } else {
    expect(a, where).toEqual(b);
  }
}
