/**
 * `.npy` images as a data source: one file or a folder of files, each [N,N], [K,N,N] or [K,N,N,1]
 * (float or integer dtypes; values in canonical units x, water = 1). A file is one group of the split (the
 * slices of a stack usually come from one volume). Files are decoded on demand, two at a time at most;
 * a slice of another size M is resampled to N x N by exact area averaging (dicom/resample.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InputError } from '@shared/errors';
import { resampleSquare } from '../dicom';
import { decodeNpy, type NpyArray } from '../io/npy';
import { LruCache } from './lru';
import { checkFiniteSlice, type DataSource, type SliceRef } from './source';

interface NpyRef extends SliceRef {
  file: string;
  index: number;
}

interface StackShape {
  count: number;
  size: number;
}

function stackShape(file: string, shape: number[]): StackShape {
  const s = shape.length === 4 && shape[3] === 1 ? shape.slice(0, 3) : shape;
  if (s.length === 2 && s[0] === s[1] && s[0] >= 2) return { count: 1, size: s[0] };
  if (s.length === 3 && s[1] === s[2] && s[1] >= 2) return { count: s[0], size: s[1] };
  throw new InputError(
    `${file}: expected square images [N,N], [K,N,N] or [K,N,N,1], got shape [${shape.join(',')}]`,
    { file, shape },
  );
}

async function readNpyFile(file: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(`${file}: cannot be read (${code ?? String(e)})`, { file });
  }
  return decodeNpy(bytes, file);
}

/** Lists the .npy files of a folder (sorted); other files are ignored. */
export async function listNpyFiles(dir: string): Promise<string[]> {
  const names = (await fs.readdir(dir)).filter((n) => n.toLowerCase().endsWith('.npy')).sort();
  return names.map((n) => path.join(dir, n));
}

export async function npySource(spec: string, files: string[]): Promise<DataSource> {
  if (files.length === 0) throw new InputError(`${spec}: no .npy files found`);
  const refs: NpyRef[] = [];
  const shapes = new Map<string, StackShape>();
  const warnings: string[] = [];
  for (const file of files) {
    // Indexing decodes each file once (one in memory at a time) to learn its shape and sanity-check units.
    const arr = await readNpyFile(file);
    const sh = stackShape(file, arr.shape);
    shapes.set(file, sh);
    let min = Infinity;
    for (let k = 0; k < arr.data.length; k++) if (arr.data[k] < min) min = arr.data[k];
    if (min < -0.5) {
      warnings.push(
        `${path.basename(file)}: minimum value ${min.toFixed(1)} < 0: expected canonical units (x = max(0, 1 + HU/1000)), not HU`,
      );
    }
    const base = path.basename(file);
    for (let k = 0; k < sh.count; k++) refs.push({ id: `${base}#${k}`, group: base, file, index: k });
  }
  const cache = new LruCache<string, NpyArray>(2);
  const sizes = [...new Set([...shapes.values()].map((s) => s.size))].join(', ');
  return {
    kind: 'npy',
    spec,
    description: `${refs.length} slice(s) of ${sizes} px from ${files.length} .npy file(s)`,
    refs,
    warnings,
    async load(ref: SliceRef, N: number): Promise<Float32Array> {
      const r = ref as NpyRef;
      let arr = cache.get(r.file);
      if (!arr) {
        arr = await readNpyFile(r.file);
        cache.set(r.file, arr);
      }
      const sh = shapes.get(r.file) ?? stackShape(r.file, arr.shape);
      const M = sh.size;
      const slice = arr.data.subarray(r.index * M * M, (r.index + 1) * M * M);
      checkFiniteSlice(`${r.file} slice ${r.index}`, slice, M);
      if (M === N) return Float32Array.from(slice);
      return resampleSquare(slice, M, M, null, N, { fillHu: 0 }).hu;
    },
  };
}
