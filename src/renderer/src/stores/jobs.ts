import { defineStore } from 'pinia';
import { computed, reactive } from 'vue';
import { IpcEvent, type IpcChannel, type IpcRequest, type IpcResponse, type JobProgress } from '@shared/ipc';
import { connection } from '../api';
import { toUiError, type UiError } from '../lib/errors';

export interface JobView {
  jobId: string;
  label: string;
  channel: string;
  state: 'running' | 'done' | 'failed' | 'cancelled';
  progress: JobProgress | null;
  error: UiError | null;
  startedAt: number;
  endedAt: number | null;
}

/** Finished jobs stay in the tray this long, so the user sees how they ended. */
const KEEP_FINISHED_MS = 8000;

function newJobId(): string {
  const rnd = globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
  return `job-${rnd}`.slice(0, 64);
}

/** Jobs this window started: progress bars, cancel, how they ended. */
export const useJobsStore = defineStore('jobs', () => {
  const jobs = reactive(new Map<string, JobView>());
  const list = computed(() => [...jobs.values()].sort((a, b) => b.startedAt - a.startedAt));
  const running = computed(() => list.value.filter((j) => j.state === 'running'));

  function finish(jobId: string, state: JobView['state'], error: UiError | null): void {
    const j = jobs.get(jobId);
    if (!j || j.state !== 'running') return;
    j.state = state;
    j.error = error;
    j.endedAt = Date.now();
    setTimeout(() => {
      if (jobs.get(jobId)?.state !== 'running') jobs.delete(jobId);
    }, KEEP_FINISHED_MS);
  }

  function start(): void {
    if (connection.status !== 'connected') return;
    connection.client.on(IpcEvent.JobProgress, (p) => {
      const j = jobs.get(p.jobId);
      if (j && j.state === 'running') j.progress = p;
    });
    connection.client.on(IpcEvent.JobDone, (d) => {
      finish(d.jobId, d.state, d.error ? toUiError(new Error(d.error.message)) : null);
    });
  }

  /**
   * Runs a job channel with a job id chosen here (so the progress bar and Cancel exist before the
   * answer). Resolves to the value; throws the typed error (also JobCancelledError on cancel).
   */
  async function run<C extends IpcChannel>(
    channel: C,
    request: Omit<IpcRequest<C>, 'jobId'>,
    label: string,
    onJobId?: (jobId: string) => void,
  ): Promise<IpcResponse<C>> {
    if (connection.status !== 'connected') throw new Error(connection.reason);
    const jobId = newJobId();
    onJobId?.(jobId);
    jobs.set(jobId, {
      jobId,
      label,
      channel,
      state: 'running',
      progress: null,
      error: null,
      startedAt: Date.now(),
      endedAt: null,
    });
    try {
      const value = await connection.client.invoke(channel, { ...request, jobId } as IpcRequest<C>);
      finish(jobId, 'done', null);
      return value;
    } catch (e) {
      const ui = toUiError(e);
      finish(jobId, ui.code === 'CANCELLED' ? 'cancelled' : 'failed', ui);
      throw e;
    }
  }

  async function cancel(jobId: string): Promise<void> {
    if (connection.status !== 'connected') return;
    await connection.client.invoke('job:cancel', { jobId });
  }

  return { jobs, list, running, start, run, cancel };
});
