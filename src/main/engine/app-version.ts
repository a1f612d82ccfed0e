/**
 * The app's version and the installed package's root folder. The version is package.json's `version` (the
 * one definition), inlined by the build. The root is found by walking up from this module to the folder
 * whose package.json names this package, so it holds from sources (src/main/engine), from the compiled CLI
 * (out/cli) and from electron-vite's out/main alike.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import packageJson from '../../../package.json' with { type: 'json' };

export const APP_VERSION: string = packageJson.version;
export const PACKAGE_NAME: string = packageJson.name;

let root: string | undefined;

/** The package's root folder (holds package.json, resources/, out/). */
export function packageRoot(): string {
  if (root) return root;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pj = path.join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === PACKAGE_NAME) {
          root = dir;
          return dir;
        }
      } catch {
        // not ours (or unreadable): keep walking up
      }
    }
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error(`packageRoot: no package.json of ${PACKAGE_NAME} above ${import.meta.url}`);
    dir = up;
  }
}
