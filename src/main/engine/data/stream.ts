/**
 * Deterministic training batches: the batch of global step t is a pure function of (seed, t), so a run
 * resumed from a checkpoint at step t sees exactly the data an uninterrupted run sees (the checkpoint's
 * "data position" is just t).
 *
 *  - finite sources: epoch e = floor(t / stepsPerEpoch) visits the training slices in the order of a
 *    permutation drawn from `${seed}/data/epoch/${e}`; the remainder of floor(n / B) batches is skipped
 *    for that epoch (a different remainder each epoch);
 *  - unlimited sources (ellipses): batch item k of step t is the generated slice `train/${t * B + k}`.
 *  - augmentation (optional): item k of step t gets the symmetry drawn from `${seed}/augment/${t}/${k}`.
 *
 * Slices are loaded on demand through a small LRU cache (`cacheSize` slices), never the whole source.
 */
import { UsageError } from '@shared/errors';
import { createRng, type Seed } from '../random';
import { applyDihedral, randomDihedral } from './augment';
import { LruCache } from './lru';
import type { DataSource, SliceRef } from './source';

export interface StreamOptions {
  N: number;
  batchSize: number;
  seed: Seed;
  augment?: boolean;
  /** Unlimited sources only: steps that make an epoch (default 50). */
  stepsPerEpoch?: number;
  /** Decoded slices kept in memory (default 64). */
  cacheSize?: number;
}

export const DEFAULT_GENERATED_STEPS_PER_EPOCH = 50;

export class SliceStream {
  readonly stepsPerEpoch: number;
  readonly batchSize: number;
  readonly N: number;
  private readonly seed: string;
  private readonly augment: boolean;
  private readonly cache: LruCache<string, Float32Array>;
  private permutation?: { epoch: number; order: number[] };

  constructor(
    readonly source: DataSource,
    /** Training slices of a finite source (after the split); ignored for unlimited sources. */
    readonly train: readonly SliceRef[] | undefined,
    o: StreamOptions,
  ) {
    this.N = o.N;
    this.seed = String(o.seed);
    this.augment = o.augment ?? false;
    this.cache = new LruCache(o.cacheSize ?? 64);
    if (!Number.isInteger(o.batchSize) || o.batchSize < 1) {
      throw new UsageError(`batch size must be a positive integer, got ${o.batchSize}`);
    }
    if (source.refs) {
      const n = train?.length ?? 0;
      if (n === 0) throw new UsageError(`${source.spec}: no training slices left after the validation split`);
      this.batchSize = Math.min(o.batchSize, n);
      this.stepsPerEpoch = Math.max(1, Math.floor(n / this.batchSize));
    } else {
      this.batchSize = o.batchSize;
      this.stepsPerEpoch = o.stepsPerEpoch ?? DEFAULT_GENERATED_STEPS_PER_EPOCH;
    }
  }

  /** The slices of step t (before augmentation). */
  refsAt(step: number): SliceRef[] {
    const B = this.batchSize;
    if (!this.source.refs) {
      const gen = this.source.generated;
      if (!gen) throw new Error(`${this.source.spec}: unlimited source without a generator`);
      return Array.from({ length: B }, (_, k) => gen('train', step * B + k));
    }
    const refs = this.train as readonly SliceRef[];
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (this.permutation?.epoch !== epoch) {
      const order = createRng(`${this.seed}/data/epoch/${epoch}`).shuffle(refs.map((_, i) => i));
      this.permutation = { epoch, order };
    }
    const j = step - epoch * this.stepsPerEpoch;
    return this.permutation.order.slice(j * B, (j + 1) * B).map((i) => refs[i]);
  }

  async loadSlice(ref: SliceRef): Promise<Float32Array> {
    let x = this.cache.get(ref.id);
    if (!x) {
      x = await this.source.load(ref, this.N);
      this.cache.set(ref.id, x);
    }
    return x;
  }

  /** Images of step t, [B, N, N] row-major in one array, augmented when enabled. */
  async imagesAt(step: number): Promise<{ x: Float32Array; ids: string[] }> {
    const refs = this.refsAt(step);
    const NN = this.N * this.N;
    const x = new Float32Array(refs.length * NN);
    for (let k = 0; k < refs.length; k++) {
      let img = await this.loadSlice(refs[k]);
      if (this.augment) {
        img = applyDihedral(img, this.N, randomDihedral(createRng(`${this.seed}/augment/${step}/${k}`)));
      }
      x.set(img, k * NN);
    }
    return { x, ids: refs.map((r) => r.id) };
  }
}

/** Validation slices: the split's (at most `max`, evenly spread) or the generated validation stream. */
export function validationRefs(
  source: DataSource,
  validation: readonly SliceRef[] | undefined,
  max: number,
): SliceRef[] {
  if (!source.refs) {
    const gen = source.generated;
    if (!gen) return [];
    return Array.from({ length: max }, (_, i) => gen('validation', i));
  }
  const v = validation ?? [];
  if (v.length <= max) return [...v];
  return Array.from({ length: max }, (_, i) => v[Math.floor((i * v.length) / max)]);
}
