import { describe, expect, it } from 'vitest';
import { createJobContext } from '../../../src/main/engine/job-context';
import { JobCancelledError } from '@shared/errors';
import type { JobProgress } from '@shared/jobs';

describe('JobContext', () => {
  it('estimates ETA per phase from the mean step time', () => {
    let t = 0;
    const events: JobProgress[] = [];
    const ctx = createJobContext({ jobId: 'j1', now: () => t, onProgress: (p) => events.push(p) });
    ctx.progress({ phase: 'train', step: 0, total: 10 });
    t = 2000;
    ctx.progress({ phase: 'train', step: 2, total: 10 });
    t = 2500;
    ctx.progress({ phase: 'validate', step: 0, total: 3 });
    expect(events[0]).toEqual({ phase: 'train', step: 0, total: 10, jobId: 'j1' });
    expect(events[1].etaSeconds).toBeCloseTo(8, 10); // 1 s per step, 8 steps left
    expect(events[2].etaSeconds).toBeUndefined();
  });
  it('throws JobCancelledError after the signal aborts', () => {
    const ac = new AbortController();
    const ctx = createJobContext({ signal: ac.signal });
    expect(() => ctx.throwIfCancelled()).not.toThrow();
    ac.abort();
    expect(() => ctx.throwIfCancelled()).toThrow(JobCancelledError);
  });
});
