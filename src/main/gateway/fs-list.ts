/**
 * `fs:list`: the contents of a folder inside the allowed roots, for the web mode's server-side picker
 * (browsers cannot hand a page real paths). Hidden entries are left out; folders first.
 */
import path from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import { InputError } from '@shared/errors';
import type { FsEntry, FsListRequest, FsListResult } from '@shared/ipc';
import { isInside, type PathPolicy } from './path-policy';

const MAX_ENTRIES = 5000;

export async function fsList(policy: PathPolicy, request: FsListRequest): Promise<FsListResult> {
  if (request.path === undefined) {
    return {
      path: null,
      parent: null,
      entries: policy.roots().map((r) => ({ name: r, path: r, kind: 'dir' as const, size: 0 })),
    };
  }
  const dir = await policy.check(request.path);
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => !n.startsWith('.')).slice(0, MAX_ENTRIES);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(
      code === 'ENOTDIR'
        ? `${request.path} is a file, not a folder`
        : `${request.path} cannot be listed (${code ?? String(e)})`,
      { path: request.path },
    );
  }
  const entries: FsEntry[] = [];
  for (const name of names) {
    const p = path.join(dir, name);
    try {
      const st = await stat(p);
      if (st.isDirectory() || st.isFile())
        entries.push({
          name,
          path: p,
          kind: st.isDirectory() ? 'dir' : 'file',
          size: st.isFile() ? st.size : 0,
        });
    } catch {
      // A dangling link or a file that vanished: not listed.
    }
  }
  entries.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'dir' ? -1 : 1));
  const parent = path.dirname(dir);
  return {
    path: dir,
    parent: parent !== dir && policy.roots().some((r) => isInside(r, parent)) ? parent : null,
    entries,
  };
}
