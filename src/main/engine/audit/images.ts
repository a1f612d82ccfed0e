/**
 * images/ of an audit (DESIGN.md section 5): .npy arrays and PNG panels of the worst slices per model.
 *
 * Which slices are worst is known only at the end, so while the audit runs the images of each unit go to
 * images/.cache/<model>/ and only the current top-k per model are kept (a unit once outside the top-k can never
 * come back into it, so pruning is safe). The images are written before the unit's result lines, so every
 * unit in results.jsonl has its images unless they were pruned; on resume, leftovers of units without lines
 * are simply overwritten. At the end `writeWorstImages` moves the top-k into
 * images/<model>/worst-<rank>-s<slice index>/ (no file or patient names: the slice index keys results.jsonl)
 * and removes the cache.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readNpy, writeFileAtomic, writeNpy } from '../io/npy';
import { encodeGrayPng } from '../io/png';
import type { UnitImages } from './evaluate-unit';

/**
 * The images of one slice at one grid point (the largest radius for the worst-case panels): reference, clean,
 * perturbed and the smoothed estimate at the slice's best sigma (null without certification), and the
 * perturbation y' - y [views, detectors].
 */
export interface WorstCaseImages {
  size: number;
  views: number;
  detectors: number;
  reference: Float32Array;
  clean: Float32Array;
  perturbed: Float32Array;
  perturbation: Float32Array;
  smoothed: Float32Array | null;
  /** The sigma index of `smoothed` (the slice's best sigma at this point). */
  sigmaIndex: number | null;
}

/** The worst-case images of a unit at grid point `k` (default: the last, largest radius). */
export function worstCaseImages(im: UnitImages, k = im.points.length - 1): WorstCaseImages {
  const pt = im.points[k];
  return {
    size: im.size,
    views: im.views,
    detectors: im.detectors,
    reference: im.reference,
    clean: im.clean,
    perturbed: pt.perturbed,
    perturbation: pt.perturbation,
    smoothed: pt.smoothed,
    sigmaIndex: pt.bestSigma,
  };
}

export const IMAGES_DIR = 'images';
const CACHE_DIR = '.cache';

export function sliceKey(index: number): string {
  return `s${String(index).padStart(4, '0')}`;
}

function cachePaths(auditDir: string, model: string, sliceIndex: number) {
  const dir = path.join(auditDir, IMAGES_DIR, CACHE_DIR, model);
  const key = sliceKey(sliceIndex);
  return {
    dir,
    stack: path.join(dir, `${key}.npy`),
    perturbation: path.join(dir, `${key}.perturbation.npy`),
    meta: path.join(dir, `${key}.json`),
  };
}

/** Save a unit's worst-case images in the cache (stack [3 or 4, N, N]: reference, clean, perturbed, smoothed). */
export async function cacheUnitImages(
  auditDir: string,
  model: string,
  sliceIndex: number,
  im: WorstCaseImages,
): Promise<void> {
  const p = cachePaths(auditDir, model, sliceIndex);
  await fs.mkdir(p.dir, { recursive: true });
  const n = im.size * im.size;
  const layers = im.smoothed ? 4 : 3;
  const stack = new Float32Array(layers * n);
  stack.set(im.reference, 0);
  stack.set(im.clean, n);
  stack.set(im.perturbed, 2 * n);
  if (im.smoothed) stack.set(im.smoothed, 3 * n);
  await writeNpy(p.stack, stack, [layers, im.size, im.size]);
  await writeNpy(p.perturbation, im.perturbation, [im.views, im.detectors]);
  await writeFileAtomic(p.meta, JSON.stringify({ sigmaIndex: im.sigmaIndex }));
}

export async function loadCachedImages(
  auditDir: string,
  model: string,
  sliceIndex: number,
): Promise<WorstCaseImages | null> {
  const p = cachePaths(auditDir, model, sliceIndex);
  try {
    const meta = JSON.parse(await fs.readFile(p.meta, 'utf8')) as { sigmaIndex: number | null };
    const stack = await readNpy(p.stack);
    const pert = await readNpy(p.perturbation);
    const [layers, N] = stack.shape;
    const n = N * N;
    const layer = (k: number) => stack.data.slice(k * n, (k + 1) * n);
    return {
      size: N,
      reference: layer(0),
      clean: layer(1),
      perturbed: layer(2),
      smoothed: layers > 3 ? layer(3) : null,
      sigmaIndex: meta.sigmaIndex,
      perturbation: pert.data,
      views: pert.shape[0],
      detectors: pert.shape[1],
    };
  } catch {
    return null;
  }
}

/** Delete the cached images of `model` whose slice is not in `keep`. */
export async function pruneCache(auditDir: string, model: string, keep: ReadonlySet<number>): Promise<void> {
  const dir = path.join(auditDir, IMAGES_DIR, CACHE_DIR, model);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) {
    const m = /^s(\d+)\./.exec(name);
    if (m && !keep.has(Number(m[1]))) await fs.rm(path.join(dir, name), { force: true });
  }
}

export async function removeCache(auditDir: string): Promise<void> {
  await fs.rm(path.join(auditDir, IMAGES_DIR, CACHE_DIR), { recursive: true, force: true });
}

/** Top-k slice indices by error (descending; ties: lower index), as summary.ts ranks them. */
export function topK(errors: ReadonlyMap<number, number>, k: number): number[] {
  return [...errors.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, k)
    .map(([i]) => i);
}

// ------------------------------------------------------------------------------------------------ PNGs

function toGray(v: ArrayLike<number>, lo: number, hi: number): Uint8Array {
  const out = new Uint8Array(v.length);
  const s = hi > lo ? 255 / (hi - lo) : 0;
  for (let i = 0; i < v.length; i++) out[i] = Math.max(0, Math.min(255, Math.round((v[i] - lo) * s)));
  return out;
}

function range(v: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < v.length; i++) {
    lo = Math.min(lo, v[i]);
    hi = Math.max(hi, v[i]);
  }
  return [lo, hi];
}

function maxAbs(v: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i]));
  return m;
}

function diff(a: Float32Array, b: Float32Array): Float32Array {
  return a.map((v, i) => v - b[i]);
}

/**
 * A panel of N x N tiles (2 px white gaps): row 1 reference, clean, perturbed, smoothed on the reference's
 * [min, max]; row 2 the signed differences to the reference on one symmetric scale (mid-grey = 0).
 */
export function panelPng(im: WorstCaseImages): Buffer {
  const smoothed = im.smoothed;
  const N = im.size;
  const gap = 2;
  const cols = smoothed ? 4 : 3;
  const W = cols * N + (cols - 1) * gap;
  const H = 2 * N + gap;
  const gray = new Uint8Array(W * H).fill(255);
  const put = (tile: Uint8Array, r: number, c: number) => {
    for (let i = 0; i < N; i++)
      gray.set(tile.subarray(i * N, (i + 1) * N), (r * (N + gap) + i) * W + c * (N + gap));
  };
  const [lo, hi] = range(im.reference);
  const images = [im.reference, im.clean, im.perturbed, ...(smoothed ? [smoothed] : [])];
  images.forEach((v, c) => put(toGray(v, lo, hi), 0, c));
  const diffs = [im.clean, im.perturbed, ...(smoothed ? [smoothed] : [])].map((v) => diff(v, im.reference));
  const m = Math.max(1e-12, ...diffs.map(maxAbs));
  diffs.forEach((d, c) => put(toGray(d, -m, m), 1, c + 1));
  return encodeGrayPng(gray, W, H);
}

export interface WorstImageEntry {
  model: string;
  rank: number;
  sliceIndex: number;
  /** Folder relative to the audit folder. */
  dir: string;
  files: string[];
  sigmaIndex: number | null;
  /** Display range of the images (the reference's min and max) and of the difference maps (+-). */
  range: [number, number];
  diffRange: number;
}

/**
 * Write the final folders of the worst slices of one model: reference/clean/perturbed/smoothed .npy + PNG,
 * perturbation.npy + PNG (views x detectors), panel.png. The smoothed image is the slice's best sigma.
 */
export async function writeWorstImages(
  auditDir: string,
  model: string,
  rank: number,
  sliceIndex: number,
  im: WorstCaseImages,
): Promise<WorstImageEntry> {
  const rel = path.join(IMAGES_DIR, model, `worst-${rank}-${sliceKey(sliceIndex)}`);
  const dir = path.join(auditDir, rel);
  await fs.mkdir(dir, { recursive: true });
  const N = im.size;
  const smoothed = im.smoothed;
  const [lo, hi] = range(im.reference);
  const files: string[] = [];
  const img = async (name: string, v: Float32Array) => {
    await writeNpy(path.join(dir, `${name}.npy`), v, [N, N]);
    await writeFileAtomic(path.join(dir, `${name}.png`), encodeGrayPng(toGray(v, lo, hi), N, N));
    files.push(`${name}.npy`, `${name}.png`);
  };
  await img('reference', im.reference);
  await img('clean', im.clean);
  await img('perturbed', im.perturbed);
  if (smoothed) await img('smoothed', smoothed);
  const pm = Math.max(1e-12, maxAbs(im.perturbation));
  await writeNpy(path.join(dir, 'perturbation.npy'), im.perturbation, [im.views, im.detectors]);
  await writeFileAtomic(
    path.join(dir, 'perturbation.png'),
    encodeGrayPng(toGray(im.perturbation, -pm, pm), im.detectors, im.views),
  );
  files.push('perturbation.npy', 'perturbation.png');
  await writeFileAtomic(path.join(dir, 'panel.png'), panelPng(im));
  files.push('panel.png');
  const diffRange = Math.max(
    1e-12,
    ...[im.clean, im.perturbed, ...(smoothed ? [smoothed] : [])].map((v) => maxAbs(diff(v, im.reference))),
  );
  return {
    model,
    rank,
    sliceIndex,
    dir: rel,
    files,
    sigmaIndex: smoothed ? im.sigmaIndex : null,
    range: [lo, hi],
    diffRange,
  };
}

/** Read back a final worst-slice folder (for `report --from`). */
export async function readWorstImages(auditDir: string, e: WorstImageEntry): Promise<WorstCaseImages> {
  const dir = path.join(auditDir, e.dir);
  const read = async (name: string) => (await readNpy(path.join(dir, `${name}.npy`))).data;
  const pert = await readNpy(path.join(dir, 'perturbation.npy'));
  const reference = await read('reference');
  const smoothed = e.files.includes('smoothed.npy') ? await read('smoothed') : null;
  return {
    size: Math.round(Math.sqrt(reference.length)),
    reference,
    clean: await read('clean'),
    perturbed: await read('perturbed'),
    smoothed,
    sigmaIndex: e.sigmaIndex,
    perturbation: pert.data,
    views: pert.shape[0],
    detectors: pert.shape[1],
  };
}
