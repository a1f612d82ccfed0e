/**
 * A stand-in engine host for the web server's tests: answers engine:info, echoes every other call with a
 * typed array, and holds `dicom:slice` calls on series 'hold' until a call on series 'release' arrives
 * (a long job that must outlive whatever other clients do meanwhile).
 */
import type { HostToOwnerMessage } from '@shared/host-protocol';
import { IpcChannel } from '@shared/ipc';
import { HostClient } from '../../../src/main/gateway';

export function fakeEngine(): HostClient {
  return new HostClient({
    spawn: () => {
      const listeners: ((m: HostToOwnerMessage) => void)[] = [];
      const emit = (m: HostToOwnerMessage): void => {
        setTimeout(() => listeners.forEach((l) => l(m)), 0);
      };
      const held: string[] = [];
      emit({ type: 'ready', pid: 1 });
      return {
        post: (m) => {
          if (m.type !== 'request') return;
          const key = (m.params as { seriesKey?: string } | undefined)?.seriesKey;
          if (m.method === IpcChannel.DicomSlice && key === 'hold') {
            held.push(m.id);
            return;
          }
          if (m.method === IpcChannel.DicomSlice && key === 'release') {
            for (const id of held.splice(0))
              emit({ type: 'response', id, result: { ok: true, value: { released: true } } });
          }
          const value =
            m.method === 'engine:info'
              ? { available: true, message: 'fake', features: ['dicom'] }
              : { echo: m.params, pixels: new Float32Array([1, 2, 3]) };
          emit({ type: 'response', id: m.id, result: { ok: true, value } });
        },
        onMessage: (l) => listeners.push(l),
        onExit: () => undefined,
        kill: () => undefined,
      };
    },
  });
}
