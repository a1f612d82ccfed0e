import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@shared/errors';
import { DEFAULT_HOST, openBrowser, startServer } from '../../server';
import { APP_VERSION, globals, parseIntOption } from '../context';
import { packageRoot } from '../../engine/app-version';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

interface ServeOptions {
  port: number;
  host?: string;
  root: string[];
  open?: boolean;
  renderer?: string;
  workspace?: string;
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description(
      'web mode: serve the app to a browser over HTTP + WebSocket on 127.0.0.1 with a per-start token (needs `npm run build` once)',
    )
    .option('--port <p>', 'TCP port (0: any free port)', parseIntOption('port', 0, 65535), 8765)
    .option(
      '--host <h>',
      `address to listen on (default ${DEFAULT_HOST}); anything else exposes the server to the network, token-protected`,
    )
    .option(
      '--root <folder>',
      'folder the browser may open and browse (repeatable; default: the current folder)',
      (v: string, prev: string[]) => [...prev, v],
      [] as string[],
    )
    .option('--workspace <dir>', 'folder for trained models (models/<name>/); default ~/.ct-audit/workspace')
    .option('--open', 'open the URL in the default browser')
    .option('--renderer <dir>', 'built renderer to serve (default: out/renderer of this package)')
    .action(async (o: ServeOptions, cmd: Command) => {
      const host = o.host ?? DEFAULT_HOST;
      if (o.host !== undefined && !LOOPBACK.has(host)) {
        console.error(
          `warning: listening on ${host}: anyone who can reach it and knows the token can read the --root folders`,
        );
      }
      if (o.host !== undefined && host.trim() === '') throw new UsageError('--host must not be empty');
      const roots = (o.root.length > 0 ? o.root : [process.cwd()]).map((r) => path.resolve(r));
      let server;
      try {
        server = await startServer({
          host,
          port: o.port,
          rendererDir: path.resolve(o.renderer ?? path.join(packageRoot(), 'out', 'renderer')),
          roots,
          workspace: path.resolve(o.workspace ?? path.join(os.homedir(), '.ct-audit', 'workspace')),
          backend: globals(cmd).backend,
          appVersion: APP_VERSION,
          log: (line) => console.error(`[serve] ${line}`),
        });
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'EADDRINUSE')
          throw new UsageError(`port ${o.port} is in use: choose another with --port`);
        if (code === 'EADDRNOTAVAIL')
          throw new UsageError(`--host ${host} is not an address of this machine`);
        throw new UsageError((e as Error).message);
      }
      console.log(`CT Audit web mode: ${server.url}`);
      console.log(`sharing: ${server.roots.join(', ')}`);
      console.log(`workspace: ${server.workspace}`);
      console.log('press Ctrl+C to stop');
      if (o.open) openBrowser(server.url);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void server.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
