/**
 * gateway: the owner's side of the engine host, in Electron main and `ct-audit serve` (never in the engine):
 *
 *   Gateway                 gateway.ts: validation + picked paths + routing of every renderer request
 *   PathPolicy, isInside    path-policy.ts: what a renderer may name
 *   HostClient              host-client.ts: start timeout, calls, cancel, restart on crash, stop on quit
 *   spawnWorkerHost()       worker-host.ts: the engine host in a Node worker thread (serve, tests)
 *   fsList                  fs-list.ts: folder listing for the web mode's picker
 */
export { Gateway, type GatewayOptions, type LocalHandlers } from './gateway';
export { PathPolicy, isInside } from './path-policy';
export { HostClient, type HostClientOptions, type HostTransport } from './host-client';
export { spawnWorkerHost, type WorkerHostOptions } from './worker-host';
