/**
 * host: the engine host (engine calls as jobs with progress, cancellation and the error envelope) and
 * its owner's side.
 *
 *   createJobContext / noJob                      job-context.ts: what an engine call sees of its job
 *   createEngineHost(send)                        host.ts: the host itself (methods/ holds the calls)
 *   spawnWorkerHost()                             worker-host.ts: the host in a Node worker thread
 *   HostClient                                    host-client.ts: start timeout, calls, cancel, restart
 *   Gateway                                       gateway.ts: validation + picked paths + routing
 *   PathPolicy                                    path-policy.ts: what a renderer may name
 */
export {
  createJobContext,
  noJob,
  type JobContext,
  type JobContextOptions,
  type ProgressUpdate,
} from './job-context';
export {
  createEngineHost,
  defaultMethods,
  type EngineHost,
  type EngineHostOptions,
  type MethodTable,
} from './host';
export { spawnWorkerHost, type WorkerHostOptions } from './worker-host';
export { HostClient, type HostClientOptions, type HostTransport } from './host-client';
export { Gateway, type GatewayOptions, type LocalHandlers } from './gateway';
export { PathPolicy, isInside } from './path-policy';
