import type { CtAuditApi } from '@shared/api';

declare global {
  interface Window {
    /**
     * Set by the Electron preload. Absent when the renderer runs in a plain browser (web mode), so
     * renderer code reaches it only through src/renderer/src/api.ts, which handles both cases.
     */
    readonly ctAudit?: CtAuditApi;
  }
}

export {};
