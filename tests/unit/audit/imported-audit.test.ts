/**
 * An audit of imported models end to end (issue 13): the PyTorch U-Net fixture imported white-box and a
 * network with an op the importer does not map (CumSum, built here) imported black-box, next to FBP, through
 * runAudit: attacks (pga-y on the white-box model, the gradient-free spsa-y on the black-box one),
 * certificates for both, tensor counts flat, and a PDF whose model card names each model, its source format,
 * the file's SHA-256 and white-box / black-box. A geometry the model was not imported for is refused, naming
 * the field.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAuditSpec } from '../../../src/shared/audit-spec';
import { initBackend, tf } from '../../../src/main/engine/backend';
import { readResults, runAudit } from '../../../src/main/engine/audit';
import { importModel } from '../../../src/main/engine/models/imported/import-model';
import { readPdfText } from '../report/pdf-text';
import { modelBytes, ONNX_FIXTURES } from '../models/onnx/onnx-builder';
import { tempDir } from './helpers';

let dir: string;
let white: string;
let black: string;
let blackSha: string;
let whiteSha: string;

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
  dir = await tempDir('imported-audit');
  white = path.join(dir, 'models', 'unet-torch');
  await importModel({
    source: `${ONNX_FIXTURES}unet_bn.onnx`,
    card: { input: 'fbp-image', geometry: { size: 32, views: 12 }, intensity: { unit: 'hu' } },
    outDir: white,
  });
  whiteSha = createHash('sha256')
    .update(await fs.readFile(`${ONNX_FIXTURES}unet_bn.onnx`))
    .digest('hex');
  // y = x + 0.001 cumsum_W(x): CumSum has no tfjs mapping, so the model is black-box (onnxruntime).
  const bytes = modelBytes({
    nodes: [
      { op: 'CumSum', inputs: ['image', 'axis'], outputs: ['c'], name: 'running_sum' },
      { op: 'Mul', inputs: ['c', 'k'], outputs: ['m'] },
      { op: 'Add', inputs: ['image', 'm'], outputs: ['out'] },
    ],
    inputs: [
      { name: 'image', shape: [1, 1, 32, 32] },
      { name: 'axis', shape: [], data: [3], dtype: 'int64' },
      { name: 'k', shape: [], data: [0.001] },
    ],
    outputs: ['out'],
    opset: 14,
  });
  await fs.writeFile(path.join(dir, 'cumsum.onnx'), bytes);
  blackSha = createHash('sha256').update(bytes).digest('hex');
  black = path.join(dir, 'models', 'cumsum-net');
  await importModel({
    source: path.join(dir, 'cumsum.onnx'),
    card: {
      input: 'fbp-image',
      geometry: 'follows-ours',
      intensity: { unit: 'attenuation' },
      access: 'black-box',
    },
    outDir: black,
    geometry: { size: 32, views: 12, detectors: 46, detectorSpacing: 1 },
  });
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('an audit of imported models', () => {
  it('attacks (white-box: pga-y, black-box: spsa-y), certifies, and the PDF names format, SHA-256 and access', async () => {
    const out = path.join(dir, 'audit');
    const before = tf.memory().numTensors;
    const r = await runAudit({
      spec: parseAuditSpec({
        models: [white, black],
        data: { sources: ['ellipses'], phantoms: 2 },
        attack: { eps: ['1%', '2%'], steps: 4 },
        certification: { sigma: ['eps/1'], samples: 8 },
        report: { worstSlices: 1, pdf: true },
        seed: 5,
      }),
      outDir: out,
    });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.report).not.toBeNull();
    const { lines } = await readResults(path.join(out, 'results.jsonl'));
    const kinds = (name: string) => [
      ...new Set(lines.filter((l) => l.model.name === name).map((l) => l.attack.kind)),
    ];
    expect(kinds('unet-torch')).toEqual(['pga-y']);
    expect(kinds('cumsum-net')).toEqual(['spsa-y']);
    expect(kinds('fbp')).toEqual(['pga-y']);
    for (const name of ['unet-torch', 'cumsum-net']) {
      // One line per slice and radius: the attack's worst case and the certificate at the attacked input.
      const mine = lines.filter((l) => l.model.name === name);
      expect(mine).toHaveLength(4);
      for (const l of mine) {
        // An attack never makes the reconstruction better than the clean one it starts next to.
        expect(l.attack.perturbed.error).toBeGreaterThanOrEqual(l.clean.error * (1 - 1e-6));
        expect(l.certification!.perSigma[0].median).toBeGreaterThan(0);
      }
    }
    expect(Object.fromEntries(r.summary.rhoHat.map((c) => [c.model, c.attack]))).toEqual({
      'unet-torch': 'pga-y',
      'cumsum-net': 'spsa-y',
      fbp: 'pga-y',
    });

    const pdf = await readPdfText(new Uint8Array(await fs.readFile(path.join(out, 'report.pdf'))));
    const text = pdf.all.replace(/\s+/g, '');
    for (const needle of [
      'unet-torch(imported,white-box)',
      'cumsum-net(imported,black-box)',
      'ONNX(pytorch1.13.0,opset13),white-box',
      'ONNX(ct-audittests,opset14),black-box',
      'unet_bn.onnx',
      'cumsum.onnx',
      `SHA-256${whiteSha}`,
      `SHA-256${blackSha}`,
      'notmapped:CumSum(node"running_sum")',
      'spsa-yattackinmeasurementspace(gradient-free',
      // Title block and summary name both searches, not only the spec's pga-y.
      'attackspga-yandspsa-y',
      'thepga-yandspsa-yattackssearched',
    ]) {
      expect(text, needle).toContain(needle);
    }
  });

  it('refuses a geometry the white-box model was not imported for, naming the field', async () => {
    await expect(
      runAudit({
        spec: parseAuditSpec({
          models: [white],
          data: { sources: ['ellipses'], phantoms: 1 },
          geometry: { size: 32, views: 20 },
        }),
        outDir: path.join(dir, 'wrong'),
      }),
    ).rejects.toThrow('views');
  });
});
