/**
 * Progress as people see it (src/shared/progress-format.ts, src/main/cli/progress.ts): rounded step counts,
 * lines that fit the terminal, whole timestamped lines on a pipe (one per phase change, then one per
 * interval), and the real CLI writing them while it runs (a child process with pipes, stopped with Ctrl-C
 * after its first progress line).
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JobProgress } from '@shared/jobs';
import { formatCount, formatDuration, formatProgress, percentDone } from '@shared/progress-format';
import { cliProgress, elapsedStamp, type ProgressStream } from '../../../src/main/cli/progress';
import { repoRoot } from '../helpers/cli';

/** The escape character that starts terminal control sequences. */
const ESC = String.fromCharCode(27);

const event = (o: Partial<JobProgress> = {}): JobProgress => ({
  jobId: 'j',
  phase: 'audit',
  step: 1.8719999999999999,
  total: 6,
  etaSeconds: 125.4,
  message: 'slice 2 of 6 · model ord · attack 1%',
  ...o,
});

describe('progress text', () => {
  it('rounds fractional steps and durations', () => {
    expect(formatCount(1.8719999999999999)).toBe('1.9');
    expect(formatCount(2.96)).toBe('3');
    expect(formatCount(12)).toBe('12');
    expect(formatDuration(125.4)).toBe('2 min 05 s');
    expect(formatDuration(3725)).toBe('1 h 02 min');
    expect(formatDuration(0.4)).toBe('0 s');
    expect(percentDone({ step: 1.8719999999999999, total: 6 })).toBe(31);
    expect(percentDone({ step: 6, total: 6 })).toBe(100);
    expect(percentDone({ step: 0, total: 0 })).toBeNull();
    expect(formatProgress(event())).toBe(
      'audit 1.9/6 (31%) · ETA 2 min 05 s · slice 2 of 6 · model ord · attack 1%',
    );
    expect(formatProgress(event({ total: 0, etaSeconds: undefined, message: undefined }))).toBe('audit');
  });

  it('never writes more than the width: shortens the message, then drops it, then the ETA', () => {
    const full = formatProgress(event());
    for (let width = 5; width <= full.length + 5; width++) {
      const t = formatProgress(event(), { width });
      expect(t.length, `width ${width}: "${t}"`).toBeLessThanOrEqual(width);
      if (width >= full.length) expect(t).toBe(full);
    }
    expect(formatProgress(event(), { width: 50 })).toBe('audit 1.9/6 (31%) · ETA 2 min 05 s · slice 2 of 6…');
    expect(formatProgress(event(), { width: 40 })).toBe('audit 1.9/6 (31%) · ETA 2 min 05 s');
    expect(formatProgress(event(), { width: 20 })).toBe('audit 1.9/6 (31%)');
    expect(formatProgress(event(), { width: 10 })).toBe('audit 1.9…');
  });
});

/** A stream that records what is written, as a terminal of `columns` or as a pipe. */
function recorder(tty: boolean, columns = 60): ProgressStream & { text: string } {
  return {
    isTTY: tty,
    columns,
    text: '',
    write(t: string) {
      this.text += t;
      return true;
    },
  };
}

describe('cliProgress', () => {
  it('on a pipe: a timestamped line at each phase change, otherwise one per interval, nothing rewritten', () => {
    let t = 0;
    const out = recorder(false);
    const p = cliProgress({ stream: out, now: () => t, sigint: false, intervalSeconds: 10 });
    const emit = (phase: string, step: number, total: number) => p.job.progress({ phase, step, total });
    emit('index data', 0, 4); // phase change: printed
    t = 1000;
    emit('index data', 2, 4); // within 10 s of the last line: not printed
    t = 2000;
    emit('audit', 0.5, 6); // new phase: printed
    t = 9000;
    emit('audit', 1.25, 6); // 7 s later: not printed
    t = 12500;
    emit('audit', 2.3333, 6); // 10.5 s after the last line: printed
    p.done();
    const lines = out.text.split('\n').filter((l) => l.length > 0);
    expect(lines).toEqual([
      '[00:00] index data 0/4 (0%)',
      '[00:02] audit 0.5/6 (8%)',
      // ETA from the phase's pace: 1.83 steps in 10.5 s, 3.67 to go.
      '[00:12] audit 2.3/6 (38%) · ETA 21 s',
    ]);
    expect(out.text).not.toContain('\r');
    expect(out.text).not.toContain(ESC);
  });

  it('on a terminal: one line rewritten within the width; a finished phase keeps its line', () => {
    let t = 0;
    const out = recorder(true, 40);
    const p = cliProgress({ stream: out, now: () => t, sigint: false });
    p.job.progress({ phase: 'train ord', step: 1, total: 3, message: 'model 1 of 3 · a long message here' });
    t = 1000;
    p.job.progress({ phase: 'train ord', step: 3, total: 3, message: 'model 1 of 3' });
    t = 2000;
    p.job.progress({ phase: 'audit', step: 0.333333, total: 6 });
    p.done();
    const shown = out.text.split(/\r|\n/).map((l) => l.replaceAll(`${ESC}[K`, ''));
    for (const l of shown) expect(l.length, l).toBeLessThanOrEqual(39);
    expect(out.text).toContain('\rtrain ord 3/3 (100%) · model 1 of 3\x1b[K\n');
    expect(out.text.endsWith('\raudit 0.3/6 (5%)\x1b[K\n')).toBe(true);
    expect(elapsedStamp(3_725_000)).toBe('1:02:05');
  });

  it('writes kept lines in both modes, and nothing else when quiet', () => {
    const out = recorder(false);
    const p = cliProgress({
      stream: out,
      now: () => 0,
      sigint: false,
      quiet: true,
      keep: (e) => (e.phase === 'validate' ? `epoch ${e.step}: validated` : null),
    });
    p.job.progress({ phase: 'train', step: 1, total: 2 });
    p.job.progress({ phase: 'validate', step: 1, total: 2 });
    p.done();
    expect(out.text).toBe('[00:00] epoch 1: validated\n');
  });
});

describe('ct-audit with its output piped (as `npm run demo | tee log`)', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
  });

  it('writes progress lines while it runs, and stops after the current step on Ctrl-C', async () => {
    const out = await fs.mkdtemp(path.join(os.tmpdir(), 'ct-audit-progress-'));
    dirs.push(out);
    const child = spawn(
      process.execPath,
      [
        path.join(repoRoot, 'bin/ct-audit.mjs'),
        'train',
        ...['--data', 'ellipses', '--method', 'ord', '--preset', 'tiny', '--size', '32', '--views', '8'],
        ...['--steps', '5000', '--steps-per-epoch', '2', '--batch', '1', '--out', out],
      ],
      { cwd: repoRoot, env: { ...process.env, CT_AUDIT_BACKEND: 'wasm' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    let interruptedAfter: string | null = null;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr += d;
      const line = stderr.split('\n').find((l) => /^\[\d\d:\d\d\] train \d+\/5000 \(\d+%\)/.test(l));
      if (line && interruptedAfter === null && child.exitCode === null) {
        interruptedAfter = line;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    // A progress line came while the run was going: the run was stopped because of it, long before 5000 steps.
    expect(interruptedAfter, stderr).not.toBeNull();
    expect(stderr).toMatch(/\[\d\d:\d\d\] epoch 1: validation PSNR [\d.]+ dB/);
    expect(stderr).toContain('cancelling after the current step');
    expect(stderr).not.toContain('\r');
    expect(stderr).not.toContain(ESC);
    expect(code).not.toBe(0);
    const steps = [...stderr.matchAll(/train (\d+)\/5000/g)].map((m) => Number(m[1]));
    expect(Math.max(...steps)).toBeLessThan(5000);
  }, 120_000);
});
