import { defineStore } from 'pinia';
import { ref } from 'vue';
import { IpcEvent, type AppInfo, type HostStatus } from '@shared/ipc';
import { connection, type CtAuditClient } from '../api';
import { toUiError, type UiError } from '../lib/errors';

/** App-level state: the connection, the app and engine info, the engine host's status, the last error. */
export const useAppStore = defineStore('app', () => {
  const connected = connection.status === 'connected';
  const disconnectedReason = connection.status === 'disconnected' ? connection.reason : '';
  const transport = connection.status === 'connected' ? connection.client.transport : null;
  const info = ref<AppInfo | null>(null);
  const error = ref<UiError | null>(null);
  const host = ref<HostStatus | null>(null);
  /** Web mode: 'open' while the WebSocket is up. */
  const socket = ref<{ state: 'connecting' | 'open' | 'closed'; detail: string }>({
    state: connected ? 'connecting' : 'closed',
    detail: '',
  });

  function client(): CtAuditClient | undefined {
    return connection.status === 'connected' ? connection.client : undefined;
  }

  function showError(e: unknown): void {
    error.value = toUiError(e);
  }

  async function loadInfo(): Promise<void> {
    const c = client();
    if (!c) return;
    try {
      info.value = await c.invoke('app:info', undefined);
    } catch (e) {
      showError(e);
    }
  }

  function start(): void {
    const c = client();
    if (!c) return;
    c.on(IpcEvent.HostStatus, (s) => {
      const was = host.value?.state;
      host.value = s;
      if (s.state === 'ready' && was && was !== 'ready') void loadInfo();
    });
    if (c.onSocketState) {
      c.onSocketState((state, detail) => {
        const was = socket.value.state;
        socket.value = { state, detail };
        if (state === 'open' && was !== 'open') void loadInfo();
      });
    } else {
      socket.value = { state: 'open', detail: 'desktop app' };
      void loadInfo();
    }
  }

  function has(feature: string): boolean {
    return info.value?.engine.features.includes(feature as never) ?? false;
  }

  return {
    connected,
    disconnectedReason,
    transport,
    info,
    error,
    host,
    socket,
    client,
    showError,
    clearError: () => (error.value = null),
    loadInfo,
    start,
    has,
  };
});
