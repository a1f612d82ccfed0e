/**
 * The serving side's trust boundary, shared by Electron main and `ct-audit serve`: every renderer
 * request is validated (channel known, zod schema, paths inside what the user picked) and then
 * answered locally (app info, folder listing, Electron's dialogs) or forwarded to the engine host.
 * Never throws: the answer is always the IpcResult envelope.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  IpcChannel,
  NotAvailableError,
  fail,
  ok,
  parseRequest,
  type AppInfo,
  type EngineInfo,
  type IpcRequest,
  type IpcResponse,
  type IpcResult,
} from '@shared/ipc';
import { ENGINE_INFO_METHOD, isEngineChannel } from '@shared/host-protocol';
import { fsList } from './fs-list';
import { modelDir } from './workspace';
import type { HostClient } from './host-client';
import type { PathPolicy } from './path-policy';

export type LocalHandlers = {
  [C in IpcChannel]?: (request: IpcRequest<C>) => Promise<IpcResponse<C>> | IpcResponse<C>;
};

export interface GatewayOptions {
  host: HostClient;
  paths: PathPolicy;
  /** The app's half of `app:info` (the engine's half comes from the host). */
  app: () => Omit<AppInfo, 'engine'>;
  /** Channels answered by the owner itself (Electron: dialogs). */
  local?: LocalHandlers;
  /** Why `dialog:open-dicom` is not available when `local` has no handler for it. */
  noDialogMessage?: string;
  /** The workspace folder (models/<name>/ ...): written by training, read by model:list. */
  workspace: string;
}

export class Gateway {
  constructor(private readonly o: GatewayOptions) {}

  async invoke(channel: unknown, raw: unknown): Promise<IpcResult<unknown>> {
    try {
      // parseRequest refuses unknown channels too (InvalidRequestError).
      const request = parseRequest(channel as IpcChannel, raw);
      return await this.route(channel as IpcChannel, request);
    } catch (e) {
      return fail(e);
    }
  }

  private async route<C extends IpcChannel>(channel: C, request: IpcRequest<C>): Promise<IpcResult<unknown>> {
    const local = this.o.local?.[channel] as ((r: IpcRequest<C>) => unknown) | undefined;
    if (local) return ok(await local(request));
    switch (channel) {
      case IpcChannel.AppInfo:
        return ok(await this.appInfo());
      case IpcChannel.DialogOpenDicom:
      case IpcChannel.DialogOpenModel:
        throw new NotAvailableError(
          this.o.noDialogMessage ?? 'file dialogs are not available here: type or browse to a folder instead',
          { channel },
        );
      case IpcChannel.FsList:
        return ok(await fsList(this.o.paths, request as IpcRequest<typeof IpcChannel.FsList>));
      case IpcChannel.JobCancel: {
        const { jobId } = request as IpcRequest<typeof IpcChannel.JobCancel>;
        return ok({ cancelled: this.o.host.cancel(jobId) });
      }
      case IpcChannel.DicomScan: {
        const r = request as IpcRequest<typeof IpcChannel.DicomScan>;
        // Every path must be inside what the user picked; the engine gets the resolved paths.
        const paths = await Promise.all(r.paths.map((p) => this.o.paths.check(p)));
        return this.o.host.call(IpcChannel.DicomScan, { ...r, paths }, r.jobId ?? randomUUID());
      }
      case IpcChannel.TrainDefaults:
      case IpcChannel.ModelList:
        return this.o.host.call(channel, { workspace: this.o.workspace });
      case IpcChannel.TrainStart: {
        const r = request as IpcRequest<typeof IpcChannel.TrainStart>;
        const data =
          r.data.kind === 'path'
            ? { kind: 'path' as const, path: await this.o.paths.check(r.data.path) }
            : r.data;
        const outDir = modelDir(this.o.workspace, r.name);
        return this.o.host.call(IpcChannel.TrainStart, { ...r, data, outDir }, r.jobId ?? randomUUID());
      }
      case IpcChannel.RobustnessRun: {
        const r = request as IpcRequest<typeof IpcChannel.RobustnessRun>;
        const model =
          r.model.kind === 'fbp'
            ? r.model
            : r.model.kind === 'workspace'
              ? { kind: 'path' as const, path: modelDir(this.o.workspace, r.model.name), name: r.model.name }
              : {
                  kind: 'path' as const,
                  path: await this.o.paths.check(r.model.path),
                  name: path.basename(r.model.path),
                };
        return this.o.host.call(IpcChannel.RobustnessRun, { ...r, model }, r.jobId ?? randomUUID());
      }
      default: {
        if (!isEngineChannel(channel))
          throw new NotAvailableError(`${channel} is not served here`, { channel });
        const jobId = (request as { jobId?: string }).jobId ?? randomUUID();
        return this.o.host.call(channel, request as never, jobId);
      }
    }
  }

  private async appInfo(): Promise<AppInfo> {
    const r = await this.o.host.call(ENGINE_INFO_METHOD, undefined);
    const engine: EngineInfo = r.ok
      ? r.value
      : { available: false, message: `The compute engine is not running: ${r.error.message}`, features: [] };
    return { ...this.o.app(), engine };
  }
}
