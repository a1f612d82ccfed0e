/**
 * `ct-audit import` then `ct-audit audit --model <imported>` as a user runs them (child processes): the model
 * folder, --json output, the audit of the imported model with its PDF, and one-line errors for a bad card,
 * an unsupported op and a corrupt file.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../audit/helpers';
import { cli, expectOneLineError, repoRoot } from '../helpers/cli';

const FIX = path.join(repoRoot, 'tests/fixtures/onnx');
let dir: string;
let card: string;

beforeAll(async () => {
  dir = await tempDir('import-cli');
  card = path.join(dir, 'card.json');
  await fs.writeFile(
    card,
    JSON.stringify({
      input: 'fbp-image',
      geometry: { size: 32, views: 12 },
      intensity: { unit: 'hu' },
      provenance: { exporter: 'torch.onnx.export' },
    }),
  );
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('ct-audit import', () => {
  it('imports the PyTorch U-Net, prints its card as JSON, and ct-audit audit takes it', async () => {
    const out = path.join(dir, 'models', 'unet');
    const r = await cli('import', path.join(FIX, 'unet_bn.onnx'), '--card', card, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as {
      outDir: string;
      card: { kind: string; imported: { access: string; source: { format: string; opset: number } } };
    };
    expect(j.card.kind).toBe('imported');
    expect(j.card.imported).toMatchObject({ access: 'white-box', source: { format: 'onnx', opset: 13 } });
    expect((await fs.readdir(out)).sort()).toEqual(['card.json', 'model.onnx']);

    const audit = path.join(dir, 'audit');
    const a = await cli(
      'audit',
      '--model',
      out,
      '--data',
      'ellipses',
      '--phantoms',
      '1',
      '--eps',
      '1%',
      '--steps',
      '3',
      '--sigma',
      'eps/1',
      '--samples',
      '4',
      '--out',
      audit,
      '--json',
    );
    expect(a.code, a.stderr).toBe(0);
    const s = JSON.parse(a.stdout) as { rhoHat: { model: string; attack: string }[] };
    expect(s.rhoHat.find((c) => c.model === 'unet')?.attack).toBe('pga-y');
    expect((await fs.stat(path.join(audit, 'report.pdf'))).size).toBeGreaterThan(10_000);
    const manifest = JSON.parse(await fs.readFile(path.join(audit, 'manifest.json'), 'utf8')) as {
      models: { name: string; kind: string; files: { file: string }[] }[];
    };
    expect(manifest.models.find((m) => m.name === 'unet')).toMatchObject({
      kind: 'imported',
      files: [{ file: 'model.onnx' }, { file: 'card.json' }],
    });
  });

  it('one-line errors: bad card field, unsupported op, corrupt file, missing card', async () => {
    const bad = path.join(dir, 'bad.json');
    await fs.writeFile(
      bad,
      JSON.stringify({
        input: 'fbp-image',
        geometry: { size: 32, views: 12 },
        intensity: { unit: 'kelvin' },
      }),
    );
    expectOneLineError(
      await cli('import', path.join(FIX, 'unet_bn.onnx'), '--card', bad, '--out', path.join(dir, 'x1')),
      1,
      /^ct-audit: .*bad\.json: not a valid import card \(intensity\.unit: /,
    );
    const any = path.join(dir, 'any.json');
    await fs.writeFile(
      any,
      JSON.stringify({ input: 'fbp-image', geometry: 'follows-ours', intensity: { unit: 'attenuation' } }),
    );
    expectOneLineError(
      await cli(
        'import',
        path.join(FIX, 'blackbox_cumsum.onnx'),
        '--card',
        any,
        '--out',
        path.join(dir, 'x2'),
      ),
      1,
      /^ct-audit: .*blackbox_cumsum\.onnx: 1 node cannot be imported into the differentiable engine: CumSum \(node "\/CumSum"\); set "access": "black-box"/,
    );
    const corrupt = path.join(dir, 'corrupt.onnx');
    await fs.writeFile(corrupt, (await fs.readFile(path.join(FIX, 'unet_bn.onnx'))).subarray(0, 5000));
    expectOneLineError(
      await cli('import', corrupt, '--card', any, '--out', path.join(dir, 'x3')),
      1,
      /^ct-audit: .*corrupt\.onnx: not an ONNX model \(/,
    );
    expectOneLineError(
      await cli(
        'import',
        path.join(FIX, 'unet_bn.onnx'),
        '--card',
        path.join(dir, 'none.json'),
        '--out',
        path.join(dir, 'x4'),
      ),
      1,
      /^ct-audit: .*none\.json: cannot be read \(missing\)$/,
    );
    for (const x of ['x1', 'x2', 'x3', 'x4']) await expect(fs.stat(path.join(dir, x))).rejects.toThrow();
  });
});
