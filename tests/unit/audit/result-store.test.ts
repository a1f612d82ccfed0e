/**
 * results.jsonl (engine/audit/result-store.ts): whole units only, a cut last line or unit dropped, corrupt
 * lines in the middle refused, truncation on resume, appends that validate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openResults, parseResults, readResults } from '../../../src/main/engine/audit/result-store';
import { jsonl, line, unit } from './lines';

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-store-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const u0 = unit(0, 0, { errors: [2, 3] });
const u1 = unit(1, 0, { errors: [4, 5] });
const u2 = unit(0, 1, { errors: [6, 7] });

describe('result store', () => {
  it('reads complete units and their byte length', () => {
    const text = jsonl([...u0, ...u1]);
    const r = parseResults(text);
    expect(r.lines).toHaveLength(4);
    expect(r.units.size).toBe(2);
    expect(r.validBytes).toBe(Buffer.byteLength(text));
    expect(r.droppedBytes).toBe(0);
  });

  it('drops a partial last line (a cut write) and the incomplete unit it belonged to', () => {
    const whole = jsonl([...u0, ...u1]);
    const cut = whole + jsonl(u2).slice(0, 700);
    const r = parseResults(cut);
    expect(r.units.size).toBe(2);
    expect(r.validBytes).toBe(Buffer.byteLength(whole));
    expect(r.droppedLines).toBeGreaterThan(0);
    // A unit cut exactly at a line end (1 of its 2 lines written).
    const cut2 = whole + jsonl(u2.slice(0, 1));
    const r2 = parseResults(cut2);
    expect(r2.units.size).toBe(2);
    expect(r2.droppedLines).toBe(1);
    expect(r2.validBytes).toBe(Buffer.byteLength(whole));
  });

  it('refuses a corrupt line in the middle, naming it', () => {
    const lines = jsonl(u0).split('\n');
    lines[1] = '{"not": "a result"}';
    const text = `${lines.join('\n')}${jsonl(u1)}`;
    expect(() => parseResults(text, 'r.jsonl')).toThrow(/r\.jsonl: line 2 is not a valid result line/);
  });

  it('refuses a line of the older format (certificates on lines of their own)', () => {
    const bad = { ...line({ slice: 0, model: 0, epsIndex: 0, unitLines: 1 }), version: 1, test: 'attack' };
    expect(() => parseResults(`${JSON.stringify(bad)}\n${jsonl(u1)}`)).toThrow(/line 1/);
  });

  it('resume truncates the file to its complete units and appends after them', async () => {
    const file = path.join(dir, 'a.jsonl');
    await fs.writeFile(file, jsonl([...u0, ...u1]) + jsonl(u2).slice(0, 900));
    const w = await openResults(file, { resume: true });
    expect(w.existing.units.size).toBe(2);
    expect((await fs.stat(file)).size).toBe(w.existing.validBytes);
    await w.append(u2);
    await w.close();
    const r = await readResults(file);
    expect(r.lines).toEqual([...u0, ...u1, ...u2]);
    expect(r.droppedBytes).toBe(0);
  });

  it('a new audit refuses an existing file; append validates lines', async () => {
    const file = path.join(dir, 'b.jsonl');
    await fs.writeFile(file, jsonl(u0));
    await expect(openResults(file, { resume: false })).rejects.toThrow(/exists: resume the audit/);
    const w = await openResults(path.join(dir, 'c.jsonl'), { resume: false });
    await expect(w.append([{ ...u0[0], unitLines: 0 }])).rejects.toThrow();
    await w.close();
    expect((await readResults(path.join(dir, 'missing.jsonl'))).lines).toEqual([]);
  });
});
