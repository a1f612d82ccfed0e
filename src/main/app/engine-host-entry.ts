/**
 * Entry of the engine host in an Electron utilityProcess (built as its own file by electron-vite,
 * imported by engine-process.ts with `?modulePath`). No Electron module is imported: the process talks
 * to main through `process.parentPort`, which Electron provides in utility processes. Messages are
 * structured-cloned, so typed arrays arrive as typed arrays.
 */
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { createEngineHost } from '../engine/host/host';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;
if (!parentPort) throw new Error('engine-host-entry runs in an Electron utilityProcess');

function send(message: HostToOwnerMessage): void {
  try {
    parentPort!.postMessage(message);
  } catch (e) {
    console.error(`[engine] could not send a ${message.type} message: ${String(e)}`);
  }
}

const host = createEngineHost(send);
parentPort.on('message', (e) => host.receive(e.data as OwnerToHostMessage));
process.on('uncaughtException', (e) => {
  console.error('[engine] uncaught exception:', e);
  process.exit(70);
});
send({ type: 'ready', pid: process.pid });
