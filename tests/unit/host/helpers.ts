/** Shared by the host/server tests: where the reference DICOM data are, and a message collector. */
export { REPO_ROOT, DICOM_DIR as DICOM_DATA } from '../../helpers/dicom-data';

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
