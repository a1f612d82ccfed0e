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
  type ModelRef,
} from '@shared/ipc';
import { ENGINE_INFO_METHOD, isEngineChannel } from '@shared/host-protocol';
import { fsList } from './fs-list';
import { auditDir, auditFolder, batchDir, modelDir } from '../engine/host/workspace';
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
      case IpcChannel.DialogOpenNetwork:
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
      case IpcChannel.AuditList:
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
      case IpcChannel.ModelImport: {
        const r = request as IpcRequest<typeof IpcChannel.ModelImport>;
        // The network file must be inside what the user picked; the model goes to the workspace.
        const source = await this.o.paths.check(r.source);
        const outDir = modelDir(this.o.workspace, r.name);
        return this.o.host.call(IpcChannel.ModelImport, { ...r, source, outDir }, r.jobId ?? randomUUID());
      }
      case IpcChannel.RobustnessRun: {
        const r = request as IpcRequest<typeof IpcChannel.RobustnessRun>;
        const models = await Promise.all(r.models.map((m) => this.resolveModel(m)));
        return this.o.host.call(IpcChannel.RobustnessRun, { ...r, models }, r.jobId ?? randomUUID());
      }
      case IpcChannel.AuditRun: {
        const r = request as IpcRequest<typeof IpcChannel.AuditRun>;
        const models = await Promise.all(r.models.map((m) => this.resolveModel(m)));
        const data = await Promise.all(r.data.map((d) => (d === 'ellipses' ? d : this.o.paths.check(d))));
        const outDir = auditDir(this.o.workspace, r.name);
        return this.o.host.call(IpcChannel.AuditRun, { ...r, models, data, outDir }, r.jobId ?? randomUUID());
      }
      case IpcChannel.AuditImages: {
        const r = request as IpcRequest<typeof IpcChannel.AuditImages>;
        return this.o.host.call(IpcChannel.AuditImages, { ...r, dir: auditFolder(this.o.workspace, r) });
      }
      case IpcChannel.BatchRun: {
        const r = request as IpcRequest<typeof IpcChannel.BatchRun>;
        const models = await Promise.all(r.models.map((m) => this.resolveModel(m)));
        const folders = await Promise.all(r.folders.map((d) => this.o.paths.check(d)));
        const outDir = batchDir(this.o.workspace, r.name);
        return this.o.host.call(
          IpcChannel.BatchRun,
          { ...r, models, folders, outDir },
          r.jobId ?? randomUUID(),
        );
      }
      case IpcChannel.BatchGet: {
        const r = request as IpcRequest<typeof IpcChannel.BatchGet>;
        return this.o.host.call(IpcChannel.BatchGet, {
          name: r.name,
          dir: batchDir(this.o.workspace, r.name),
        });
      }
      case IpcChannel.AuditSummary: {
        const r = request as IpcRequest<typeof IpcChannel.AuditSummary>;
        return this.o.host.call(IpcChannel.AuditSummary, {
          name: r.name,
          dir: auditFolder(this.o.workspace, r),
        });
      }
      case IpcChannel.AuditReport: {
        const r = request as IpcRequest<typeof IpcChannel.AuditReport>;
        return this.o.host.call(
          IpcChannel.AuditReport,
          { name: r.series ?? r.name, dir: auditFolder(this.o.workspace, r) },
          r.jobId ?? randomUUID(),
        );
      }
      case IpcChannel.AuditOpenReport:
        throw new NotAvailableError('opening files is done by the desktop app or the browser', { channel });
      default: {
        if (!isEngineChannel(channel))
          throw new NotAvailableError(`${channel} is not served here`, { channel });
        const jobId = (request as { jobId?: string }).jobId ?? randomUUID();
        return this.o.host.call(channel, request as never, jobId);
      }
    }
  }

  /** A model reference -> plain FBP or a folder (workspace names resolved, picked paths checked). */
  private async resolveModel(
    m: ModelRef,
  ): Promise<{ kind: 'fbp' } | { kind: 'path'; path: string; name: string }> {
    if (m.kind === 'fbp') return m;
    if (m.kind === 'workspace')
      return { kind: 'path', path: modelDir(this.o.workspace, m.name), name: m.name };
    const real = await this.o.paths.check(m.path);
    const name =
      path
        .basename(real)
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .replace(/^[^A-Za-z0-9]+/, '') || 'model';
    return { kind: 'path', path: real, name: name.slice(0, 56) };
  }

  private async appInfo(): Promise<AppInfo> {
    const r = await this.o.host.call(ENGINE_INFO_METHOD, undefined);
    const engine: EngineInfo = r.ok
      ? r.value
      : { available: false, message: `The compute engine is not running: ${r.error.message}`, features: [] };
    return { ...this.o.app(), engine };
  }
}
