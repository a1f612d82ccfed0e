/**
 * What an engine operation sees of its job: a cancellation signal checked between steps and a progress sink.
 * Engine functions take an optional JobContext, so the same code runs under the CLI (progress bar), the
 * engine host (events over IPC/WebSocket) and tests (no context).
 */
import { randomUUID } from 'node:crypto';
import { JobCancelledError } from '@shared/errors';
import type { JobProgress } from '@shared/jobs';

export type ProgressUpdate = Omit<JobProgress, 'jobId' | 'etaSeconds'>;

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /** Throws JobCancelledError when the job was cancelled; call between steps. */
  throwIfCancelled(): void;
  /** Report progress; ETA is estimated per phase from the time since the phase's first report. */
  progress(update: ProgressUpdate): void;
}

export interface JobContextOptions {
  jobId?: string;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress) => void;
  /** Clock in ms (tests inject one). */
  now?: () => number;
}

export function createJobContext(o: JobContextOptions = {}): JobContext {
  const jobId = o.jobId ?? randomUUID();
  const signal = o.signal ?? new AbortController().signal;
  const now = o.now ?? (() => performance.now());
  const phaseStart = new Map<string, { t: number; step: number }>();
  return {
    jobId,
    signal,
    throwIfCancelled() {
      if (signal.aborted) throw new JobCancelledError(`job ${jobId} cancelled`);
    },
    progress(u) {
      if (!o.onProgress) return;
      const t = now();
      const start = phaseStart.get(u.phase);
      let etaSeconds: number | undefined;
      if (!start) phaseStart.set(u.phase, { t, step: u.step });
      else if (u.step > start.step && u.total >= u.step) {
        const perStep = (t - start.t) / (u.step - start.step);
        etaSeconds = ((u.total - u.step) * perStep) / 1000;
      }
      o.onProgress({ ...u, jobId, ...(etaSeconds !== undefined ? { etaSeconds } : {}) });
    },
  };
}

/** A context for callers that do not care about progress or cancellation. */
export function noJob(): JobContext {
  return createJobContext();
}
