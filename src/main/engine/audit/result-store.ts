/**
 * results.jsonl (DESIGN.md section 5): JSON lines appended per completed slice x model ("unit"), so a killed
 * audit resumes without loss or duplicates.
 *
 * Writing: the lines of a unit go out in one write() on a file opened for appending, followed by fdatasync;
 * a kill can only cut the last write short. Reading (resume, `report --from`): a last line without its
 * newline is a partial write and is dropped; the lines are validated (zod) and grouped by unit, and a unit with
 * fewer lines than its `unitLines` (the end of the file, cut short) is dropped too. `openResults` then
 * truncates the file to the complete units, so appending continues from a clean end. A malformed line
 * elsewhere is an error naming its line number: the file was edited, not killed.
 */
import { promises as fs } from 'node:fs';
import { InputError } from '@shared/errors';
import { resultLineSchema, unitKey, type ResultLine } from '@shared/audit-results';

export const RESULTS_FILE = 'results.jsonl';

export interface ReadResults {
  lines: ResultLine[];
  /** Keys (unitKey) of the complete units. */
  units: Set<string>;
  /** Bytes of the file that hold complete units. */
  validBytes: number;
  /** Bytes dropped from the end (a partial line or an incomplete unit). */
  droppedBytes: number;
  droppedLines: number;
}

/** Parse the text of results.jsonl (see the file comment); `where` names the file in errors. */
export function parseResults(text: string, where = RESULTS_FILE): ReadResults {
  const lines: ResultLine[] = [];
  const units = new Set<string>();
  let pos = 0;
  let bytePos = 0;
  let lineNo = 0;
  let validBytes = 0;
  let droppedLines = 0;
  let current: { key: string; expected: number; lines: ResultLine[] } | undefined;
  const closeUnit = () => {
    if (current && current.lines.length === current.expected && !units.has(current.key)) {
      lines.push(...current.lines);
      units.add(current.key);
    }
  };
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      droppedLines++; // a partial last line: the write was cut short
      break;
    }
    lineNo++;
    const raw = text.slice(pos, nl);
    bytePos += Buffer.byteLength(raw, 'utf8') + 1;
    const lineEnd = bytePos;
    pos = nl + 1;
    if (raw.trim() === '') continue;
    let parsed: ResultLine;
    try {
      parsed = resultLineSchema.parse(JSON.parse(raw));
    } catch (e) {
      if (pos >= text.length) {
        droppedLines++; // a torn last line that happens to end in a newline byte
        break;
      }
      throw new InputError(
        `${where}: line ${lineNo} is not a valid result line (${(e as Error).message.split('\n')[0]}); the file was modified, not cut short by a kill — restore it or start a new audit`,
      );
    }
    const key = unitKey(parsed);
    if (!current || current.key !== key) {
      if (current && current.lines.length !== current.expected) {
        throw new InputError(
          `${where}: line ${lineNo}: the unit before it has ${current.lines.length} of ${current.expected} lines; the file was modified`,
        );
      }
      closeUnit();
      current = { key, expected: parsed.unitLines, lines: [] };
    }
    current.lines.push(parsed);
    if (current.lines.length === current.expected) {
      closeUnit();
      current = undefined;
      validBytes = lineEnd;
    }
  }
  if (current) droppedLines += current.lines.length;
  const total = Buffer.byteLength(text, 'utf8');
  return { lines, units, validBytes, droppedBytes: total - validBytes, droppedLines };
}

export async function readResults(file: string): Promise<ReadResults> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOENT') return parseResults('', file);
    throw new InputError(`${file}: cannot be read (${(e as Error).message})`);
  }
  return parseResults(text, file);
}

/** An open results.jsonl: the complete units found, and append() for new ones. */
export interface ResultWriter {
  readonly existing: ReadResults;
  append(lines: readonly ResultLine[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Open `file` for appending. With `resume`, the complete units are read back and the file is truncated to
 * them; without it, the file must not exist (or be empty).
 */
export async function openResults(file: string, o: { resume: boolean }): Promise<ResultWriter> {
  let existing = parseResults('', file);
  if (o.resume) {
    existing = await readResults(file);
    const st = await fs.stat(file).catch(() => undefined);
    if (st && st.size !== existing.validBytes) await fs.truncate(file, existing.validBytes);
  }
  const handle = await fs.open(file, o.resume ? 'a' : 'wx').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'EEXIST') {
      throw new InputError(`${file} exists: resume the audit (--resume) or write to a new folder`);
    }
    throw e;
  });
  let closed = false;
  return {
    existing,
    async append(lines) {
      if (closed) throw new Error('results: append after close');
      const text = lines.map((l) => `${JSON.stringify(resultLineSchema.parse(l))}\n`).join('');
      const buf = Buffer.from(text, 'utf8');
      let off = 0;
      while (off < buf.length) off += (await handle.write(buf, off, buf.length - off)).bytesWritten;
      await handle.datasync();
    },
    async close() {
      if (closed) return;
      closed = true;
      await handle.close();
    },
  };
}
