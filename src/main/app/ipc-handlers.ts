/**
 * Main-process side of the IPC contract (src/shared/ipc.ts). Every channel goes through `handle`,
 * which rejects senders other than the app's own page and validates the request with the channel's
 * zod schema (`wrapHandler`) before the handler runs. Handlers return the error envelope, never throw.
 */
import { ipcMain, type WebContents } from 'electron';
import {
  ForbiddenError,
  IpcChannel,
  NotAvailableError,
  fail,
  wrapHandler,
  type IpcEvent,
  type IpcEventPayloads,
  type IpcHandler,
} from '@shared/ipc';
import { ENGINE_NOT_AVAILABLE, getAppInfo } from './app-info';
import { isAppUrl } from './renderer-location';

function handle<C extends IpcChannel>(channel: C, handler: IpcHandler<C>): void {
  const wrapped = wrapHandler(channel, handler);
  ipcMain.handle(channel, (event, raw: unknown) => {
    // senderFrame is null when the frame navigated away or was destroyed before the message arrived.
    const url = event.senderFrame?.url ?? '';
    if (!isAppUrl(url)) {
      console.warn(`[ipc] refused ${channel} from ${url || '(unknown frame)'}`);
      return fail(new ForbiddenError(`${channel} is only served to the app's own page`, { channel }));
    }
    return wrapped(raw);
  });
}

/** Engine channels until the engine host (utilityProcess) lands: a typed, honest refusal. */
function notAvailable<C extends IpcChannel>(channel: C): IpcHandler<C> {
  return () => {
    throw new NotAvailableError(ENGINE_NOT_AVAILABLE, { channel });
  };
}

export function registerIpcHandlers(): void {
  handle(IpcChannel.AppInfo, () => getAppInfo());
  handle(IpcChannel.DicomScan, notAvailable(IpcChannel.DicomScan));
  handle(IpcChannel.JobStart, notAvailable(IpcChannel.JobStart));
  handle(IpcChannel.JobCancel, notAvailable(IpcChannel.JobCancel));
}

/** Pushes a typed event to one renderer (the preload forwards it to `onJobProgress` etc.). */
export function sendEvent<E extends IpcEvent>(
  contents: WebContents,
  event: E,
  payload: IpcEventPayloads[E],
): void {
  if (!contents.isDestroyed()) contents.send(event, payload);
}
