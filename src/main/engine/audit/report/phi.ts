/**
 * Patient-identifier hygiene for everything the report writes (DESIGN.md section 7). The input is already
 * de-identified; this is the second line of defence, applied to every string on its way into the PDF:
 *
 * - with policy 'exclude', file paths are shown as `path#<8 hex of SHA-256(path)><.ext>` (a folder or file
 *   name can be a patient's name), paths inside free text and command lines likewise;
 * - every term of `redactTerms` (names and IDs the caller read from headers) is replaced by "[redacted]",
 *   case-insensitively, whatever the policy says about paths.
 */
import { createHash } from 'node:crypto';
import type { ReportPhiPolicy } from '@shared/report-input';

export const REDACTED = '[redacted]';

/** Flags whose value is a path (in `ct-audit audit|batch|report` command lines). */
const PATH_FLAGS = new Set([
  '--data',
  '--spec',
  '--out',
  '--from',
  '--workspace',
  '--model',
  '--input',
  '--output',
]);
/** File extensions worth keeping in a hashed name (they say what kind of file it was). */
const KEEP_EXT = /^\.[a-z0-9]{1,8}$/i;
/** A run of two or more path components with no spaces (POSIX or Windows), e.g. /home/jdoe/ct or C:\data\x. */
const PATH_IN_TEXT =
  /(?:[A-Za-z]:)?~?(?:[\\/][^\s\\/,;:'"()[\]{}<>]+){2,}[\\/]?|(?:[A-Za-z]:|\.{1,2}|~)(?:[\\/][^\s\\/,;:'"()[\]{}<>]+)+|[^\s,;:'"()[\]{}<>]+\.(?:dcm|ima|img|npy|nii)\b/gi;

const ALREADY_HASHED = /^path#[0-9a-f]{8}(\.[a-z0-9]{1,8})?$/;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export class Redactor {
  readonly include: boolean;
  private readonly terms: RegExp | null;

  constructor(phi: ReportPhiPolicy) {
    this.include = phi.policy === 'include';
    const terms = (phi.redactTerms ?? []).map((t) => t.trim()).filter((t) => t.length >= 2);
    // Longest first, so "DOE^JOHN" wins over "DOE".
    terms.sort((a, b) => b.length - a.length);
    this.terms = terms.length > 0 ? new RegExp(terms.map(escapeRegExp).join('|'), 'gi') : null;
  }

  /** A path as the report may show it. */
  path(p: string | null | undefined): string {
    if (p === null || p === undefined || p === '') return '–';
    if (this.include) return this.text(p);
    return hashedPath(p);
  }

  /** Any text: known identifiers scrubbed; with 'exclude', paths inside it hashed. */
  text(s: string): string {
    let out = s;
    if (!this.include) out = out.replace(PATH_IN_TEXT, (m) => (ALREADY_HASHED.test(m) ? m : hashedPath(m)));
    if (this.terms) out = out.replace(this.terms, REDACTED);
    return out;
  }

  /** A command line for the reproducibility appendix: program reduced to its name, paths hashed. */
  commandLine(argv: readonly string[]): string {
    const tokens = [...argv];
    // node /abs/path/bin/ct-audit.mjs ... -> ct-audit ...
    let start = 0;
    if (tokens.length > 0 && /(^|[\\/])(node|electron)(\.exe)?$/i.test(tokens[0])) start = 1;
    const shown: string[] = [];
    if (tokens.length > start) {
      const prog = baseName(tokens[start]).replace(/\.(mjs|cjs|js|ts)$/, '');
      shown.push(prog || 'ct-audit');
    }
    let pathNext = false;
    for (const tok of tokens.slice(start + 1)) {
      if (this.include) {
        shown.push(this.text(tok));
        continue;
      }
      const eq = /^(--[\w-]+)=(.*)$/.exec(tok);
      if (eq) {
        shown.push(
          `${eq[1]}=${PATH_FLAGS.has(eq[1]) && looksLikePath(eq[2]) ? hashedPath(eq[2]) : this.text(eq[2])}`,
        );
        pathNext = false;
        continue;
      }
      if (pathNext && looksLikePath(tok)) shown.push(hashedPath(tok));
      else if (!tok.startsWith('-') && looksLikePath(tok)) shown.push(hashedPath(tok));
      else shown.push(this.text(tok));
      pathNext = PATH_FLAGS.has(tok);
    }
    return shown.map(quoteIfNeeded).join(' ');
  }
}

function baseName(p: string): string {
  const parts = p.split(/[\\/]/);
  return parts[parts.length - 1] ?? p;
}

/** A token that names a file or folder rather than a value such as "1%" or "fbp". */
function looksLikePath(tok: string): boolean {
  return (
    /[\\/]/.test(tok) || /^~/.test(tok) || /\.(dcm|ima|img|npy|json|jsonl|pdf|png|zip|gz|tar)$/i.test(tok)
  );
}

/** `path#3fa2c1d0.dcm`: stable, non-reversible, keeps the extension. */
export function hashedPath(p: string): string {
  const trimmed = p.replace(/[\\/]+$/, '');
  const ext = /\.[^.\\/]+$/.exec(baseName(trimmed))?.[0] ?? '';
  const hash = createHash('sha256').update(p).digest('hex').slice(0, 8);
  return `path#${hash}${KEEP_EXT.test(ext) ? ext.toLowerCase() : ''}`;
}

function quoteIfNeeded(t: string): string {
  return /\s/.test(t) ? `"${t}"` : t;
}
