/**
 * The parts of the distributed batch that need no Redis: queue URLs (the password hidden everywhere it could
 * show), the worker's data roots (links resolved), and the coordinator's unit store (each unit written once,
 * malformed results refused). The queue itself is tested in batch-queue.test.ts.
 */
import { promises as fs, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnrecoverableError } from 'bullmq';
import { parseAuditSpec } from '../../../src/shared/audit-spec';
import { UsageError } from '../../../src/shared/errors';
import { displayQueueUrl, parseQueueUrl, redactQueueArgs } from '../../../src/shared/queue-url';
import { checkUnitPaths } from '../../../src/main/engine/audit/batch-queue-worker';
import {
  storeUnit,
  UNIT_FORMAT,
  unitDir,
  type UnitJobData,
  type UnitJobResult,
} from '../../../src/main/engine/audit/batch-queue-unit';
import { line } from './lines';
import { tempDir } from './helpers';

describe('queue URLs', () => {
  it('parses host, port, database, user, password and TLS', () => {
    expect(parseQueueUrl('redis://:s3cret@db.example:6390/2')).toMatchObject({
      host: 'db.example',
      port: 6390,
      db: 2,
      password: 's3cret',
      tls: false,
      display: 'redis://:***@db.example:6390/2',
    });
    expect(parseQueueUrl('rediss://ann:p%40ss@h', undefined)).toMatchObject({
      username: 'ann',
      password: 'p@ss',
      port: 6379,
      db: 0,
      tls: true,
      display: 'rediss://ann:***@h',
    });
    expect(parseQueueUrl('redis://h:1', 'from-env')).toMatchObject({
      password: 'from-env',
      display: 'redis://h:1',
    });
  });

  it('refuses what is not a redis URL, without echoing a password', () => {
    expect(() => parseQueueUrl('http://:pw@h')).toThrow(UsageError);
    expect(() => parseQueueUrl('redis://:pw@h/x')).toThrow(
      /database "x" is not a number \(redis:\/\/:\*\*\*@h\/x\)/,
    );
    for (const bad of ['redis://:pw@h/x', 'not a url :pw']) {
      try {
        parseQueueUrl(bad);
      } catch (e) {
        expect((e as Error).message).not.toContain('pw@');
      }
    }
    expect(displayQueueUrl('::::pw')).toBe('(unreadable queue URL)');
  });

  it('hides the password in a recorded command line', () => {
    expect(
      redactQueueArgs([
        'batch',
        'd',
        '--queue',
        'redis://u:pw@h:1/0',
        '--queue=rediss://:pw@h',
        '--out',
        'o',
      ]),
    ).toEqual(['batch', 'd', '--queue', 'redis://u:***@h:1/0', '--queue=rediss://:***@h', '--out', 'o']);
  });
});

describe('worker data roots', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('roots');
    mkdirSync(path.join(dir, 'root/data'), { recursive: true });
    mkdirSync(path.join(dir, 'elsewhere'), { recursive: true });
    writeFileSync(path.join(dir, 'root/data/a.dcm'), 'x');
    writeFileSync(path.join(dir, 'elsewhere/b.dcm'), 'x');
    // A link inside the root to a file outside it: resolved, so refused.
    symlinkSync(path.join(dir, 'elsewhere/b.dcm'), path.join(dir, 'root/data/link.dcm'));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const unit = (sources: string[], models: string[] = ['fbp']): UnitJobData => ({
    format: UNIT_FORMAT,
    version: 1,
    batch: '0123456789abcdef',
    series: 'series-0123456789ab',
    model: 'fbp',
    modelIndex: 0,
    spec: parseAuditSpec({ models, data: { sources } }),
    commandLine: [],
  });

  it('accepts paths inside a root, refuses others (links resolved) and missing ones, without retries', async () => {
    const roots = [await fs.realpath(path.join(dir, 'root'))];
    expect(() => checkUnitPaths(unit([path.join(dir, 'root/data/a.dcm')]), roots)).not.toThrow();
    for (const [p, why] of [
      [path.join(dir, 'elsewhere/b.dcm'), /^refused: .*b\.dcm is outside this worker's data roots/],
      [path.join(dir, 'root/data/link.dcm'), /^refused: .*link\.dcm is outside/],
      [path.join(dir, 'root/../elsewhere/b.dcm'), /^refused: /],
      [path.join(dir, 'root/data/none.dcm'), /none\.dcm does not exist on this worker/],
    ] as const) {
      let e: unknown;
      try {
        checkUnitPaths(unit([p]), roots);
      } catch (x) {
        e = x;
      }
      expect(e, p).toBeInstanceOf(UnrecoverableError);
      expect((e as Error).message).toMatch(why);
    }
    // Model folders are paths too.
    expect(() =>
      checkUnitPaths(unit([path.join(dir, 'root/data/a.dcm')], [path.join(dir, 'elsewhere')]), roots),
    ).toThrow(/elsewhere is outside/);
  });
});

describe('the coordinator stores each unit once', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('units');
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  const result = (lines: string, files: Record<string, string> = {}): UnitJobResult => ({
    format: UNIT_FORMAT,
    version: 1,
    lines,
    manifest: { runs: [] } as unknown as UnitJobResult['manifest'],
    images: { worst: [], files },
    worker: { host: 'h', pid: 1, seconds: 1 },
  });
  /** A unit of one slice: one line (unitLines 1), of `model` at `index`. */
  const text = (model: string, index: number) =>
    `${JSON.stringify({
      ...line({ slice: 0, model: index, epsIndex: 0, unitLines: 1 }),
      model: { index, name: model, description: model },
    })}\n`;

  it('writes a unit once; a second completion of it is ignored', async () => {
    const series = path.join(dir, 's1');
    const unit = { model: 'fbp', modelIndex: 1 };
    expect(await storeUnit(series, unit, result(text('fbp', 1)), { jobId: 'a' })).toBe(true);
    expect(await storeUnit(series, unit, result(text('fbp', 1)), { jobId: 'b' })).toBe(false);
    const record = JSON.parse(await fs.readFile(path.join(unitDir(series, 1), 'unit.json'), 'utf8'));
    expect(record.jobId).toBe('a');
    expect(await fs.readFile(path.join(unitDir(series, 1), 'results.jsonl'), 'utf8')).toBe(text('fbp', 1));
  });

  it('refuses results that are not the unit: other models, cut lines, file names leaving the folder', async () => {
    const series = path.join(dir, 's2');
    const unit = { model: 'fbp', modelIndex: 0 };
    await expect(storeUnit(series, unit, result(text('other', 0)), {})).rejects.toThrow(
      /holds a line of model other/,
    );
    await expect(storeUnit(series, unit, result(text('fbp', 0).slice(0, -20)), {})).rejects.toThrow(
      /incomplete/,
    );
    await expect(
      storeUnit(
        series,
        unit,
        result(text('fbp', 0), { '../../evil.txt': Buffer.from('x').toString('base64') }),
        {},
      ),
    ).rejects.toThrow(/refused file name/);
    await expect(fs.stat(path.join(dir, 'evil.txt'))).rejects.toThrow();
    await expect(fs.stat(unitDir(series, 0))).rejects.toThrow();
  });
});
