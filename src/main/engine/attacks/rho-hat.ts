/**
 * The robustness curve rho-hat(eps) = (1/B) sum_i Delta_max(x_i, eps) (eq. 9 of papers/000) over an eps grid,
 * for an l2-ball attack (pga-y, pgd-x). Each eps starts from the previous eps's solution (a warm start:
 * feasible, because the grid is meant to be ascending), and a slice keeps the previous solution when the new
 * search ends below it, so on an ascending grid Delta_max and rho-hat are non-decreasing by construction.
 * rho-hat(0) is the clean error.
 */
import { UsageError } from '@shared/errors';
import { resolveEps, type EpsSpec, formatEps } from '@shared/eps';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor } from '../models/reconstructor';
import { makeOperator } from '../physics';
import { radiusScales } from './l2-ball';
import type { Attack, AttackOptions, AttackResult, RhoHatCurve, RhoHatPoint } from './types';
import { disposeAttackResult } from './types';

/** Per slice, the better (larger error) of two results; disposes both inputs' tensors not kept. */
function mergeBetter(prev: AttackResult, next: AttackResult): AttackResult {
  const usePrev = next.error.map((e, i) => prev.error[i] > e);
  if (!usePrev.some(Boolean)) {
    disposeAttackResult(prev);
    return next;
  }
  const mask = tf.tensor1d(
    usePrev.map((u) => (u ? 1 : 0)),
    'bool',
  );
  const pick = (a: tf.Tensor4D, b: tf.Tensor4D) =>
    tf.tidy(() => tf.where(tf.broadcastTo(mask.reshape([-1, 1, 1, 1]), a.shape), a, b) as tf.Tensor4D);
  const merged: AttackResult = {
    ...next,
    delta: pick(prev.delta, next.delta),
    perturbedMeasurement: pick(prev.perturbedMeasurement, next.perturbedMeasurement),
    perturbedRecon: pick(prev.perturbedRecon, next.perturbedRecon),
    deltaNorm: next.deltaNorm.map((v, i) => (usePrev[i] ? prev.deltaNorm[i] : v)),
    error: next.error.map((v, i) => (usePrev[i] ? prev.error[i] : v)),
    info: { ...next.info, keptPreviousSlices: usePrev.filter(Boolean).length },
  };
  mask.dispose();
  disposeAttackResult(prev);
  disposeAttackResult(next);
  return merged;
}

export interface RhoHatOptions {
  /** Called once per eps with the point and the attack result (its tensors are valid during the call). */
  onPoint?: (point: RhoHatPoint, result: AttackResult, index: number) => void | Promise<void>;
}

/**
 * rho-hat over `grid` (entries absolute or relative, resolved per slice against ||A x|| or ||x||) for an
 * l2-ball attack. `options` are the attack's options without eps/init; `options.seed` seeds eps k with
 * `${seed}/eps-${k}`.
 */
export async function rhoHatCurve<O extends AttackOptions>(
  attack: Attack<O>,
  model: Reconstructor,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  grid: readonly EpsSpec[],
  options: Omit<O, 'eps' | 'init'>,
  job?: JobContext,
  o: RhoHatOptions = {},
): Promise<RhoHatCurve> {
  if (attack.space !== 'x' && attack.space !== 'y') {
    throw new UsageError(`rho-hat: the ${attack.kind} attack has no eps ball; use its own sweep`);
  }
  if (grid.length === 0) throw new UsageError('rho-hat: the eps grid is empty');
  const op = options.op ?? makeOperator(model.geometry);
  const scales = radiusScales(attack.space, x, op);
  const points: RhoHatPoint[] = [];
  let prev: AttackResult | undefined;
  let cleanError: number[] = [];
  const seed = options.seed ?? 0;
  try {
    for (let k = 0; k < grid.length; k++) {
      job?.throwIfCancelled();
      const resolved = scales.map((sc) => resolveEps(grid[k], sc));
      const eps = resolved.map((r) => r.eps);
      const opts = { ...options, op, eps, init: prev?.delta, seed: `${seed}/eps-${k}` } as unknown as O;
      let r = await attack.attack(model, x, y, opts, job);
      // Keep the previous solution where it is better (it is feasible when eps did not shrink).
      if (prev && eps.every((e, i) => e >= prev!.eps[i])) {
        r = mergeBetter(prev, r);
      } else if (prev) {
        disposeAttackResult(prev);
      }
      prev = r;
      cleanError = r.cleanError;
      const slices = r.error.map((err, i) => ({
        eps: eps[i],
        epsRelative: resolved[i].epsRelative,
        epsHu: resolved[i].epsHu,
        error: err,
        deltaNorm: r.deltaNorm[i],
      }));
      const mean = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
      const point: RhoHatPoint = {
        spec: formatEps(grid[k]),
        eps: mean(eps),
        epsRelative: mean(resolved.map((v) => v.epsRelative)),
        epsHu: mean(resolved.map((v) => v.epsHu)),
        rhoHat: mean(r.error),
        slices,
      };
      points.push(point);
      if (o.onPoint) await o.onPoint(point, r, k);
    }
  } finally {
    if (prev) disposeAttackResult(prev);
  }
  return { kind: attack.kind, space: attack.space, points, cleanError };
}
