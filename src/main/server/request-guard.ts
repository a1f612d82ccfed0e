/**
 * Which requests the web server answers (DESIGN.md section 7): the one check that HTTP `/api/*` and the
 * WebSocket upgrade share, so the two cannot drift apart. In this order:
 *   1. the Host header names this server (421 otherwise): a page on evil.example whose name was
 *      re-pointed at 127.0.0.1 (DNS rebinding) sends `Host: evil.example`;
 *   2. the browser says the request comes from this server's own page (403 otherwise): `Origin`, when
 *      present, is this server's origin, and `Sec-Fetch-Site`, when present, is `same-origin` or `none`;
 *   3. the per-start token (401 otherwise), from `Authorization: Bearer` or `?token=`.
 * Static files (the app's own public code) pass the Host check only.
 *
 * A request WITHOUT Origin and Sec-Fetch-Site is allowed (the token still decides): browsers attach
 * Origin to every cross-origin fetch/XHR, every WebSocket handshake and every non-GET request, and
 * current ones attach Sec-Fetch-Site to every request, including no-cors GETs and navigations. A
 * request with neither is therefore a non-browser client on this machine (curl, a script: it got the
 * token from the terminal and could read the --root folders itself anyway) or a same-origin GET from an
 * old browser, such as the page's own report download link. Refusing it would break those clients and
 * stop no web page. `Origin: null` (sandboxed frames, file: and data: pages) is a foreign origin.
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { TOKEN_PARAM } from '@shared/web-protocol';

export interface Refusal {
  status: 401 | 403 | 421;
  message: string;
}

/** `Sec-Fetch-Site` values of requests the app's own page makes (or a user typing the URL). */
const OWN_SITES = new Set(['same-origin', 'none']);

export function hostLabel(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function tokenMatches(expected: string, given: string | null | undefined): boolean {
  if (!given) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function bearer(headers: IncomingHttpHeaders): string | undefined {
  const h = headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
}

/** A request's URL, or undefined when its target or Host cannot be parsed (the client gets a 400). */
export function parseUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', `http://${req.headers.host ?? 'invalid'}`);
  } catch {
    return undefined;
  }
}

export class RequestGuard {
  constructor(
    private readonly o: {
      bindHost: string;
      /** The port actually bound (known after listen). */
      port: () => number;
      token: string;
    },
  ) {}

  /** Host header values that name this server. */
  private hosts(): Set<string> {
    const port = this.o.port();
    return new Set([
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `[::1]:${port}`,
      `${hostLabel(this.o.bindHost)}:${port}`,
    ]);
  }

  hostAllowed(headers: IncomingHttpHeaders): boolean {
    return this.hosts().has(headers.host ?? '');
  }

  /** Origin and Fetch Metadata: undefined when the request may come from this server's own page. */
  originRefusal(headers: IncomingHttpHeaders): Refusal | undefined {
    const origin = headers.origin;
    const site = headers['sec-fetch-site'];
    // The Host was checked first, so `http://<Host>` is one of this server's origins.
    const foreignOrigin = origin !== undefined && origin !== `http://${headers.host}`;
    const foreignSite = site !== undefined && !OWN_SITES.has(String(site));
    if (!foreignOrigin && !foreignSite) return undefined;
    return {
      status: 403,
      message: 'requests from other web pages are refused: use the page that `ct-audit serve` printed',
    };
  }

  /** Host, then Origin, then the token: undefined when the request may use the API. */
  apiRefusal(req: IncomingMessage, url: URL): Refusal | undefined {
    if (!this.hostAllowed(req.headers)) return { status: 421, message: 'unknown host' };
    const foreign = this.originRefusal(req.headers);
    if (foreign) return foreign;
    if (!tokenMatches(this.o.token, bearer(req.headers) ?? url.searchParams.get(TOKEN_PARAM)))
      return { status: 401, message: 'missing or wrong token: open the URL that `ct-audit serve` printed' };
    return undefined;
  }
}
