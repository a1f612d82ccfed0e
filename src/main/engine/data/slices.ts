/**
 * `loadSlices(source, N, opts)`: the slices of a `--data` spec (or an open DataSource) one at a time, for
 * commands that process slices rather than train on them (attacks, certification, audits). A finite source
 * yields every slice in index order (or `opts.count` of them); ellipses yield `opts.count` phantoms
 * (default 1) of the stream `opts.stream` (default 'test', disjoint from the training streams).
 */
import { UsageError } from '@shared/errors';
import { openDataSource, type OpenDataOptions } from './open';
import type { DataSource } from './source';

export interface LoadedSlice {
  id: string;
  /** Canonical x, N x N row-major. */
  x: Float32Array;
  /** The series / file / phantom the slice belongs to. */
  group: string;
  /** One line describing the source (no patient identifiers). */
  source: string;
}

export interface LoadSlicesOptions extends OpenDataOptions {
  /** Maximum number of slices (finite sources) or number of phantoms (ellipses, default 1). */
  count?: number;
  /** Generated sources: stream name (default 'test'). */
  stream?: string;
}

export async function* loadSlices(
  source: string | DataSource,
  N: number,
  o: LoadSlicesOptions = {},
): AsyncGenerator<LoadedSlice> {
  if (o.count !== undefined && (!Number.isInteger(o.count) || o.count < 0)) {
    throw new UsageError(`loadSlices: count must be a non-negative integer, got ${o.count}`);
  }
  const src = typeof source === 'string' ? await openDataSource(source, o) : source;
  const refs = src.refs
    ? src.refs.slice(0, o.count ?? src.refs.length)
    : Array.from({ length: o.count ?? 1 }, (_, i) => src.generated!(o.stream ?? 'test', i));
  for (const ref of refs) {
    if (o.signal?.aborted) return;
    yield { id: ref.id, group: ref.group, x: await src.load(ref, N), source: src.description };
  }
}
