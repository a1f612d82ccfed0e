/**
 * The app log: main's messages and the engine host's stdout/stderr, to the console and to
 * `<logs>/ct-audit.log` (Electron's per-user logs folder). Lines carry a time and a source tag.
 * No patient data is logged: the engine logs de-identified facts only (DESIGN.md section 7).
 */
import { app } from 'electron';
import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

let file: string | undefined;
let queue: Promise<void> = Promise.resolve();

function logFile(): string | undefined {
  if (file) return file;
  try {
    file = path.join(app.getPath('logs'), 'ct-audit.log');
  } catch {
    return undefined; // before app 'ready' on some platforms
  }
  return file;
}

export function log(source: string, line: string, level: 'info' | 'warn' | 'error' = 'info'): void {
  const text = `${new Date().toISOString()} [${source}] ${line}`;
  if (level === 'error') console.error(text);
  else if (level === 'warn') console.warn(text);
  else console.log(text);
  const f = logFile();
  if (!f) return;
  // Appends are chained so lines keep their order; a failing log file must not break the app.
  queue = queue
    .then(() => mkdir(path.dirname(f), { recursive: true }))
    .then(() => appendFile(f, text + '\n'))
    .catch(() => undefined);
}

/** Splits a stream into lines and logs each (the engine host's stdout and stderr). */
export function logStream(
  source: string,
  stream: NodeJS.ReadableStream | null | undefined,
  level: 'info' | 'warn',
): void {
  if (!stream) return;
  let rest = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    const lines = (rest + chunk).split(/\r?\n/);
    rest = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) log(source, l, level);
  });
  stream.on('end', () => {
    if (rest.trim()) log(source, rest, level);
  });
  // A stream without an 'error' listener throws the error: in main, an uncaught exception.
  stream.on('error', (e: Error) => log(source, `output stream failed: ${e.message}`, 'warn'));
}
