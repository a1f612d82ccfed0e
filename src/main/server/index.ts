/**
 * server: `ct-audit serve` (web mode). startServer serves the renderer build over HTTP and the IPC
 * contract over a token-protected WebSocket on 127.0.0.1, with the same engine host and Gateway as
 * the desktop app; openBrowser hands the URL to the system browser.
 */
export { startServer, DEFAULT_HOST, type ServerOptions, type RunningServer } from './server';
export { openBrowser } from './open-browser';
