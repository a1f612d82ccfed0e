/**
 * `--data <spec>` -> DataSource:
 *   ellipses                 random-ellipse phantoms (seeded, unlimited)
 *   path/to/x.npy            a .npy image or stack
 *   fashion-mnist[:train|:test]  Fashion-MNIST from Debian's dataset-fashion-mnist (idx-source.ts)
 *   path/to/folder           a folder holding only .npy files (plus e.g. README/JSON) -> npy; one holding
 *                            *-images-idx3-ubyte[.gz] files -> IDX images; otherwise DICOM
 *   path/to/file-or-folder   DICOM (every CT slice of every series, folders recursively)
 */
import { promises as fs } from 'node:fs';
import { InputError } from '@shared/errors';
import type { Seed } from '../random';
import { dicomSource, type DicomSourceOptions } from './dicom-source';
import { ellipsesSource } from './ellipses-source';
import { idxSource, listIdxImageFiles, namedIdxSource } from './idx-source';
import { listNpyFiles, npySource } from './npy-source';
import type { DataSource } from './source';

export interface OpenDataOptions extends DicomSourceOptions {
  /** Seed of generated phantoms (ellipses). */
  seed?: Seed;
}

/** Whether a folder's files (not sub-folders) are all .npy or harmless side files. */
async function isNpyFolder(dir: string): Promise<boolean> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  let npy = 0;
  for (const e of entries) {
    const n = e.name.toLowerCase();
    if (e.isDirectory()) return false;
    if (n.endsWith('.npy')) npy++;
    else if (!/\.(json|txt|md)$/.test(n) && !n.startsWith('.')) return false;
  }
  return npy > 0;
}

export async function openDataSource(spec: string, o: OpenDataOptions = {}): Promise<DataSource> {
  const s = spec.trim();
  if (s === '')
    throw new InputError('--data is empty: give a DICOM file or folder, a .npy stack, or "ellipses"');
  if (s.toLowerCase() === 'ellipses') return ellipsesSource({ seed: o.seed });
  const named = await namedIdxSource(s);
  if (named) return named;
  let st;
  try {
    st = await fs.stat(s);
  } catch {
    throw new InputError(
      `--data ${spec}: no such file or folder (expected a DICOM file or folder, a .npy stack, "ellipses" or "fashion-mnist")`,
      { spec },
    );
  }
  if (st.isFile() && s.toLowerCase().endsWith('.npy')) return npySource(spec, [s]);
  if (st.isDirectory() && (await isNpyFolder(s))) return npySource(spec, await listNpyFiles(s));
  if (st.isDirectory() && (await listIdxImageFiles(s)).size > 0) return idxSource(spec, s);
  return dicomSource(spec, [s], o);
}
