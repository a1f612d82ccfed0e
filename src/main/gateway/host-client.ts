/**
 * The owner's side of the engine host (Electron main, `ct-audit serve`): starts the host through a
 * transport, waits for its `ready` (start timeout), sends calls and cancels, routes responses and
 * events, and owns the host's life: a crash answers every pending call with EngineStoppedError, tells
 * the UI (`host:status`), and starts a new host; stop() kills it for good (on quit).
 */
import { randomUUID } from 'node:crypto';
import {
  EngineStoppedError,
  IpcEvent,
  fail,
  type HostStatus,
  type IpcResult,
  type JobDone,
} from '@shared/ipc';
import type {
  HostMethod,
  HostParams,
  HostResult,
  HostToOwnerMessage,
  OwnerToHostMessage,
} from '@shared/host-protocol';

/** A running host process/thread as the client sees it. */
export interface HostTransport {
  post(message: OwnerToHostMessage): void;
  onMessage(listener: (message: HostToOwnerMessage) => void): void;
  onExit(listener: (info: { code: number | null; reason: string }) => void): void;
  kill(): void;
}

export interface HostClientOptions {
  spawn: () => HostTransport;
  /** How long the host may take to send `ready` (loading tfjs and its wasm takes seconds). */
  startTimeoutMs?: number;
  /** Start a new host after a crash (default true), at most `maxRestarts` times per minute. */
  restart?: boolean;
  maxRestarts?: number;
  onStatus?: (status: HostStatus) => void;
  /** Events from the host (job:progress, job:done), and the job:done of calls a crash ended. */
  onEvent?: (event: string, payload: unknown) => void;
}

interface Pending {
  resolve: (result: IpcResult<unknown>) => void;
  jobId: string;
  method: HostMethod;
  startedAt: number;
}

export class HostClient {
  private readonly options: Required<Omit<HostClientOptions, 'onStatus' | 'onEvent'>> &
    Pick<HostClientOptions, 'onStatus' | 'onEvent'>;
  private transport: HostTransport | undefined;
  private ready: Promise<void> | undefined;
  private readonly pending = new Map<string, Pending>();
  private restarts: number[] = [];
  private stopped = false;
  private statusValue: HostStatus = { state: 'stopped', message: 'not started' };

  constructor(options: HostClientOptions) {
    this.options = { startTimeoutMs: 60_000, restart: true, maxRestarts: 3, ...options };
  }

  get status(): HostStatus {
    return this.statusValue;
  }

  private setStatus(status: HostStatus): void {
    this.statusValue = status;
    this.options.onStatus?.(status);
  }

  /** Starts the host (once; later calls wait for the same start). Rejects on start timeout or early exit. */
  start(): Promise<void> {
    if (this.stopped) return Promise.reject(new EngineStoppedError('the engine was stopped'));
    this.ready ??= this.spawn();
    return this.ready;
  }

  private spawn(): Promise<void> {
    this.setStatus({ state: 'starting', message: 'starting the compute engine' });
    const transport = this.options.spawn();
    this.transport = transport;
    return new Promise<void>((resolve, reject) => {
      let isReady = false;
      const timer = setTimeout(() => {
        const message = `the compute engine did not start within ${Math.round(this.options.startTimeoutMs / 1000)} s`;
        // Given up on: what this host does from now on (a late 'ready', the exit the kill causes) is
        // ignored, so the message stays the timeout's and no restart loop begins (each try would load
        // the engine for another start timeout); the next call starts a new host.
        this.transport = undefined;
        this.ready = undefined;
        transport.kill();
        this.setStatus({ state: 'crashed', message });
        reject(new EngineStoppedError(message));
      }, this.options.startTimeoutMs);
      transport.onMessage((m) => {
        if (this.transport !== transport) return; // a host given up on or replaced
        if (m.type === 'ready') {
          isReady = true;
          clearTimeout(timer);
          this.setStatus({ state: 'ready', message: `compute engine running (pid ${m.pid})` });
          resolve();
        } else this.receive(m);
      });
      transport.onExit(({ reason }) => {
        clearTimeout(timer);
        if (this.transport !== transport) return; // a host given up on or replaced
        this.transport = undefined;
        this.ready = undefined;
        this.failPending(
          this.stopped
            ? 'the compute engine was stopped'
            : `the compute engine stopped unexpectedly (${reason}); it is being restarted: run the action again`,
        );
        if (!isReady) reject(new EngineStoppedError(`the compute engine could not start (${reason})`));
        if (this.stopped) {
          this.setStatus({ state: 'stopped', message: 'compute engine stopped' });
          return;
        }
        this.setStatus({ state: 'crashed', message: `The compute engine stopped unexpectedly (${reason}).` });
        this.maybeRestart();
      });
    });
  }

  private maybeRestart(): void {
    if (!this.options.restart) return;
    const t = Date.now();
    this.restarts = this.restarts.filter((r) => t - r < 60_000);
    if (this.restarts.length >= this.options.maxRestarts) {
      this.setStatus({
        state: 'crashed',
        message: `The compute engine crashed ${this.restarts.length + 1} times within a minute and was not restarted again; restart the app.`,
      });
      return;
    }
    this.restarts.push(t);
    // A crash during start-up rejects the start promise; nobody else awaits this one.
    this.start().catch(() => undefined);
  }

  private failPending(message: string): void {
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      const result = fail(new EngineStoppedError(message, { method: p.method }));
      const done: JobDone = {
        jobId: p.jobId,
        channel: p.method,
        state: 'failed',
        error: result.error,
        elapsedMs: Date.now() - p.startedAt,
      };
      this.options.onEvent?.(IpcEvent.JobDone, done);
      p.resolve(result);
    }
  }

  private receive(m: HostToOwnerMessage): void {
    if (m.type === 'response') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      p.resolve(m.result);
    } else if (m.type === 'event') {
      this.options.onEvent?.(m.event, m.payload);
    }
  }

  /** One engine call as a job. Never throws: failures (also of the host itself) come back in the envelope. */
  async call<M extends HostMethod>(
    method: M,
    params: HostParams<M>,
    jobId: string = randomUUID(),
  ): Promise<IpcResult<HostResult<M>>> {
    try {
      await this.start();
    } catch (e) {
      return fail(e);
    }
    const transport = this.transport;
    if (!transport) return fail(new EngineStoppedError('the compute engine is not running'));
    const id = randomUUID();
    return new Promise((resolve) => {
      this.pending.set(id, {
        resolve: resolve as (r: IpcResult<unknown>) => void,
        jobId,
        method,
        startedAt: Date.now(),
      });
      transport.post({ type: 'request', id, jobId, method, params });
    });
  }

  /** Asks the host to stop a job at its next step; false when no call with that job id is pending. */
  cancel(jobId: string): boolean {
    const known = [...this.pending.values()].some((p) => p.jobId === jobId);
    if (known) this.transport?.post({ type: 'cancel', jobId });
    return known;
  }

  /** Kills the host for good (app quit, server shutdown); pending calls fail with EngineStoppedError. */
  stop(): void {
    this.stopped = true;
    const t = this.transport;
    if (t) t.kill();
    else this.setStatus({ state: 'stopped', message: 'compute engine stopped' });
  }
}
