import { defineStore } from 'pinia';
import { ref } from 'vue';
import { CtAuditError } from '@shared/errors';
import { IpcError, type AppInfo } from '@shared/ipc';
import { connection, type CtAuditClient } from '../api';

/** What the view shows for a failure: plain data, so it renders and serializes without surprises. */
export interface UiError {
  name: string;
  code: string;
  message: string;
}

export function toUiError(e: unknown): UiError {
  if (e instanceof CtAuditError || e instanceof IpcError)
    return { name: e.name, code: e.code, message: e.message };
  if (e instanceof Error) return { name: e.name, code: 'INTERNAL', message: e.message };
  return { name: 'Error', code: 'INTERNAL', message: String(e) };
}

/** App-level state: the connection, the app's versions, and the last error (rendered by the view). */
export const useAppStore = defineStore('app', () => {
  const connected = connection.status === 'connected';
  const disconnectedReason = connection.status === 'disconnected' ? connection.reason : '';
  const info = ref<AppInfo | null>(null);
  const busy = ref(false);
  const error = ref<UiError | null>(null);
  const lastJobId = ref<string | null>(null);

  /** Runs one call against the client; any failure lands in `error` instead of escaping. */
  async function call<T>(fn: (client: CtAuditClient) => Promise<T>): Promise<T | undefined> {
    if (connection.status !== 'connected') return undefined;
    busy.value = true;
    error.value = null;
    try {
      return await fn(connection.client);
    } catch (e) {
      error.value = toUiError(e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }

  async function loadInfo(): Promise<void> {
    const result = await call((client) => client.appInfo());
    if (result) info.value = result;
  }

  /** Starts the bundled demo audit (the engine reports progress through job events). */
  async function startDemoAudit(): Promise<void> {
    const started = await call((client) => client.startJob({ kind: 'audit', spec: { preset: 'demo' } }));
    if (started) lastJobId.value = started.jobId;
  }

  function clearError(): void {
    error.value = null;
  }

  return {
    connected,
    disconnectedReason,
    info,
    busy,
    error,
    lastJobId,
    loadInfo,
    startDemoAudit,
    clearError,
  };
});
