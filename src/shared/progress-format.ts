/**
 * How job progress (src/shared/jobs.ts) is written for people, in one place: the CLI's progress line (a
 * rewritten line on a terminal, timestamped lines in a log) and the UI's jobs tray print the same text.
 *
 *   formatDuration(125)               "2 min 05 s"
 *   formatCount(1.8719999999999999)   "1.9"   (steps may be fractional: a unit partly done)
 *   formatProgress(p)                 "audit 1.9/6 (31%) · ETA 2 min 05 s · slice 2 of 6 · model ord"
 *   formatProgress(p, { width: 40 })  the same, shortened to 40 characters: message first, then ETA,
 *                                     then an ellipsis; never wider than `width`
 */
import type { JobProgress } from './jobs';

const MISSING = '–';

/** Seconds as "42 s", "3 min 05 s", "1 h 02 min" (rounded to the second). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return MISSING;
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** A step count: whole numbers as they are, fractions to one decimal ("1.9", never "1.8719999999999999"). */
export function formatCount(v: number): string {
  if (!Number.isFinite(v)) return MISSING;
  if (Number.isInteger(v)) return String(v);
  const r = Math.round(v * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** Percent done, 0..100, floored (100 only when done); null without a total. */
export function percentDone(p: Pick<JobProgress, 'step' | 'total'>): number | null {
  if (!(p.total > 0) || !Number.isFinite(p.step)) return null;
  return Math.max(0, Math.min(100, Math.floor((100 * p.step) / p.total)));
}

export interface ProgressTextOptions {
  /** Most characters the text may take (a terminal's width); longer text drops parts, then ends in "…". */
  width?: number;
  /** Leave the ETA out. */
  eta?: boolean;
}

/** The parts of a progress line, most important first (the ones dropped last when space is short). */
export function progressParts(p: Omit<JobProgress, 'jobId'>, o: ProgressTextOptions = {}): string[] {
  const pct = percentDone(p);
  const head =
    p.total > 0
      ? `${p.phase} ${formatCount(p.step)}/${formatCount(p.total)}${pct !== null ? ` (${pct}%)` : ''}`
      : p.phase;
  const parts = [head];
  const done = p.total > 0 && p.step >= p.total;
  if (o.eta !== false && !done && p.etaSeconds !== undefined && Number.isFinite(p.etaSeconds)) {
    parts.push(`ETA ${formatDuration(p.etaSeconds)}`);
  }
  if (p.message) parts.push(p.message);
  return parts;
}

/** One line of progress text (see the file comment), at most `width` characters when given. */
export function formatProgress(p: Omit<JobProgress, 'jobId'>, o: ProgressTextOptions = {}): string {
  const parts = progressParts(p, o);
  const join = (k: number) => parts.slice(0, k).join(' · ');
  const width = o.width;
  if (width === undefined) return join(parts.length);
  if (join(parts.length).length <= width) return join(parts.length);
  // The message shortened with an ellipsis while a useful piece of it fits, else dropped; then the ETA.
  if (parts.length > 1) {
    const before = `${join(parts.length - 1)} · `;
    const room = width - before.length - 1;
    if (room >= 12) return `${before}${parts[parts.length - 1].slice(0, room)}…`;
  }
  for (let k = parts.length - 1; k >= 1; k--) {
    const t = join(k);
    if (t.length <= width) return t;
  }
  const head = parts[0];
  return width <= 1 ? head.slice(0, Math.max(0, width)) : `${head.slice(0, width - 1)}…`;
}
