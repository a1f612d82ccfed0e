/**
 * Progress of every CLI command on stderr, one implementation (the text comes from
 * src/shared/progress-format.ts, as in the UI's jobs tray):
 *   - on a terminal: one line rewritten in place, at most every 0.25 s, fitted to the terminal's width
 *     (less important parts are dropped first, the line never wraps); a finished phase keeps its line;
 *   - on a pipe or a file (`npm run demo 2>&1 | tee log`, CI logs): whole lines, one at every phase change
 *     and otherwise one every `intervalSeconds` (10 s), each stamped with the time since the start:
 *       [02:13] audit 3/12 (25%) · ETA 2 min 10 s · slice 2 of 6 · model ord · attack 1%
 *   - lines a command wants kept (train's validation results) are written as whole lines in both modes.
 * Ctrl-C asks the job to stop after the current step; a second Ctrl-C quits at once.
 */
import type { JobProgress } from '@shared/jobs';
import { formatProgress } from '@shared/progress-format';
import { createJobContext, type JobContext } from '../engine/job-context';

/** The part of a stream the progress needs (process.stderr, or a fake in tests). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface CliProgressOptions {
  /** No progress at all (--quiet, --json). Kept lines are still written. */
  quiet?: boolean;
  stream?: ProgressStream;
  /** Seconds between lines within one phase when the stream is not a terminal (default 10). */
  intervalSeconds?: number;
  /** A whole line to keep for this event (e.g. a validation result), or null. */
  keep?: (p: JobProgress) => string | null;
  /** Adjust an event before it is shown (add a message), or null to show nothing for it. */
  decorate?: (p: JobProgress) => JobProgress | null;
  /** Handle Ctrl-C (default true). */
  sigint?: boolean;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface CliProgress {
  job: JobContext;
  abort: AbortController;
  /** Ends the progress: terminates the rewritten line, removes the Ctrl-C handler. */
  done(): void;
}

/** "02:13", "1:02:13": time since the start, for the lines of a log. */
export function elapsedStamp(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return s >= 3600 ? `${Math.floor(s / 3600)}:${mm}:${ss}` : `${mm}:${ss}`;
}

/** A job context whose progress is written to stderr as described in the file comment. */
export function cliProgress(o: CliProgressOptions = {}): CliProgress {
  const out: ProgressStream = o.stream ?? process.stderr;
  const now = o.now ?? (() => Date.now());
  const tty = Boolean(out.isTTY);
  const interval = (o.intervalSeconds ?? 10) * 1000;
  const start = now();
  const abort = new AbortController();
  let lastShown = -Infinity;
  let lastPhase: string | null = null;
  let drawn = false;

  const clearLine = () => {
    if (drawn) out.write('\r\x1b[K');
    drawn = false;
  };

  const onProgress = (raw: JobProgress) => {
    const kept = o.keep?.(raw);
    if (kept) {
      clearLine();
      out.write(`${tty ? '' : `[${elapsedStamp(now() - start)}] `}${kept}\n`);
    }
    if (o.quiet) return;
    const p = o.decorate ? o.decorate(raw) : raw;
    if (!p) return;
    const t = now();
    const phaseChanged = p.phase !== lastPhase;
    if (tty) {
      if (!phaseChanged && t - lastShown < 250 && p.step < p.total) return;
      lastShown = t;
      lastPhase = p.phase;
      // One column short of the width: writing into the last column wraps on some terminals.
      const width = Math.max(20, (out.columns ?? 80) - 1);
      out.write(`\r${formatProgress(p, { width })}\x1b[K`);
      drawn = true;
      // A finished phase keeps its line; the next one starts below it.
      if (p.total > 0 && p.step >= p.total) {
        out.write('\n');
        drawn = false;
      }
      return;
    }
    if (!phaseChanged && t - lastShown < interval) return;
    lastShown = t;
    lastPhase = p.phase;
    out.write(`[${elapsedStamp(t - start)}] ${formatProgress(p)}\n`);
  };

  const onSigint = () => {
    if (abort.signal.aborted) process.exit(130);
    clearLine();
    out.write('cancelling after the current step (Ctrl-C again to quit at once)...\n');
    abort.abort();
  };
  if (o.sigint !== false) process.on('SIGINT', onSigint);
  return {
    job: createJobContext({ signal: abort.signal, onProgress, now }),
    abort,
    done() {
      if (o.sigint !== false) process.off('SIGINT', onSigint);
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}
