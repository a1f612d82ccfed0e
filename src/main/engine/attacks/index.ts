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
 *   rhoHatCurve        rho-hat(eps) over an eps grid with warm starts (eq. 9 of papers/000)
 *   getAttack(kind)    the attack of a kind (types.ts: the Attack contract and result types)
 */
import { UsageError } from '@shared/errors';
import { antunX } from './antun-x';
import { generatorAttack } from './generator';
import { pgaY, pgdX } from './l2-ball';
import { mismatchAttack } from './mismatch';
import type { Attack, AttackKind, AttackOptions } from './types';

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
