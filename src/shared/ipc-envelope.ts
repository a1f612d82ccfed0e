/**
 * The error envelope every response and job outcome travels in, over every transport (Electron IPC,
 * Node worker / utilityProcess messages, WebSocket), and the transport-level error classes.
 *
 * Why it exists: Electron does not carry errors across IPC. An error thrown in an `ipcMain.handle`
 * handler reaches the renderer as a plain Error whose message is prefixed with "Error invoking
 * remote method ..." and whose name, `code` and `details` are gone; an error rejected through
 * `contextBridge` also loses its custom properties; worker messages and WebSocket frames carry no
 * classes at all. So handlers never throw across a boundary: they return `{ ok: false, error }` with
 * the fields that matter, and the receiving side rebuilds a typed Error from them (`rebuildError`).
 *
 * Pure TypeScript: no zod, Electron, Node or DOM APIs.
 */
import {
  BackendError,
  CtAuditError,
  DicomError,
  InputError,
  JobCancelledError,
  NotCtError,
  NotHuError,
  ShapeError,
  UnsupportedTransferSyntaxError,
  UsageError,
  type ErrorCode,
} from './errors';

export interface SerializedError {
  /** Class name on the serving side (informative; rebuilding goes by `code`, which is stable). */
  name: string;
  code: ErrorCode | IpcErrorCode;
  message: string;
  /** JSON-safe details (structured-clone and JSON both carry them). */
  details?: Record<string, unknown>;
}

export type IpcResult<T> = { ok: true; value: T } | { ok: false; error: SerializedError };

/** Codes for failures of the transport itself, not of the engine (those are `ErrorCode`s). */
export type IpcErrorCode =
  'IPC_INVALID_REQUEST' | 'IPC_NOT_AVAILABLE' | 'IPC_FORBIDDEN' | 'IPC_ENGINE_STOPPED' | 'IPC_DISCONNECTED';

/** A failure at the IPC boundary: a request that did not validate, a feature this build lacks. */
export class IpcError extends Error {
  readonly code: IpcErrorCode;
  readonly details?: Record<string, unknown>;
  constructor(code: IpcErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
}

/** The request did not match the channel's schema (a renderer bug, or a renderer not to be trusted). */
export class InvalidRequestError extends IpcError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IPC_INVALID_REQUEST', message, details);
  }
}

/** The channel exists in the contract but this build cannot serve it yet. */
export class NotAvailableError extends IpcError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IPC_NOT_AVAILABLE', message, details);
  }
}

/** The request came from a frame that is not the app's own page. */
export class ForbiddenError extends IpcError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IPC_FORBIDDEN', message, details);
  }
}

/**
 * The engine host process stopped (crashed, was killed, or did not start in time) while a request was
 * pending. The host is restarted by its owner; the user can run the action again.
 */
export class EngineStoppedError extends IpcError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IPC_ENGINE_STOPPED', message, details);
  }
}

/** The transport to the serving side is gone (web mode: the WebSocket closed and did not come back). */
export class DisconnectedError extends IpcError {
  constructor(message: string, details?: Record<string, unknown>) {
    super('IPC_DISCONNECTED', message, details);
  }
}

/** Keeps only what survives JSON (and therefore structured clone): no functions, cycles, tensors. */
function jsonSafe(details: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (details === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(details)) as Record<string, unknown>;
  } catch {
    return { unserializable: true };
  }
}

/** Any thrown value -> the envelope's error. Unknown errors become INTERNAL with their message. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof CtAuditError || e instanceof IpcError) {
    return { name: e.name, code: e.code, message: e.message, details: jsonSafe(e.details) };
  }
  if (e instanceof Error) return { name: e.name, code: 'INTERNAL', message: e.message };
  return { name: 'Error', code: 'INTERNAL', message: String(e) };
}

export function ok<T>(value: T): IpcResult<T> {
  return { ok: true, value };
}

export function fail(e: unknown): { ok: false; error: SerializedError } {
  return { ok: false, error: serializeError(e) };
}

function detail(d: Record<string, unknown>, key: string): string {
  const v = d[key];
  return typeof v === 'string' ? v : '';
}

function without(d: Record<string, unknown>, ...keys: string[]): Record<string, unknown> | undefined {
  const rest = Object.fromEntries(Object.entries(d).filter(([k]) => !keys.includes(k)));
  return Object.keys(rest).length > 0 ? rest : undefined;
}

/**
 * The envelope's error -> a typed Error on the receiving side (`instanceof UsageError` etc. work).
 * Rebuilt by `code`, which errors.ts keeps stable, not by class name, which bundlers may rename.
 */
export function rebuildError(s: SerializedError): CtAuditError | IpcError {
  const d = s.details ?? {};
  switch (s.code) {
    case 'USAGE':
      return new UsageError(s.message, s.details);
    case 'INPUT':
      return new InputError(s.message, s.details);
    case 'SHAPE':
      return new ShapeError(s.message, s.details);
    case 'BACKEND':
      return new BackendError(s.message, s.details);
    case 'CANCELLED':
      return new JobCancelledError(s.message);
    case 'DICOM_UNSUPPORTED_TRANSFER_SYNTAX':
      return new UnsupportedTransferSyntaxError(detail(d, 'file'), detail(d, 'uid'), detail(d, 'name'));
    case 'DICOM_NOT_CT':
      return new NotCtError(detail(d, 'file'), detail(d, 'modality'));
    case 'DICOM_NOT_HU':
      return new NotHuError(detail(d, 'file'), detail(d, 'reason'), without(d, 'file', 'reason'));
    case 'DICOM':
    case 'DICOM_NO_PIXEL_DATA':
    case 'DICOM_TRUNCATED':
      // DicomError's message is "<file>: <reason>", rebuilt from the details it always carries.
      return new DicomError(detail(d, 'file'), detail(d, 'reason'), s.code, without(d, 'file', 'reason'));
    case 'INTERNAL':
      return new CtAuditError('INTERNAL', s.message, { ...s.details, remoteName: s.name });
    case 'IPC_INVALID_REQUEST':
      return new InvalidRequestError(s.message, s.details);
    case 'IPC_NOT_AVAILABLE':
      return new NotAvailableError(s.message, s.details);
    case 'IPC_FORBIDDEN':
      return new ForbiddenError(s.message, s.details);
    case 'IPC_ENGINE_STOPPED':
      return new EngineStoppedError(s.message, s.details);
    case 'IPC_DISCONNECTED':
      return new DisconnectedError(s.message, s.details);
    default: {
      // A code this build does not know (a newer serving side): keep everything, mark it internal.
      const unknownCode: never = s.code;
      return new CtAuditError('INTERNAL', s.message, {
        ...s.details,
        remoteName: s.name,
        remoteCode: unknownCode,
      });
    }
  }
}

/** Returns the value or throws the rebuilt typed error. */
export function unwrap<T>(result: IpcResult<T>): T {
  if (result.ok) return result.value;
  throw rebuildError(result.error);
}
