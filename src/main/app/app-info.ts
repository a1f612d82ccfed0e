import { app } from 'electron';
import type { AppInfo } from '@shared/ipc';

export const PRODUCT_NAME = 'CT Audit';

/** Shown by the UI, and the reason the engine channels answer NotAvailableError. */
export const ENGINE_NOT_AVAILABLE =
  'The compute engine is not part of this build yet: DICOM scans, training and audits arrive with the engine host.';

/** `app:info`: what the About box and the status bar show. */
export function getAppInfo(): AppInfo {
  return {
    name: PRODUCT_NAME,
    version: app.getVersion(),
    versions: {
      electron: process.versions.electron,
      chrome: process.versions.chrome,
      node: process.versions.node,
      v8: process.versions.v8,
    },
    platform: process.platform,
    arch: process.arch,
    engine: { available: false, message: ENGINE_NOT_AVAILABLE },
  };
}
