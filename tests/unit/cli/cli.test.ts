/**
 * The `ct-audit` CLI run as a user runs it (a child process through bin/ct-audit.mjs): outputs, --json,
 * exit codes and one-line errors. The numbers are checked against independent computations here
 * (brute-force PSNR, expected.json from pydicom), not against the engine's own helpers.
 */
import { describe, expect, it, beforeAll } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { decodeNpy, encodeNpy } from '../../../src/main/engine/io/npy';
import { cli, expectOneLineError } from '../helpers/cli';
import { DICOM_DIR } from '../../helpers/dicom-data';

const dicomDir = DICOM_DIR;

async function readNpyFile(p: string) {
  return decodeNpy(await fs.readFile(p), p);
}

let tmp: string;
beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-cli-'));
});

describe('ct-audit CLI', () => {
  it('info --json reports the backend and its versions', async () => {
    const r = await cli('info', '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.backend.backend).toBe('wasm');
    expect(j.backend.versions['tfjs-core']).toMatch(/^4\./);
    expect(j.backend.registeredKernels).toContain('Conv2DBackpropFilter');
  });

  it('phantom -> radon forward -> fbp round-trips a batch and keeps shapes', async () => {
    const x = path.join(tmp, 'x.npy');
    let r = await cli('phantom', '--kind', 'blobs', '--size', '48', '--seed', '3', '--out', x);
    expect(r.code, r.stderr).toBe(0);
    const img = await readNpyFile(x);
    expect(img.shape).toEqual([48, 48]);
    // Stack two copies (the second scaled by 2) into [2,48,48] to exercise batching.
    const stack = new Float32Array(2 * 48 * 48);
    stack.set(img.data);
    img.data.forEach((v, i) => (stack[48 * 48 + i] = 2 * v));
    const xb = path.join(tmp, 'xb.npy');
    await fs.writeFile(xb, encodeNpy(stack, [2, 48, 48]));
    const y = path.join(tmp, 'y.npy');
    r = await cli('radon', 'forward', '--in', xb, '--views', '90', '--out', y, '--json');
    expect(r.code, r.stderr).toBe(0);
    const sino = await readNpyFile(y);
    expect(sino.shape).toEqual([2, 90, Math.ceil(48 * Math.SQRT2)]);
    // Linearity across the batch: second sinogram is twice the first.
    const n = sino.data.length / 2;
    for (let k = 0; k < n; k += 97) expect(sino.data[n + k]).toBeCloseTo(2 * sino.data[k], 4);
    // Mass conservation: every view integrates the whole image (sum over detectors = sum of pixels).
    const mass = img.data.reduce((a, b) => a + b, 0);
    for (const view of [0, 17, 45, 89]) {
      let s = 0;
      for (let d = 0; d < sino.shape[2]; d++) s += sino.data[view * sino.shape[2] + d];
      expect(Math.abs(s - mass) / mass, `view ${view}`).toBeLessThan(1e-3);
    }
    const xr = path.join(tmp, 'xr.npy');
    r = await cli('radon', 'fbp', '--in', y, '--size', '48', '--filter', 'ram-lak', '--out', xr);
    expect(r.code, r.stderr).toBe(0);
    const rec = await readNpyFile(xr);
    expect(rec.shape).toEqual([2, 48, 48]);
    let num = 0;
    let den = 0;
    for (let i = 0; i < 48 * 48; i++) {
      num += (rec.data[i] - img.data[i]) ** 2;
      den += img.data[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(0.1);
    const xa = path.join(tmp, 'xa.npy');
    r = await cli('radon', 'adjoint', '--in', y, '--size', '48', '--out', xa);
    expect(r.code, r.stderr).toBe(0);
    expect((await readNpyFile(xa)).shape).toEqual([2, 48, 48]);
  });

  it('dicom writes HU that match pydicom (expected.json)', async () => {
    const expected = JSON.parse(await fs.readFile(path.join(dicomDir, 'expected.json'), 'utf8'));
    const rel = 'ct-single/nema-ct1_explicit-vr-le.dcm';
    const out = path.join(tmp, 'hu.npy');
    const r = await cli('dicom', path.join(dicomDir, rel), '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const hu = await readNpyFile(out);
    const e = expected[rel].hu;
    expect(hu.shape).toEqual([expected[rel].header.rows, expected[rel].header.columns]);
    let min = Infinity;
    let max = -Infinity;
    let sum = 0;
    for (const v of hu.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
      sum += v;
    }
    expect([min, max]).toEqual([e.min, e.max]);
    expect(sum / hu.data.length).toBeCloseTo(e.mean, 6);
  });

  it('reconstruct writes arrays whose PSNR matches a brute-force recomputation', async () => {
    const out = path.join(tmp, 'rec');
    const r = await cli(
      'reconstruct',
      'resources/samples/ct-small-128.dcm',
      '--size',
      '64',
      '--views',
      '30',
      '--noise',
      'gaussian:1%',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const ref = await readNpyFile(path.join(out, 'reference.npy'));
    const rec = await readNpyFile(path.join(out, 'fbp.npy'));
    expect((await readNpyFile(path.join(out, 'sinogram.npy'))).shape).toEqual([
      30,
      Math.ceil(64 * Math.SQRT2),
    ]);
    let lo = Infinity;
    let hi = -Infinity;
    let se = 0;
    for (let i = 0; i < ref.data.length; i++) {
      lo = Math.min(lo, ref.data[i]);
      hi = Math.max(hi, ref.data[i]);
      se += (ref.data[i] - rec.data[i]) ** 2;
    }
    const psnr = 10 * Math.log10((hi - lo) ** 2 / (se / ref.data.length));
    expect(j.psnr).toBeCloseTo(psnr, 3);
    expect(j.noise.relativeNoise).toBeGreaterThan(0.005);
    expect(j.noise.relativeNoise).toBeLessThan(0.02);
    expect(JSON.stringify(j)).not.toMatch(/PatientName|patientName/);
    const png = await fs.readFile(path.join(out, 'fbp.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
  });

  it('gives one-line errors with the right exit codes', async () => {
    expectOneLineError(
      await cli('dicom', path.join(tmp, 'missing.dcm'), '--out', path.join(tmp, 'm.npy')),
      1,
      /missing\.dcm/,
    );
    expectOneLineError(
      await cli('phantom', '--kind', 'cube', '--size', '8', '--out', 'x.npy'),
      2,
      /--kind must be one of shepp-logan, ellipses, blobs/,
    );
    expectOneLineError(
      await cli('radon', 'fbp', '--in', 'x.npy', '--size', '8', '--filter', 'box', '--out', 'y.npy'),
      2,
      /--filter must be one of/,
    );
    expectOneLineError(
      await cli('reconstruct', 'resources/samples/ct-small-128.dcm', '--noise', 'pink:3', '--out', tmp),
      2,
      /noise "pink:3" not understood/,
    );
    const nan = path.join(tmp, 'nan.npy');
    await fs.writeFile(nan, encodeNpy(Float32Array.from([1, NaN, 0, 1]), [2, 2]));
    expectOneLineError(
      await cli('radon', 'forward', '--in', nan, '--views', '4', '--out', path.join(tmp, 'o.npy')),
      1,
      /nan\.npy: value 1 is NaN/,
    );
    const notNpy = path.join(tmp, 'not.npy');
    await fs.writeFile(notNpy, 'hello');
    expectOneLineError(
      await cli('radon', 'forward', '--in', notNpy, '--views', '4', '--out', path.join(tmp, 'o.npy')),
      1,
      /not\.npy: not a \.npy file/,
    );
    const r = await cli('info', '--bogus');
    expect(r.code).toBe(2);
  });

  it('rejects non-CT and broken DICOM with the file and the reason', async () => {
    const mr = path.join(dicomDir, 'non-ct/mr_pydicom-mr-small.dcm');
    expectOneLineError(
      await cli('dicom', mr, '--out', path.join(tmp, 'mr.npy')),
      1,
      /mr_pydicom-mr-small\.dcm: modality is MR, not CT/,
    );
    const cut = path.join(dicomDir, 'broken/truncated-nema-ct1-in-pixeldata-50pct.dcm');
    expectOneLineError(
      await cli('dicom', cut, '--out', path.join(tmp, 'cut.npy')),
      1,
      /truncated-nema-ct1-in-pixeldata-50pct\.dcm: .*(truncat|short)/i,
    );
    const retired = path.join(dicomDir, 'ct-single/ctimage_jpeg-progressive-retired.dcm');
    expectOneLineError(
      await cli('dicom', retired, '--out', path.join(tmp, 'r.npy')),
      1,
      /1\.2\.840\.10008\.1\.2\.4\.55/,
    );
  });
});
