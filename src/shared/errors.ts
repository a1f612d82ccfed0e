/**
 * Typed errors shared by every process. User-facing messages say what happened and what to do;
 * `code` is stable and machine-readable (it survives the IPC error envelope, see ipc.ts).
 */
export type ErrorCode =
  | 'USAGE'
  | 'INPUT'
  | 'SHAPE'
  | 'DICOM'
  | 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX'
  | 'DICOM_NOT_CT'
  | 'DICOM_NOT_HU'
  | 'DICOM_NO_PIXEL_DATA'
  | 'DICOM_TRUNCATED'
  | 'BACKEND'
  | 'CANCELLED'
  | 'INTERNAL';

export class CtAuditError extends Error {
  readonly code: ErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** Bad command-line usage or an invalid option value (CLI exit code 2). */
export class UsageError extends CtAuditError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('USAGE', message, details);
  }
}

/** Input that cannot be used: unreadable file, wrong format, NaN values (CLI exit code 1). */
export class InputError extends CtAuditError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('INPUT', message, details);
  }
}

/** A tensor or array with the wrong shape; the message names the op and both shapes. */
export class ShapeError extends CtAuditError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('SHAPE', message, details);
  }
}

/** A DICOM file that cannot be turned into a CT image. `file` and `reason` are always set. */
export class DicomError extends CtAuditError {
  readonly file: string;
  readonly reason: string;
  constructor(file: string, reason: string, code: ErrorCode = 'DICOM', details?: Record<string, unknown>) {
    super(code, `${file}: ${reason}`, { file, reason, ...details });
    this.file = file;
    this.reason = reason;
  }
}

export class UnsupportedTransferSyntaxError extends DicomError {
  readonly uid: string;
  constructor(file: string, uid: string, name: string) {
    super(file, `unsupported transfer syntax ${uid} (${name})`, 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX', {
      uid,
      name,
    });
    this.uid = uid;
  }
}

export class NotCtError extends DicomError {
  readonly modality: string;
  constructor(file: string, modality: string) {
    super(
      file,
      `modality is ${modality || '(missing)'}, not CT (pass --allow-non-ct to load it anyway)`,
      'DICOM_NOT_CT',
      { modality },
    );
    this.modality = modality;
  }
}

/**
 * A file labelled CT whose pixel values are not CT numbers: display values of a secondary capture (0..255),
 * or stored values whose modality LUT (Rescale Slope/Intercept) is missing or empty.
 */
export class NotHuError extends DicomError {
  constructor(file: string, reason: string, details?: Record<string, unknown>) {
    super(file, reason, 'DICOM_NOT_HU', details);
  }
}

export class BackendError extends CtAuditError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('BACKEND', message, details);
  }
}

/**
 * The GPU failed under a job (device lost, out of memory, a driver error). The job stops with this error;
 * the GPU backend stays unusable in this process, so the host restarts the engine (on wasm when asked).
 */
export class GpuFailureError extends BackendError {
  readonly kind: 'device-lost' | 'out-of-memory' | 'gpu-error';
  constructor(kind: GpuFailureError['kind'], message: string) {
    super(message, { gpuFailure: kind });
    this.kind = kind;
  }
}

export class JobCancelledError extends CtAuditError {
  constructor(message = 'cancelled') {
    super('CANCELLED', message);
  }
}

/** True for errors caused by the user's input or usage (printed as one line, no stack). */
export function isUserError(e: unknown): e is CtAuditError {
  return e instanceof CtAuditError && e.code !== 'INTERNAL';
}
