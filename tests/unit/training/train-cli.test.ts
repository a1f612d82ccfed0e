/**
 * `ct-audit train` as a user runs it (child process through bin/ct-audit.mjs): --json prints the card,
 * the folder holds the model, --resume continues, and bad input gives one-line errors naming the file or
 * option (exit 1 for input, 2 for usage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeNpy } from '../../../src/main/engine/io/npy';
import { cli, expectOneLineError } from '../helpers/cli';

let tmp: string;

const small = ['--preset', 'tiny', '--size', '16', '--views', '8', '--batch', '2', '--steps-per-epoch', '2'];

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-train-cli-'));
});
afterAll(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

describe('ct-audit train', () => {
  it('trains, prints the card with --json, and resumes to more steps', async () => {
    const out = path.join(tmp, 'model');
    const r = await cli(
      'train',
      '--data',
      'ellipses',
      '--method',
      'l2',
      '--hp',
      'mu=1e-5',
      ...small,
      '--steps',
      '3',
      '--out',
      out,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const card = JSON.parse(r.stdout);
    expect(card.kind).toBe('fbpconvnet');
    expect(card.geometry).toMatchObject({ size: 16, views: 8 });
    expect(card.training).toMatchObject({
      method: 'l2',
      hyper: { mu: 1e-5 },
      completedSteps: 3,
      batchSize: 2,
      seed: '0',
    });
    expect((await fs.readdir(out)).sort()).toEqual([
      'card.json',
      'checkpoint.ckpt',
      'model.json',
      'weights.bin',
    ]);
    const r2 = await cli(
      'train',
      '--data',
      'ellipses',
      '--method',
      'l2',
      '--hp',
      'mu=1e-5',
      ...small,
      '--steps',
      '5',
      '--out',
      out,
      '--resume',
      '--json',
    );
    expect(r2.code, r2.stderr).toBe(0);
    expect(JSON.parse(r2.stdout).training.completedSteps).toBe(5);
    expect(r2.stderr).toMatch(/cosine learning-rate schedule follows the new length/);
  });

  it('one-line errors naming the option or the file', async () => {
    expectOneLineError(
      await cli(
        'train',
        '--data',
        'ellipses',
        '--method',
        'nope',
        ...small,
        '--steps',
        '1',
        '--out',
        path.join(tmp, 'x'),
      ),
      2,
      /--method nope: unknown training method/,
    );
    expectOneLineError(
      await cli(
        'train',
        '--data',
        'ellipses',
        '--method',
        'ord',
        '--hp',
        'mu=1',
        ...small,
        '--steps',
        '1',
        '--out',
        path.join(tmp, 'x'),
      ),
      2,
      /--hp mu: method ord has no such hyperparameter/,
    );
    const missing = path.join(tmp, 'missing.npy');
    expectOneLineError(
      await cli(
        'train',
        '--data',
        missing,
        '--method',
        'ord',
        ...small,
        '--steps',
        '1',
        '--out',
        path.join(tmp, 'x'),
      ),
      1,
      new RegExp(`--data ${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: no such file or folder`),
    );
    const nan = path.join(tmp, 'nan.npy');
    const data = new Float32Array(2 * 256).fill(1);
    data[256 + 17] = Infinity;
    await fs.writeFile(nan, encodeNpy(data, [2, 16, 16]));
    expectOneLineError(
      await cli(
        'train',
        '--data',
        nan,
        '--method',
        'ord',
        ...small,
        '--steps',
        '2',
        '--out',
        path.join(tmp, 'y'),
      ),
      1,
      /nan\.npy slice 1: pixel \(row 1, column 1\) is Infinity/,
    );
    expectOneLineError(
      await cli(
        'train',
        '--data',
        'ellipses',
        '--method',
        'ord',
        '--preset',
        'small',
        '--size',
        '20',
        '--views',
        '8',
        '--steps',
        '1',
        '--out',
        path.join(tmp, 'z'),
      ),
      1,
      /image size 20 must be a multiple of 2\^depth = 8/,
    );
  });
});
