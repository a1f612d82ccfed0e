/**
 * Random-ellipse phantoms (physics/phantoms-ellipse.ts) as an unlimited, seeded data source. Slice i of
 * stream s is the phantom of seed `${seed}/${s}/${i}`: train and validation streams never share a
 * phantom, and any slice can be regenerated from its id alone (no index, no memory).
 */
import { makePhantom } from '../physics';
import type { Seed } from '../random';
import type { DataSource, SliceRef } from './source';

export interface EllipsesSourceOptions {
  /** Seed of every phantom (default 0). */
  seed?: Seed;
  /** Sub-samples per pixel side when rasterizing (default 4, as makePhantom). */
  supersample?: number;
}

export function ellipsesSource(o: EllipsesSourceOptions = {}): DataSource {
  const seed = String(o.seed ?? 0);
  const supersample = o.supersample;
  const prefix = `ellipses:${seed}/`;
  return {
    kind: 'ellipses',
    spec: 'ellipses',
    description: `random-ellipse phantoms (seed ${seed}, unlimited; body + 4-10 interior ellipses)`,
    refs: undefined,
    warnings: [],
    generated(stream: string, index: number): SliceRef {
      const id = `${prefix}${stream}/${index}`;
      return { id, group: id };
    },
    async load(ref: SliceRef, N: number): Promise<Float32Array> {
      // The phantom seed is the id without the 'ellipses:' prefix: `${seed}/${stream}/${index}`.
      const phantomSeed = ref.id.startsWith(prefix) ? ref.id.slice('ellipses:'.length) : ref.id;
      return makePhantom('ellipses', N, { seed: phantomSeed, supersample }).image;
    },
  };
}
