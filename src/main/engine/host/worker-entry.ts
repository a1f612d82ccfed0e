/**
 * Entry of the engine host in a Node worker thread (`ct-audit serve`, tests). Results' typed arrays
 * are transferred, not copied (wire.ts `transferables`).
 */
import { parentPort } from 'node:worker_threads';
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { transferables } from '@shared/wire';
import { createEngineHost } from './host';

const port = parentPort;
if (!port) throw new Error('worker-entry.ts runs in a worker thread (spawn it with spawnWorkerHost)');

function send(message: HostToOwnerMessage): void {
  port!.postMessage(message, transferables(message));
}

const host = createEngineHost(send);
port.on('message', (m: OwnerToHostMessage) => host.receive(m));
send({ type: 'ready', pid: process.pid });
