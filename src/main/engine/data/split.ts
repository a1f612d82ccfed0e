/**
 * Train/validation split by group (series for DICOM, file for npy): all slices of a group land on the same
 * side, so validation never sees a neighbour of a training slice. Groups are shuffled with the run seed
 * and moved to validation until it holds `validationFraction` of the slices (at least one group, never
 * every group). One group only (a single series or a single stack) cannot be split that way: its last
 * slices (a contiguous block) are held out instead, and the split says so in `mode` and `warnings`.
 */
import { UsageError } from '@shared/errors';
import { createRng, type Seed } from '../random';
import type { SliceRef } from './source';

export type SplitMode = 'by-group' | 'single-group-tail' | 'generated';

export interface DataSplit {
  mode: SplitMode;
  train: SliceRef[];
  validation: SliceRef[];
  trainGroups: string[];
  validationGroups: string[];
  warnings: string[];
}

export interface SplitOptions {
  /** Fraction of slices held out (default 0.1), in [0, 0.9]. */
  validationFraction?: number;
  seed?: Seed;
}

export const DEFAULT_VALIDATION_FRACTION = 0.1;

export function splitByGroup(refs: readonly SliceRef[], o: SplitOptions = {}): DataSplit {
  const fraction = o.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  if (!(fraction >= 0 && fraction <= 0.9)) {
    throw new UsageError(`validation fraction must be in [0, 0.9], got ${fraction}`);
  }
  const byGroup = new Map<string, SliceRef[]>();
  for (const r of refs) {
    const g = byGroup.get(r.group);
    if (g) g.push(r);
    else byGroup.set(r.group, [r]);
  }
  const groups = [...byGroup.keys()].sort();
  const warnings: string[] = [];
  if (fraction === 0 || refs.length < 2) {
    if (fraction > 0) warnings.push('only one slice: no validation data');
    return {
      mode: 'by-group',
      train: [...refs],
      validation: [],
      trainGroups: groups,
      validationGroups: [],
      warnings,
    };
  }
  if (groups.length === 1) {
    const all = byGroup.get(groups[0]) as SliceRef[];
    const k = Math.max(1, Math.min(all.length - 1, Math.round(fraction * all.length)));
    warnings.push(
      `one series/stack only (${groups[0]}): validation is its last ${k} slice(s), which are not independent of the training slices; add another series for an honest validation`,
    );
    return {
      mode: 'single-group-tail',
      train: all.slice(0, all.length - k),
      validation: all.slice(all.length - k),
      trainGroups: groups,
      validationGroups: groups,
      warnings,
    };
  }
  const order = createRng(o.seed ?? 0)
    .fork('split')
    .shuffle([...groups]);
  const target = fraction * refs.length;
  const validationGroups: string[] = [];
  let held = 0;
  for (const g of order) {
    if (validationGroups.length > 0 && held >= target) break;
    if (validationGroups.length === groups.length - 1) break;
    validationGroups.push(g);
    held += (byGroup.get(g) as SliceRef[]).length;
  }
  const isVal = new Set(validationGroups);
  return {
    mode: 'by-group',
    train: refs.filter((r) => !isVal.has(r.group)),
    validation: refs.filter((r) => isVal.has(r.group)),
    trainGroups: groups.filter((g) => !isVal.has(g)),
    validationGroups: [...validationGroups].sort(),
    warnings,
  };
}
