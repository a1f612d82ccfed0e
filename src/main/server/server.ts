/**
 * Web mode: serves the renderer build over HTTP and the IPC contract over a WebSocket, with the same
 * Gateway (validation, allowed paths) and engine host as the desktop app (DESIGN.md sections 1, 7).
 *
 * Security:
 * - binds 127.0.0.1 unless the caller passes another host explicitly;
 * - `/api/*` and the WebSocket upgrade pass one check (request-guard.ts): the Host names this server
 *   (DNS rebinding), the browser's Origin / Sec-Fetch-Site say it is this server's own page, and the
 *   random per-start token is given; static files (the app's own, public code) need the Host only;
 * - renderer-supplied paths must lie inside the --root folders (PathPolicy);
 * - responses carry the same Content-Security-Policy as the page's meta tag, nosniff, no referrer.
 *
 * Robustness: one client must not end the server for everyone. Every socket, request, response and
 * the servers themselves have an 'error' listener (an EventEmitter without one throws, which ends the
 * process with every session and job); a connection that sends something it must not is closed with
 * a close code that says why (web-protocol.ts WsCloseCode), and everyone else keeps being served.
 * Logs never carry the token (it is in request URLs, so URLs are not logged).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { IpcChannel, IpcEvent, type AppInfo } from '@shared/ipc';
import { INFO_PATH, TOKEN_PARAM, type WebServerMessage } from '@shared/web-protocol';
import { Gateway } from '../gateway/gateway';
import { HostClient } from '../gateway/host-client';
import { PathPolicy } from '../gateway/path-policy';
import { spawnWorkerHost } from '../gateway/worker-host';
import { auditFolder } from '../engine/host/workspace';
import { InputError } from '@shared/errors';
import { RequestGuard, hostLabel, parseUrl } from './request-guard';
import { securityHeaders, sendJson, sendText, serveDownload, serveStatic } from './static-files';
import { createWsEndpoint, errorText } from './ws-endpoint';

/** The audit runner's report file name (engine/audit REPORT_PDF; not imported: it would load the engine). */
const REPORT_PDF_NAME = 'report.pdf';

export const DEFAULT_HOST = '127.0.0.1';

export interface ServerOptions {
  host?: string;
  port?: number;
  /** The built renderer (out/renderer). */
  rendererDir: string;
  /** Folders the page may open (and browse with the server-side picker). */
  roots: string[];
  /** Where trained models are written (models/<name>/). */
  workspace: string;
  /** Fixed token (tests); default: 32 random bytes, base64url. */
  token?: string;
  /** Engine host; default: a worker thread (with `backend` as CT_AUDIT_BACKEND). */
  engine?: HostClient;
  backend?: string;
  appVersion: string;
  log?: (line: string) => void;
}

export interface RunningServer {
  /** http://host:port/?token=... : what the user opens. */
  url: string;
  origin: string;
  token: string;
  port: number;
  roots: string[];
  workspace: string;
  engine: HostClient;
  close(): Promise<void>;
}

export async function startServer(o: ServerOptions): Promise<RunningServer> {
  const bindHost = o.host ?? DEFAULT_HOST;
  const token = o.token ?? randomBytes(32).toString('base64url');
  const log = o.log ?? (() => undefined);
  const index = path.join(o.rendererDir, 'index.html');
  try {
    await stat(index);
  } catch {
    throw new Error(
      `the web UI is not built (${index} is missing): run \`npm run build\` (or \`npx electron-vite build\`) first`,
    );
  }

  const policy = new PathPolicy(
    'the folders this server shares',
    'to share it, restart `ct-audit serve` with --root <folder>',
  );
  for (const r of o.roots) await policy.allow(r);

  let port = o.port ?? 0;
  const guard = new RequestGuard({ bindHost, port: () => port, token });
  // Requests go to the Gateway below (which needs the engine, which broadcasts through this endpoint).
  const endpoint = createWsEndpoint({
    invoke: (channel, params) => gateway.invoke(channel, params),
    guard,
    engineStatus: () => engine.status,
    log,
  });
  const broadcast = (message: WebServerMessage): void => endpoint.broadcast(message);
  const engine =
    o.engine ??
    new HostClient({
      spawn: () => spawnWorkerHost({ env: o.backend ? { CT_AUDIT_BACKEND: o.backend } : {} }),
      onStatus: (payload) => {
        log(`engine ${payload.state}: ${payload.message}`);
        broadcast({ type: 'event', event: IpcEvent.HostStatus, payload });
      },
      onEvent: (event, payload) => broadcast({ type: 'event', event, payload }),
    });

  const appInfo = (): Omit<AppInfo, 'engine'> => ({
    name: 'CT Audit',
    version: o.appVersion,
    mode: 'web',
    versions: { electron: '', chrome: '', node: process.versions.node, v8: process.versions.v8 },
    platform: process.platform,
    arch: process.arch,
    roots: policy.roots(),
  });
  const gateway = new Gateway({
    host: engine,
    paths: policy,
    app: appInfo,
    noDialogMessage:
      'the browser cannot open native file dialogs: type a folder path on the server, or browse to it',
    workspace: o.workspace,
    local: {
      // The browser downloads the PDF from /api/{audits|batches}/<name>[/series/<id>]/report.pdf
      // (token-protected, below).
      [IpcChannel.AuditOpenReport]: async (where) => {
        const { name } = where;
        const file = path.join(auditFolder(o.workspace, where), REPORT_PDF_NAME);
        await stat(file).catch(() => {
          throw new InputError(`audit ${name} has no report.pdf yet: export it first`);
        });
        // Names are letters, digits, '.', '-', '_' (IPC schema): safe in a URL path as they are.
        const route =
          where.kind === 'batch'
            ? `batches/${name}${where.series ? `/series/${where.series}` : ''}`
            : `audits/${name}`;
        return { opened: false, path: file, downloadUrl: `/api/${route}/report.pdf` };
      },
    },
  });

  function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    securityHeaders(res);
    if (!guard.hostAllowed(req.headers)) return sendText(res, 421, 'unknown host');
    const url = parseUrl(req);
    if (!url) return sendText(res, 400, 'bad request target');
    if (url.pathname.startsWith('/api/')) {
      const refusal = guard.apiRefusal(req, url);
      if (refusal) {
        sendJson(res, refusal.status, { error: refusal.message });
        return;
      }
      // Read-only endpoints: nothing over plain HTTP changes state, so a forged form POST (CSRF) has
      // nothing to act on; the app's actions go over the WebSocket.
      if (req.method !== 'GET') {
        res.setHeader('Allow', 'GET');
        sendJson(res, 405, { error: 'the HTTP API answers GET only' });
        return;
      }
      if (url.pathname === INFO_PATH) {
        void gateway
          .invoke(IpcChannel.AppInfo, undefined)
          .then((r) => sendJson(res, r.ok ? 200 : 500, r))
          .catch((e: unknown) => {
            log(`could not answer ${INFO_PATH}: ${errorText(e)}`);
            if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
            else res.destroy();
          });
        return;
      }
      const NAME = '([A-Za-z0-9][A-Za-z0-9_.-]{0,63})';
      const report = new RegExp(`^/api/(audits|batches)/${NAME}(?:/series/${NAME})?/report\\.pdf$`).exec(
        url.pathname,
      );
      if (report && !(report[1] === 'audits' && report[3])) {
        const where = {
          name: report[2],
          kind: report[1] === 'batches' ? ('batch' as const) : ('audit' as const),
          series: report[3],
        };
        void serveDownload(
          res,
          path.join(auditFolder(o.workspace, where), REPORT_PDF_NAME),
          'application/pdf',
          `${report[3] ?? report[2]}.pdf`,
        );
        return;
      }
      sendJson(res, 404, { error: 'no such endpoint' });
      return;
    }
    void serveStatic(o.rendererDir, req, res, url.pathname);
  }

  const server = createServer((req, res) => {
    // A client that resets mid-request, or a response written to a closed socket, must not throw.
    req.on('error', (e) => log(`request error: ${errorText(e)}`));
    res.on('error', (e) => log(`response error: ${errorText(e)}`));
    try {
      handleRequest(req, res);
    } catch (e) {
      log(`request failed: ${errorText(e)}`);
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.destroy();
    }
  });

  server.on('upgrade', endpoint.upgrade);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // After listen, errors are per connection (accept failing with EMFILE under a flood, ...): log them.
  server.on('error', (e) => log(`server error: ${errorText(e)}`));
  port = (server.address() as AddressInfo).port;
  const origin = `http://${hostLabel(bindHost)}:${port}`;
  void engine.start().catch((e: unknown) => log(`engine failed to start: ${String(e)}`));

  return {
    url: `${origin}/?${TOKEN_PARAM}=${token}`,
    origin,
    token,
    port,
    roots: policy.roots(),
    workspace: o.workspace,
    engine,
    async close() {
      endpoint.close();
      engine.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
