/**
 * attacks: perturbation searches against a fixed reconstructor (DESIGN.md section 4), batched over slices,
 * seeded, with progress and cancellation through an optional JobContext.
 *
 *   pgaY / pgdX        projected gradient ascent with momentum on the l2 ball in y / in x (eq. 8 of papers/000)
 *   antunX             penalized x-space objective Q_y(r) (eq. 3 of papers/000), momentum 0.9
 *   mismatchAttack     operator mismatch (angle offset, detector shift, per-view gains); mismatchSweep for
 *                      the error-versus-mismatch curves
 *   generatorAttack    a perturbation generator G trained against the fixed model (eq. 7's maximization),
 *                      evaluated on held-out slices next to PGA (generator.ts)
 *   spsaY / spsaX      the same balls searched with forward passes only (SPSA), for black-box models
 *   rhoHatCurve        rho-hat(eps) over an eps grid with warm starts (eq. 9 of papers/000)
 *   getAttack(kind)    the attack of a kind (types.ts: the Attack contract and result types)
 *   attackFor(kind, model)  the attack an audit runs: the gradient-free counterpart on a black-box model
 */
import { UsageError } from '@shared/errors';
import { antunX } from './antun-x';
import { generatorAttack } from './generator';
import { pgaY, pgdX } from './l2-ball';
import { mismatchAttack } from './mismatch';
import { GRADIENT_FREE_KIND, spsaX, spsaY } from './spsa';
import type { Attack, AttackKind, AttackOptions } from './types';
import type { Reconstructor } from '../models/reconstructor';

export * from './types';
export { pgaY, pgdX, radiusScales, L2_BALL_DEFAULTS, type L2BallAttackOptions } from './l2-ball';
export { antunX, antunObjective, ANTUN_DEFAULTS, type AntunOptions } from './antun-x';
export {
  mismatchAttack,
  mismatchSweep,
  MISMATCH_DEFAULTS,
  type MismatchOptions,
  type MismatchPoint,
  type MismatchReport,
  type MismatchWorst,
  type MismatchParameter,
} from './mismatch';
export { mismatchedForward, mismatchedPlan, type OperatorMismatch } from './mismatch-projector';
export { rhoHatCurve, type RhoHatOptions } from './rho-hat';
export { spsaX, spsaY, SPSA_DEFAULTS, GRADIENT_FREE_KIND, type SpsaOptions } from './spsa';
export {
  generatorAttack,
  GENERATOR_ATTACK_DEFAULTS,
  type GeneratorAttack,
  type GeneratorAttackOptions,
  type GeneratorAttackResult,
} from './generator';

const ATTACKS: Partial<Record<AttackKind, Attack<AttackOptions>>> = {
  'pga-y': pgaY as Attack<AttackOptions>,
  'pgd-x': pgdX as Attack<AttackOptions>,
  'antun-x': antunX as Attack<AttackOptions>,
  mismatch: mismatchAttack as Attack<AttackOptions>,
  generator: generatorAttack as Attack<AttackOptions>,
  'spsa-y': spsaY as Attack<AttackOptions>,
  'spsa-x': spsaX as Attack<AttackOptions>,
};

/** The attack of a kind; a kind that is not available here (yet) is a UsageError naming the available ones. */
export function getAttack(kind: AttackKind): Attack<AttackOptions> {
  const a = ATTACKS[kind];
  if (!a) {
    throw new UsageError(
      `attack kind "${kind}" is not available; available: ${Object.keys(ATTACKS).join(', ')}`,
    );
  }
  return a;
}

/**
 * The attack an audit runs for `kind` on `model`: the gradient-free counterpart (spsa-y for pga-y, spsa-x for
 * pgd-x) when the model is black-box (no gradients), else the attack itself.
 */
export function attackFor(kind: AttackKind, model: Reconstructor): Attack<AttackOptions> {
  if (model.differentiable !== false) return getAttack(kind);
  const free = GRADIENT_FREE_KIND[kind];
  if (!free) {
    throw new UsageError(
      `attack kind "${kind}" needs gradients, and ${model.describe()} is black-box; use pga-y or pgd-x (run gradient-free on it)`,
    );
  }
  return getAttack(free);
}
