/** Shared by the host/server tests: where the reference DICOM data are, and a message collector. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
/** ../shared/data/dicom next to the repository (DESIGN.md section 8); tests skip without it. */
export const DICOM_DATA = path.resolve(REPO_ROOT, '../shared/data/dicom');
export const HAVE_DICOM = existsSync(path.join(DICOM_DATA, 'ct-single'));
if (!HAVE_DICOM) console.warn(`[host tests] ${DICOM_DATA} is absent: DICOM tests are skipped`);

export function waitFor<T>(predicate: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      const v = predicate();
      if (v !== undefined) resolve(v);
      else if (Date.now() - t0 > timeoutMs) reject(new Error('waitFor: timed out'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}
