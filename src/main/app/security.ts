/**
 * Process-wide hardening (DESIGN.md section 7, Electron's security checklist): no new windows, no
 * navigation, no <webview>, no permissions, and no network requests except to the dev server.
 * The Content-Security-Policy itself is the meta tag in src/renderer/index.html.
 */
import { app, type Session } from 'electron';
import { devServerOrigin } from './renderer-location';

/** Applies to every webContents the app ever creates; call before the first window. */
export function guardAllWebContents(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(({ url }) => {
      console.warn(`[security] blocked window.open(${url})`);
      return { action: 'deny' };
    });
    contents.on('will-navigate', (event) => {
      console.warn(`[security] blocked navigation to ${event.url}`);
      event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => {
      console.warn('[security] blocked <webview>');
      event.preventDefault();
    });
  });
}

/** Denies every permission and cancels remote requests (CSP is the first line; this is the second). */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    console.warn(`[security] denied permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);

  const allowedOrigin = devServerOrigin();
  const network = new Set(['http:', 'https:', 'ws:', 'wss:']);
  session.webRequest.onBeforeRequest({ urls: ['<all_urls>'] }, (details, callback) => {
    // The app's own files (file:), data:/blob: images and devtools: pass; the network only to the dev server.
    const remote = network.has(protocolOf(details.url));
    const allowed = !remote || (allowedOrigin !== undefined && sameOrigin(details.url, allowedOrigin));
    if (!allowed) console.warn(`[security] blocked request to ${details.url}`);
    callback({ cancel: !allowed });
  });
}

function protocolOf(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return 'http:'; // unparsable: treat as remote, i.e. blocked
  }
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    const u = new URL(url);
    // The dev server's HMR socket is ws:// on the same host and port as its http:// origin.
    const asHttp = u.protocol === 'ws:' ? 'http:' : u.protocol === 'wss:' ? 'https:' : u.protocol;
    return `${asHttp}//${u.host}` === origin;
  } catch {
    return false;
  }
}
