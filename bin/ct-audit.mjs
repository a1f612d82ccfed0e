#!/usr/bin/env node
// `ct-audit` launcher. Runs the compiled CLI (out/cli, built by `npm install`'s prepare step and by
// `npm run build`) when it is at least as new as the sources; otherwise (sources edited since, or no build)
// the TypeScript sources through tsx, which is slower to start. CT_AUDIT_FROM_SOURCE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const compiled = `${root}out/cli/ct-audit.mjs`;

/** Newest modification time under the given folders (a few hundred files: milliseconds). */
function newestMtime(dirs) {
  let newest = 0;
  const stack = dirs.filter((d) => existsSync(d));
  while (stack.length > 0) {
    const dir = stack.pop();
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = `${dir}/${e.name}`;
      if (e.isDirectory()) stack.push(p);
      else newest = Math.max(newest, statSync(p).mtimeMs);
    }
  }
  return newest;
}

function compiledIsCurrent() {
  if (process.env.CT_AUDIT_FROM_SOURCE === '1' || !existsSync(compiled)) return false;
  const sources = [`${root}src/main`, `${root}src/shared`];
  // An installed package without sources: the build is all there is.
  if (!sources.some((d) => existsSync(d))) return true;
  return (
    statSync(compiled).mtimeMs >= Math.max(newestMtime(sources), statSync(`${root}package.json`).mtimeMs)
  );
}

if (compiledIsCurrent()) {
  await import(compiled);
} else {
  const { register } = await import('tsx/esm/api');
  register({ tsconfig: `${root}tsconfig.node.json` });
  const { main } = await import('../src/main/cli/main.ts');
  process.exitCode = await main(process.argv);
}
