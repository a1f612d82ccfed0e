/**
 * Main-process side of the IPC contract (src/shared/ipc.ts). Every channel goes through `handle`,
 * which rejects senders other than the app's own page and hands the raw request to the Gateway
 * (zod validation, picked-path checks, engine host). Handlers return the error envelope, never throw.
 */
import { BrowserWindow, ipcMain } from 'electron';
import { ForbiddenError, IpcChannel, fail, ok, type IpcEvent, type IpcEventPayloads } from '@shared/ipc';
import { PRELOAD_DROP_CHANNEL } from '@shared/ipc-channels';
import { z } from 'zod';
import type { Gateway } from '../gateway/gateway';
import type { PathPolicy } from '../gateway/path-policy';
import { log } from './log';
import { isAppUrl } from './renderer-location';

function fromAppPage(event: Electron.IpcMainInvokeEvent, channel: string): boolean {
  // senderFrame is null when the frame navigated away or was destroyed before the message arrived.
  const url = event.senderFrame?.url ?? '';
  if (isAppUrl(url)) return true;
  log('ipc', `refused ${channel} from ${url || '(unknown frame)'}`, 'warn');
  return false;
}

const DropSchema = z.array(z.string().min(1).max(4096)).max(1000);

export function registerIpcHandlers(gateway: Gateway, policy: PathPolicy): void {
  for (const channel of Object.values(IpcChannel)) {
    ipcMain.handle(channel, (event, raw: unknown) => {
      if (!fromAppPage(event, channel))
        return fail(new ForbiddenError(`${channel} is only served to the app's own page`, { channel }));
      return gateway.invoke(channel, raw);
    });
  }
  // Sent by the preload only: it reads the paths of files dropped on the window from the DOM's File
  // objects (which page scripts cannot forge), so a drop counts as a pick, like a dialog.
  ipcMain.handle(PRELOAD_DROP_CHANNEL, async (event, raw: unknown) => {
    if (!fromAppPage(event, PRELOAD_DROP_CHANNEL))
      return fail(new ForbiddenError('drops are only accepted from the app page'));
    const parsed = DropSchema.safeParse(raw);
    if (!parsed.success) return fail(new ForbiddenError('malformed drop'));
    // The preload sends only non-empty paths (the schema refuses an empty one).
    const paths = parsed.data;
    for (const p of paths) await policy.allow(p);
    return ok({ paths });
  });
}

/** Pushes a typed event to every window showing the app's page. */
export function broadcast<E extends IpcEvent>(event: E, payload: IpcEventPayloads[E]): void {
  for (const win of BrowserWindow.getAllWindows()) {
    const contents = win.webContents;
    if (!contents.isDestroyed() && isAppUrl(contents.getURL())) contents.send(event, payload);
  }
}
