/**
 * Spawns the engine host in a Node worker thread and adapts it to HostTransport (host-client.ts).
 * Used by `ct-audit serve` and the tests; Electron uses a utilityProcess instead (src/main/app).
 */
import { Worker } from 'node:worker_threads';
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { transferables } from '@shared/wire';
import { workerScript } from '../engine/worker-script';
import type { HostTransport } from './host-client';

export interface WorkerHostOptions {
  /** Extra environment for the worker (e.g. CT_AUDIT_BACKEND). */
  env?: Record<string, string>;
}

export function spawnWorkerHost(options: WorkerHostOptions = {}): HostTransport {
  const script = workerScript(
    new URL('../engine/host/worker-bootstrap.mjs', import.meta.url),
    'engine-host-worker',
  );
  const worker = new Worker(script, {
    env: { ...process.env, ...options.env },
    stdout: false,
    stderr: false,
  });
  const exitListeners: ((info: { code: number | null; reason: string }) => void)[] = [];
  let exited = false;
  let lastError = '';
  worker.on('error', (e) => {
    lastError = e instanceof Error ? e.message : String(e);
  });
  worker.on('exit', (code) => {
    exited = true;
    const reason = lastError ? `${lastError} (exit code ${code})` : `exit code ${code}`;
    for (const l of exitListeners) l({ code, reason });
  });
  return {
    post(message: OwnerToHostMessage) {
      if (!exited) worker.postMessage(message, transferables(message));
    },
    onMessage(listener) {
      worker.on('message', (m: HostToOwnerMessage) => listener(m));
    },
    onExit(listener) {
      exitListeners.push(listener);
    },
    kill() {
      void worker.terminate();
    },
  };
}
