/**
 * An engine host for Electron main's tests that records what main sends it and answers every call
 * with `{ method, params }` (engine:info with an engine description), so a test can check exactly
 * which method and parameters (resolved, granted paths) a renderer request became.
 */
import type { HostToOwnerMessage, OwnerToHostMessage } from '@shared/host-protocol';
import { HostClient } from '../../../src/main/gateway/host-client';

export interface RecordingEngine {
  client: HostClient;
  /** Requests that reached the engine (engine:info left out). */
  calls: { method: string; params: unknown; jobId: string }[];
}

export function recordingEngine(): RecordingEngine {
  const calls: RecordingEngine['calls'] = [];
  const client = new HostClient({
    spawn: () => {
      const listeners: ((m: HostToOwnerMessage) => void)[] = [];
      const emit = (m: HostToOwnerMessage): void => {
        setTimeout(() => listeners.forEach((l) => l(m)), 0);
      };
      emit({ type: 'ready', pid: 1 });
      return {
        post: (m: OwnerToHostMessage) => {
          if (m.type !== 'request') return;
          if (m.method !== 'engine:info') calls.push({ method: m.method, params: m.params, jobId: m.jobId });
          const value =
            m.method === 'engine:info'
              ? { available: true, message: 'recording engine', features: ['dicom'] }
              : { method: m.method, params: m.params };
          emit({ type: 'response', id: m.id, result: { ok: true, value } });
        },
        onMessage: (l) => listeners.push(l),
        onExit: () => undefined,
        kill: () => undefined,
      };
    },
  });
  return { client, calls };
}
