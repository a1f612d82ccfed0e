/**
 * The engine host: runs engine calls as jobs (id, throttled progress events, cancellation, the result
 * or a typed error in the envelope) for whoever owns it: an Electron utilityProcess, a Node worker
 * thread (`ct-audit serve`, tests), or in-process for unit tests. Transport-agnostic: it receives
 * OwnerToHostMessages and emits HostToOwnerMessages through `send` (host-protocol.ts).
 */
import {
  IpcChannel,
  IpcEvent,
  InvalidRequestError,
  fail,
  ok,
  type JobDone,
  type JobProgress,
} from '@shared/ipc';
import { JobCancelledError } from '@shared/errors';
import {
  ENGINE_INFO_METHOD,
  type HostMethod,
  type HostToOwnerMessage,
  type OwnerToHostMessage,
} from '@shared/host-protocol';
import { createJobContext } from '../job-context';
import { SeriesStore } from './series-store';
import type { HostMethodImpl, MethodContext } from './methods/context';
import { dicomScan, dicomSlice } from './methods/dicom';
import { fbpReconstruct, fbpSeries } from './methods/fbp';
import { engineInfo } from './methods/info';
import { modelImport, modelList, trainDefaults, trainStart } from './methods/models';
import { robustnessRun } from './methods/robustness';
import {
  auditImages,
  auditList,
  auditReport,
  auditRun,
  auditSummary,
  batchGet,
  batchRun,
} from './methods/audit';

/** Progress events per job are sent at most this often (the last step of a phase always goes). */
const PROGRESS_INTERVAL_MS = 100;

export type MethodTable = Record<HostMethod, HostMethodImpl<never, unknown>>;

export function defaultMethods(): MethodTable {
  return {
    [ENGINE_INFO_METHOD]: () => engineInfo(['dicom', 'fbp', 'train', 'attack', 'certify', 'audit', 'batch']),
    [IpcChannel.DicomScan]: dicomScan as HostMethodImpl<never, unknown>,
    [IpcChannel.DicomSlice]: dicomSlice as HostMethodImpl<never, unknown>,
    [IpcChannel.FbpReconstruct]: fbpReconstruct as HostMethodImpl<never, unknown>,
    [IpcChannel.FbpSeries]: fbpSeries as HostMethodImpl<never, unknown>,
    [IpcChannel.TrainDefaults]: (async (p: { workspace: string }) => trainDefaults(p)) as HostMethodImpl<
      never,
      unknown
    >,
    [IpcChannel.TrainStart]: trainStart as HostMethodImpl<never, unknown>,
    [IpcChannel.ModelList]: modelList as HostMethodImpl<never, unknown>,
    [IpcChannel.ModelImport]: modelImport as HostMethodImpl<never, unknown>,
    [IpcChannel.RobustnessRun]: robustnessRun as HostMethodImpl<never, unknown>,
    [IpcChannel.AuditRun]: auditRun as HostMethodImpl<never, unknown>,
    [IpcChannel.AuditList]: auditList as HostMethodImpl<never, unknown>,
    [IpcChannel.AuditSummary]: auditSummary as HostMethodImpl<never, unknown>,
    [IpcChannel.AuditImages]: auditImages as HostMethodImpl<never, unknown>,
    [IpcChannel.AuditReport]: auditReport as HostMethodImpl<never, unknown>,
    [IpcChannel.BatchRun]: batchRun as HostMethodImpl<never, unknown>,
    [IpcChannel.BatchGet]: batchGet as HostMethodImpl<never, unknown>,
  };
}

export interface EngineHost {
  receive(message: OwnerToHostMessage): void;
  /** Jobs running now (tests). */
  readonly running: number;
}

export interface EngineHostOptions {
  /** Replaces or adds methods (tests use slow or failing fakes). */
  methods?: Partial<MethodTable>;
  now?: () => number;
}

function throttled(send: (p: JobProgress) => void, now: () => number): (p: JobProgress) => void {
  let last = -Infinity;
  let lastPhase = '';
  return (p) => {
    const t = now();
    if (p.phase !== lastPhase || p.step >= p.total || t - last >= PROGRESS_INTERVAL_MS) {
      last = t;
      lastPhase = p.phase;
      send(p);
    }
  };
}

export function createEngineHost(
  send: (message: HostToOwnerMessage) => void,
  options: EngineHostOptions = {},
): EngineHost {
  const methods: MethodTable = { ...defaultMethods(), ...options.methods } as MethodTable;
  const now = options.now ?? (() => performance.now());
  const jobs = new Map<string, AbortController>();
  const store = new SeriesStore();

  async function run(id: string, jobId: string, method: HostMethod, params: unknown): Promise<void> {
    const impl = Object.hasOwn(methods, method) ? methods[method] : undefined;
    if (!impl) {
      send({
        type: 'response',
        id,
        result: fail(new InvalidRequestError(`the engine has no method "${method}"`)),
      });
      return;
    }
    if (jobs.has(jobId)) {
      send({
        type: 'response',
        id,
        result: fail(new InvalidRequestError(`job id ${jobId} is already running`)),
      });
      return;
    }
    const controller = new AbortController();
    jobs.set(jobId, controller);
    const t0 = now();
    const job = createJobContext({
      jobId,
      signal: controller.signal,
      onProgress: throttled((payload) => send({ type: 'event', event: IpcEvent.JobProgress, payload }), now),
      now,
    });
    const ctx: MethodContext = { job, store };
    let result;
    try {
      result = ok(await (impl as HostMethodImpl<unknown, unknown>)(params, ctx));
    } catch (e) {
      result = fail(e);
    } finally {
      jobs.delete(jobId);
    }
    const done: JobDone = {
      jobId,
      channel: method,
      state: result.ok ? 'done' : result.error.code === 'CANCELLED' ? 'cancelled' : 'failed',
      ...(result.ok ? {} : { error: result.error }),
      elapsedMs: now() - t0,
    };
    // job:done first: whoever awaits the response then finds the job finished in its job list.
    send({ type: 'event', event: IpcEvent.JobDone, payload: done });
    send({ type: 'response', id, result });
  }

  return {
    receive(message) {
      if (message.type === 'request') {
        void run(message.id, message.jobId, message.method, message.params);
      } else if (message.type === 'cancel') {
        jobs.get(message.jobId)?.abort(new JobCancelledError(`job ${message.jobId} cancelled`));
      }
    },
    get running() {
      return jobs.size;
    },
  };
}
