/**
 * Failures as the UI shows them: what happened (the error's own message, which the engine writes for
 * people) and what to do next (by error code). Plain data, so stores can hold it and views render it.
 */
import { CtAuditError } from '@shared/errors';
import { IpcError } from '@shared/ipc';

export interface UiError {
  title: string;
  code: string;
  message: string;
  /** What the user can do about it. */
  hint: string;
}

const TITLES: Record<string, [string, string]> = {
  USAGE: ['Invalid settings', 'Change the highlighted settings and try again.'],
  INPUT: ['Cannot use this input', 'Choose another file or series, or open its folder again.'],
  SHAPE: ['Unexpected image size', 'Choose another slice or geometry.'],
  DICOM: [
    'DICOM file cannot be read',
    'Choose another file; the reason above says what is wrong with this one.',
  ],
  DICOM_UNSUPPORTED_TRANSFER_SYNTAX: [
    'Unsupported DICOM compression',
    'Convert the file to an uncompressed transfer syntax (e.g. with dcmdjpeg or gdcmconv) and open it again.',
  ],
  DICOM_NOT_CT: ['Not a CT image', 'CT Audit works on CT slices: open a CT series.'],
  DICOM_NO_PIXEL_DATA: ['No image in this DICOM file', 'Open the image files of the series instead.'],
  DICOM_TRUNCATED: [
    'DICOM file is incomplete',
    'The file was cut short (interrupted copy or download): copy it again.',
  ],
  BACKEND: ['Compute backend problem', 'Restart the app; if it persists, set CT_AUDIT_BACKEND=cpu.'],
  CANCELLED: ['Cancelled', 'Nothing was changed; run it again when you want.'],
  INTERNAL: ['Unexpected error', 'This is a bug: please report it with the message above.'],
  IPC_INVALID_REQUEST: [
    'Request refused',
    'Only files and folders you opened (File > Open, drag and drop, or the server folders) can be read.',
  ],
  IPC_NOT_AVAILABLE: ['Not available here', 'This build or mode does not offer it yet.'],
  IPC_FORBIDDEN: ['Request refused', 'Reload the app.'],
  IPC_ENGINE_STOPPED: [
    'Compute engine stopped',
    'It is restarted automatically: run the action again in a moment.',
  ],
  IPC_DISCONNECTED: [
    'Connection lost',
    'Check that `ct-audit serve` is still running, then run the action again.',
  ],
};

export function toUiError(e: unknown): UiError {
  const code = e instanceof CtAuditError || e instanceof IpcError ? e.code : 'INTERNAL';
  const [title, hint] = TITLES[code] ?? TITLES.INTERNAL;
  const message = e instanceof Error ? e.message : String(e);
  return { title, code, message, hint };
}
