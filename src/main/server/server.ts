/**
 * Web mode: serves the renderer build over HTTP and the IPC contract over a WebSocket, with the same
 * Gateway (validation, allowed paths) and engine host as the desktop app (DESIGN.md sections 1, 7).
 *
 * Security:
 * - binds 127.0.0.1 unless the caller passes another host explicitly;
 * - a random token per start: `/api/*` answers 401 and the WebSocket upgrade is refused without it;
 *   static files (the app's own, public code) need none;
 * - the Host header must name this server (defeats DNS rebinding), and a WebSocket's Origin must be
 *   this server's own;
 * - renderer-supplied paths must lie inside the --root folders (PathPolicy);
 * - responses carry the same Content-Security-Policy as the page's meta tag, nosniff, no referrer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { IpcChannel, IpcEvent, type AppInfo } from '@shared/ipc';
import { decodeFrame, encodeFrame } from '@shared/wire';
import {
  INFO_PATH,
  TOKEN_PARAM,
  WS_PATH,
  type WebRequest,
  type WebServerMessage,
} from '@shared/web-protocol';
import { Gateway } from '../gateway/gateway';
import { HostClient } from '../gateway/host-client';
import { PathPolicy } from '../gateway/path-policy';
import { spawnWorkerHost } from '../gateway/worker-host';
import { auditFolder } from '../engine/host/workspace';
import { InputError } from '@shared/errors';

/** The audit runner's report file name (engine/audit REPORT_PDF; not imported: it would load the engine). */
const REPORT_PDF_NAME = 'report.pdf';

export const DEFAULT_HOST = '127.0.0.1';

/** Same policy as src/renderer/index.html's meta tag ('self' covers this origin's ws:). */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; object-src 'none'; frame-src 'none'; frame-ancestors 'none'";

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};

/** Uploads are bounded (a request frame); slices and results come back in the other direction. */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

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

function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function hostLabel(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
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

  const sockets = new Set<WebSocket>();
  const broadcast = (message: WebServerMessage): void => {
    const frame = encodeFrame(message);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
  };
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

  let port = o.port ?? 0;
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

  /** Host header values that name this server (DNS rebinding defence). */
  const allowedHosts = (): Set<string> =>
    new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`, `${hostLabel(bindHost)}:${port}`]);

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    const file = path.resolve(o.rendererDir, '.' + path.posix.normalize(rel));
    const inside = path.relative(o.rendererDir, file);
    if (rel.includes('\0') || inside.startsWith('..') || path.isAbsolute(inside)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const body = await readFile(file);
      const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': body.length,
        // Hashed asset names may be cached; the page itself not (a rebuilt UI shows up on reload).
        'Cache-Control': file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=3600' : 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
    }
  }

  async function serveFile(
    res: ServerResponse,
    file: string,
    type: string,
    downloadName: string,
  ): Promise<void> {
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': type,
        'Content-Length': body.length,
        'Content-Disposition': `attachment; filename="${downloadName}"`,
        'Cache-Control': 'no-store',
      });
      res.end(body);
    } catch {
      sendJson(res, 404, { error: 'no such file' });
    }
  }

  const server = createServer((req, res) => {
    securityHeaders(res);
    if (!allowedHosts().has(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain; charset=utf-8' }).end('unknown host');
      return;
    }
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname.startsWith('/api/')) {
      if (!tokenMatches(token, bearer(req) ?? url.searchParams.get(TOKEN_PARAM))) {
        sendJson(res, 401, { error: 'missing or wrong token: open the URL that `ct-audit serve` printed' });
        return;
      }
      if (url.pathname === INFO_PATH && req.method === 'GET') {
        void gateway.invoke(IpcChannel.AppInfo, undefined).then((r) => sendJson(res, r.ok ? 200 : 500, r));
        return;
      }
      const NAME = '([A-Za-z0-9][A-Za-z0-9_.-]{0,63})';
      const report = new RegExp(`^/api/(audits|batches)/${NAME}(?:/series/${NAME})?/report\\.pdf$`).exec(
        url.pathname,
      );
      if (report && req.method === 'GET' && !(report[1] === 'audits' && report[3])) {
        const where = {
          name: report[2],
          kind: report[1] === 'batches' ? ('batch' as const) : ('audit' as const),
          series: report[3],
        };
        void serveFile(
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
    void serveStatic(req, res, url.pathname);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_REQUEST_BYTES });

  function refuse(socket: Socket, status: number, text: string): void {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\n\r\n${text}`,
    );
  }

  server.on('upgrade', (req, socket: Socket, head) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(socket, 421, 'Misdirected Request');
    if (url.pathname !== WS_PATH) return refuse(socket, 404, 'Not Found');
    if (!tokenMatches(token, url.searchParams.get(TOKEN_PARAM))) return refuse(socket, 401, 'Unauthorized');
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}`)
      return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.send(encodeFrame({ type: 'event', event: IpcEvent.HostStatus, payload: engine.status }), {
      binary: true,
    });
    ws.on('message', (data: RawData, isBinary: boolean) => {
      let req: WebRequest;
      try {
        if (!isBinary) throw new Error('text frames are not part of the protocol');
        req = decodeFrame(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[])) as WebRequest;
        if (req?.type !== 'request' || typeof req.id !== 'number') throw new Error('not a request');
      } catch (e) {
        log(`closing a socket that sent a malformed frame: ${e instanceof Error ? e.message : String(e)}`);
        ws.close(1003, 'malformed frame');
        return;
      }
      void gateway.invoke(req.channel, req.params).then((result) => {
        if (ws.readyState !== ws.OPEN) return;
        ws.send(encodeFrame({ type: 'response', id: req.id, result }), { binary: true });
      });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, bindHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
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
      for (const ws of sockets) ws.terminate();
      wss.close();
      engine.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
