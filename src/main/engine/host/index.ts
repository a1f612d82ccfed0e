/**
 * host: the engine host (engine calls as jobs with progress, cancellation and the error envelope). Its
 * owner's side (HostClient, Gateway, PathPolicy, spawnWorkerHost) is src/main/gateway.
 *
 *   createJobContext / noJob                      ../job-context.ts: what an engine call sees of its job
 *   createEngineHost(send)                        host.ts: the host itself (methods/ holds the calls)
 */
export {
  createJobContext,
  noJob,
  type JobContext,
  type JobContextOptions,
  type ProgressUpdate,
} from '../job-context';
export {
  createEngineHost,
  defaultMethods,
  type EngineHost,
  type EngineHostOptions,
  type MethodTable,
} from './host';
