/**
 * Images in the IDX format of MNIST-like datasets (`<split>-images-idx3-ubyte[.gz]`: big-endian header
 * 0x00000803, count, rows, cols, then uint8 pixels) as a data source, for papers/002's denoising and
 * compressed-sensing tasks (src/shared/physics.ts).
 *
 *   fashion-mnist[:train|:test]   Fashion-MNIST (Zalando Research, 2017; MIT licence) from Debian's package
 *                                 dataset-fashion-mnist (/usr/share/datasets/fashion-mnist): 60,000 training
 *                                 and 10,000 test images, 28 x 28, 8-bit grey
 *   <folder>                      any folder holding *-images-idx3-ubyte[.gz] files (each file one split)
 *
 * Values are intensities in [0, 1] (pixel / 255), papers/002's convention ("rescaling images to have pixel
 * values in [0, 1]"), not the CT unit. To N x N: for N >= 28 each pixel is replicated k = floor(N / 28) times
 * per side and the result is zero-padded (centred, the odd pixel at the bottom / right), both exact: no
 * interpolation changes the pixel statistics that noise and attack radii are measured against, and the
 * images' background is already 0. Smaller N are area-averaged (dicom/resample.ts). 32 is the natural task
 * size: 2 pixels of padding, a multiple of 2^depth for every U-Net preset, and one 32 x 32 compressed-sensing
 * block. Each image is its own group of the train/validation split (the images are independent).
 *
 * papers/002's own datasets (DIV2K, BSD68, Train400, Set11, ImageNet) are not available here: no package ships
 * them and this machine reaches no network. Asking for one is an InputError that says so (PAPER_DATASETS).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { InputError } from '@shared/errors';
import { resampleSquare } from '../dicom';
import type { DataSource, SliceRef } from './source';

/** Debian's dataset-fashion-mnist installs the four IDX files here. */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_PACKAGE = 'dataset-fashion-mnist';
export const FASHION_MNIST_LICENCE = 'Fashion-MNIST (c) 2017 Zalando SE, MIT licence';
const IDX_IMAGES_MAGIC = 0x00000803;
const IMAGE_FILE = /^(.+)-images-idx3-ubyte(\.gz)?$/;

/** papers/002's datasets, which this project cannot load (no package ships them, no network). */
export const PAPER_DATASETS = ['div2k', 'bsd68', 'train400', 'set11', 'imagenet'] as const;

/** The sentence reports print about papers/002's datasets. */
export const PAPER_DATASETS_NOTE =
  "papers/002's datasets (DIV2K and BSD68 for denoising, Train400, Set11 and ImageNet for compressed sensing) " +
  'are not available here: no package ships them and this machine reaches no network. Fashion-MNIST ' +
  `(${FASHION_MNIST_LICENCE}; Debian package ${FASHION_MNIST_PACKAGE}) stands in for them, so absolute ` +
  'PSNRs are not comparable with the paper.';

interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  pixels: Uint8Array;
}

interface IdxRef extends SliceRef {
  split: string;
  index: number;
}

/** Decodes an IDX image file (gunzipped); `where` names the file in errors. */
export function decodeIdxImages(bytes: Uint8Array, where: string): IdxImages {
  const bad = (why: string) => new InputError(`${where}: not an IDX image file (${why})`, { file: where });
  if (bytes.length < 16) throw bad(`${bytes.length} bytes, shorter than the 16-byte header`);
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = v.getUint32(0, false);
  if (magic !== IDX_IMAGES_MAGIC)
    throw bad(`magic 0x${magic.toString(16).padStart(8, '0')}, expected 0x00000803`);
  const count = v.getUint32(4, false);
  const rows = v.getUint32(8, false);
  const cols = v.getUint32(12, false);
  if (rows !== cols || rows < 2) throw bad(`images of ${rows} x ${cols}; square images expected`);
  const want = 16 + count * rows * cols;
  if (bytes.length !== want) throw bad(`${bytes.length} bytes, the header says ${want}`);
  return { count, rows, cols, pixels: bytes.subarray(16) };
}

async function readIdx(file: string): Promise<IdxImages> {
  let raw: Buffer;
  try {
    raw = await fs.readFile(file);
  } catch (e) {
    throw new InputError(`${file}: cannot be read (${(e as { code?: string }).code ?? String(e)})`, { file });
  }
  let bytes: Uint8Array = raw;
  if (file.endsWith('.gz')) {
    try {
      bytes = await promisify(gunzip)(raw);
    } catch (e) {
      throw new InputError(`${file}: not a valid gzip file (${(e as Error).message})`, { file });
    }
  }
  return decodeIdxImages(bytes, file);
}

/** 28 x 28 (any M x M) uint8 -> N x N intensities in [0, 1] (file comment: replicate, pad, or area-average). */
export function fitIdxImage(src: Uint8Array, M: number, N: number): Float32Array {
  const x = Float32Array.from(src, (v) => v / 255);
  if (N < M) return resampleSquare(x, M, M, null, N, { fillHu: 0 }).hu;
  const k = Math.floor(N / M);
  const off = Math.floor((N - k * M) / 2);
  const out = new Float32Array(N * N);
  for (let i = 0; i < k * M; i++)
    for (let j = 0; j < k * M; j++)
      out[(off + i) * N + off + j] = x[Math.floor(i / k) * M + Math.floor(j / k)];
  return out;
}

/** The image files of a folder: split name ('train', 't10k') -> file (a .gz wins over a plain copy). */
export async function listIdxImageFiles(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await fs.readdir(dir)).sort()) {
    const m = IMAGE_FILE.exec(name);
    if (m && (!out.has(m[1]) || m[2])) out.set(m[1], path.join(dir, name));
  }
  return out;
}

const SPLIT_ALIASES: Record<string, string> = { train: 'train', test: 't10k', t10k: 't10k' };

/**
 * A source over the IDX image files of `dir` (all splits, or the named ones). `spec` is what the user passed;
 * `name` labels ids ('fashion-mnist:test#12').
 */
export async function idxSource(
  spec: string,
  dir: string,
  o: { name?: string; splits?: readonly string[]; licence?: string; installHint?: string } = {},
): Promise<DataSource> {
  // A missing folder is the same problem as missing files (e.g. the Debian package is not installed).
  const files = await listIdxImageFiles(dir).catch(() => new Map<string, string>());
  const wanted = o.splits ?? [...files.keys()];
  const missing = wanted.filter((s) => !files.has(s));
  if (files.size === 0 || missing.length > 0) {
    const what = missing.length > 0 ? `${missing[0]}-images-idx3-ubyte.gz` : '*-images-idx3-ubyte[.gz]';
    const hint = o.installHint ? `; ${o.installHint}` : '';
    throw new InputError(`${spec}: ${path.join(dir, what)} not found${hint}`, { spec, dir });
  }
  const name = o.name ?? path.basename(dir);
  const loaded = new Map<string, IdxImages>();
  const refs: IdxRef[] = [];
  for (const split of wanted) {
    const idx = await readIdx(files.get(split) as string);
    loaded.set(split, idx);
    const label = split === 't10k' ? 'test' : split;
    for (let i = 0; i < idx.count; i++) {
      const id = `${name}:${label}#${i}`;
      refs.push({ id, group: id, split, index: i });
    }
  }
  const counts = wanted.map((s) => `${loaded.get(s)?.count} ${s === 't10k' ? 'test' : s}`).join(' + ');
  const first = loaded.get(wanted[0]) as IdxImages;
  return {
    kind: 'idx',
    spec,
    description:
      `${name}: ${counts} images of ${first.rows}x${first.cols}, intensities in [0, 1] (pixel / 255)` +
      (o.licence ? `; ${o.licence}` : ''),
    refs,
    warnings: [],
    async load(ref: SliceRef, N: number): Promise<Float32Array> {
      const r = ref as IdxRef;
      const idx = loaded.get(r.split);
      if (!idx || !(r.index >= 0 && r.index < idx.count)) {
        throw new InputError(`${spec}: no image ${ref.id}`, { spec, id: ref.id });
      }
      const M = idx.rows;
      return fitIdxImage(idx.pixels.subarray(r.index * M * M, (r.index + 1) * M * M), M, N);
    },
  };
}

/** Whether a file name is an IDX file of an MNIST-like dataset (images or labels). */
export function isIdxFileName(name: string): boolean {
  return /-(images-idx3|labels-idx1)-ubyte(\.gz)?$/.test(name);
}

const FASHION_MNIST_NAME = /^fashion-mnist(?::(train|test|t10k))?$/;

/**
 * The folder a dataset name stands for (`fashion-mnist[:train|:test]` -> Debian's folder), or undefined when
 * `spec` is not a dataset name. A name of papers/002's datasets is an InputError that says they are unavailable.
 */
export function namedDatasetDir(spec: string): string | undefined {
  const t = spec.trim().toLowerCase();
  if ((PAPER_DATASETS as readonly string[]).includes(t)) {
    throw new InputError(
      `--data ${spec}: ${PAPER_DATASETS_NOTE} Use fashion-mnist:train / fashion-mnist:test.`,
      {
        spec,
      },
    );
  }
  return FASHION_MNIST_NAME.test(t) ? FASHION_MNIST_DIR : undefined;
}

/** `fashion-mnist[:train|:test]` -> Debian's Fashion-MNIST; undefined for other specs (namedDatasetDir). */
export async function namedIdxSource(spec: string): Promise<DataSource | undefined> {
  if (!namedDatasetDir(spec)) return undefined;
  const split = FASHION_MNIST_NAME.exec(spec.trim().toLowerCase())?.[1];
  return idxSource(spec, FASHION_MNIST_DIR, {
    name: 'fashion-mnist',
    splits: split ? [SPLIT_ALIASES[split]] : ['train', 't10k'],
    licence: FASHION_MNIST_LICENCE,
    installHint: `install Debian's ${FASHION_MNIST_PACKAGE} (apt-get install ${FASHION_MNIST_PACKAGE}) or give a folder holding the IDX files as --data`,
  });
}
