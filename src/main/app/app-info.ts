import { app } from 'electron';
import type { AppInfo } from '@shared/ipc';

export const PRODUCT_NAME = 'CT Audit';

/** The app's half of `app:info` (the engine host adds its own). */
export function getAppInfo(): Omit<AppInfo, 'engine'> {
  return {
    name: PRODUCT_NAME,
    version: app.getVersion(),
    mode: 'electron',
    versions: {
      electron: process.versions.electron,
      chrome: process.versions.chrome,
      node: process.versions.node,
      v8: process.versions.v8,
    },
    platform: process.platform,
    arch: process.arch,
  };
}
