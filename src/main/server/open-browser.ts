/** `ct-audit serve --open`: hands the URL to the system's default browser (detached, output ignored). */
import { spawn } from 'node:child_process';

export function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin'
      ? ['open', [url]]
      : process.platform === 'win32'
        ? ['cmd', ['/c', 'start', '""', url]]
        : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args as string[], { detached: true, stdio: 'ignore' });
    child.on('error', () => console.error(`could not start ${cmd}: open ${url} yourself`));
    child.unref();
  } catch {
    console.error(`could not start ${cmd}: open ${url} yourself`);
  }
}
