/**
 * Channel and event names of the IPC contract, kept apart from ipc.ts's zod schemas so that the
 * sandboxed preload can import them without bundling zod. Import them from ipc.ts everywhere else
 * (it re-exports them); the contract itself is documented there.
 */

/** Request/response channels (renderer -> main), domain:verb. */
export const IpcChannel = {
  AppInfo: 'app:info',
  DicomScan: 'dicom:scan',
  JobStart: 'job:start',
  JobCancel: 'job:cancel',
} as const;
export type IpcChannel = (typeof IpcChannel)[keyof typeof IpcChannel];

/** Events pushed to the renderer (main -> renderer). */
export const IpcEvent = {
  JobProgress: 'job:progress',
  JobDone: 'job:done',
} as const;
export type IpcEvent = (typeof IpcEvent)[keyof typeof IpcEvent];
