/**
 * Jobs (DESIGN.md section 5): every long operation (training, attacks, certification, audits, batch) runs as
 * a job with an id, progress events, cancellation checked between steps, and a final result or typed error.
 * These types cross process boundaries (IPC, worker messages, WebSocket), so they are plain data.
 */
export interface JobProgress {
  jobId: string;
  /** What the job is doing now, e.g. 'train', 'validate', 'attack pga-y', 'certify'. */
  phase: string;
  /** Steps done in this phase (0..total). */
  step: number;
  total: number;
  /** Named scalar metrics of the latest step (loss terms, ||G||, learning rate, step time, PSNR...). */
  metrics?: Record<string, number>;
  /** Estimated seconds left in this phase, from the mean step time so far; absent until a step is done. */
  etaSeconds?: number;
  message?: string;
}

export type JobState = 'running' | 'done' | 'failed' | 'cancelled';
