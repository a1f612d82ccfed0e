/**
 * Where the DICOM test files are: the larger shared reference set (../shared/data/dicom next to the
 * repository, present during development) when it exists, otherwise the subset vendored in
 * tests/fixtures/dicom (what every clone has). Both have the same layout and an expected.json with the
 * pydicom/GDCM reference values. CT_AUDIT_TEST_DICOM=bundled forces the vendored subset (a fresh clone's
 * view); CT_AUDIT_TEST_DICOM=<folder> names another set of the same layout.
 *
 * A test that needs a file only the shared set has asks `hasDicom(rel)` and skips with the printed reason.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLED_DICOM = path.join(REPO_ROOT, 'tests/fixtures/dicom');
export const SHARED_DICOM = path.resolve(REPO_ROOT, '../shared/data/dicom');

function chooseDir(): string {
  const env = process.env.CT_AUDIT_TEST_DICOM;
  if (env === 'bundled') return BUNDLED_DICOM;
  if (env) return path.resolve(env);
  return existsSync(path.join(SHARED_DICOM, 'expected.json')) ? SHARED_DICOM : BUNDLED_DICOM;
}

/** The DICOM set the tests use (always has expected.json). */
export const DICOM_DIR = chooseDir();
/** True when the larger shared set is the one in use. */
export const USING_SHARED_DICOM = DICOM_DIR === SHARED_DICOM;

if (!existsSync(path.join(DICOM_DIR, 'expected.json'))) {
  throw new Error(`DICOM test data missing: ${DICOM_DIR}/expected.json (tests/fixtures/dicom is committed)`);
}

/** Absolute path of a file or folder of the set, by its path relative to the set's root. */
export function dicomPath(rel: string): string {
  return path.join(DICOM_DIR, rel);
}

const announced = new Set<string>();

/**
 * Whether the set in use has `rel`; when not, prints once why the test that needs it is skipped (the
 * vendored subset leaves out a few large files: tests/fixtures/dicom/vendor.mjs).
 */
export function hasDicom(rel: string): boolean {
  const ok = existsSync(dicomPath(rel));
  if (!ok && !announced.has(rel)) {
    announced.add(rel);
    console.warn(
      `skipped: ${rel} is only in the larger shared DICOM set (../shared/data/dicom), not in ${path.relative(REPO_ROOT, DICOM_DIR) || DICOM_DIR}`,
    );
  }
  return ok;
}
