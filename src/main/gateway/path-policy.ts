/**
 * Which paths a renderer may name (DESIGN.md section 7): only what the user picked (Electron: the open
 * dialogs and drops) or what the server shares (web mode: its --root folders), and what lies inside
 * them. Everything else is an InvalidRequestError before the engine sees it. Paths are compared after
 * resolving symbolic links, so a link cannot lead a request outside.
 */
import path from 'node:path';
import { realpath } from 'node:fs/promises';
import { InvalidRequestError } from '@shared/ipc';

const caseInsensitive = process.platform === 'win32' || process.platform === 'darwin';

function norm(p: string): string {
  return caseInsensitive ? p.toLowerCase() : p;
}

/** True when `child` is `parent` or lies inside it (both absolute, resolved). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(norm(parent), norm(child));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Resolves links where the path exists; a missing tail is kept as given (the scan then reports it). */
async function resolveReal(p: string): Promise<string> {
  const abs = path.resolve(p);
  try {
    return await realpath(abs);
  } catch {
    const parent = path.dirname(abs);
    if (parent === abs) return abs;
    return path.join(await resolveReal(parent), path.basename(abs));
  }
}

export class PathPolicy {
  private readonly allowed: string[] = [];

  /**
   * The refusal says `"<path>" is outside <scope>; <hint>`: what is readable and how to make a path
   * readable, which differ between the desktop app and web mode.
   */
  constructor(
    private readonly scope: string,
    private readonly hint: string,
  ) {}

  /** Makes `p` (and everything inside it) readable. */
  async allow(p: string): Promise<string> {
    const real = await resolveReal(p);
    if (!this.allowed.some((a) => isInside(a, real))) {
      // Drop entries the new root contains, keep the list short.
      for (let i = this.allowed.length - 1; i >= 0; i--)
        if (isInside(real, this.allowed[i])) this.allowed.splice(i, 1);
      this.allowed.push(real);
    }
    return real;
  }

  roots(): string[] {
    return [...this.allowed];
  }

  /** The resolved path, or an InvalidRequestError when it is outside every allowed root. */
  async check(p: string): Promise<string> {
    if (!path.isAbsolute(p)) {
      throw new InvalidRequestError(`"${p}" is not an absolute path`, { path: p });
    }
    const real = await resolveReal(p);
    if (!this.allowed.some((a) => isInside(a, real))) {
      throw new InvalidRequestError(`"${p}" is outside ${this.scope}; ${this.hint}`, {
        path: p,
        reason: 'outside-picked',
      });
    }
    return real;
  }
}
