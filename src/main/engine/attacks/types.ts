/**
 * The common contract of the attacks (DESIGN.md section 4: `Attack`): a perturbation search against a fixed
 * reconstructor f, batched over slices,
 *
 *   attack.attack(model, x, y, { eps, seed, ... }, job?) -> Promise<AttackResult>
 *
 * with x the reference images [B,N,N,1] and y their measurements [B,A,D,1] (A x, possibly noisy). Every
 * attack reports the error it reaches per slice, Delta_max = ||f(y') - x||_2 (eq. 8 of papers/000), next to
 * the clean error ||f(y) - x||_2, and the size of its perturbation both absolute and relative
 * (eps / ||A x|| for measurement-space perturbations, eps / ||x|| for image-space ones; DESIGN.md section 3).
 *
 * Attacks are async so that long searches yield to the event loop between steps (a job host must be able to
 * deliver a cancellation while one runs); they call job.throwIfCancelled() and job.progress() between steps.
 */
import type { tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor } from '../models/reconstructor';
import type { MeasurementOperator } from '../physics';
import type { Seed } from '../random';

export { ATTACK_KINDS, type AttackKind } from '@shared/robustness';
import type { AttackKind } from '@shared/robustness';

/**
 * Where the perturbation lives: 'y' the measurement (sinograms [B,A,D,1]), 'x' the image ([B,N,N,1], entering
 * as A xi), 'operator' the measurement operator itself (mismatch; its `delta` is the induced change of y).
 */
export type PerturbationSpace = 'y' | 'x' | 'operator';

/** Options every attack understands; each kind extends them with its own. */
export interface AttackOptions {
  /**
   * l2 radius of the perturbation in its space, absolute: one value for every slice or one per slice
   * (relative radii are resolved by the caller, e.g. with resolveEps of src/shared/eps.ts). Attacks without
   * a radius (antun-x: a penalty instead) ignore it and report the norm they reached.
   */
  eps: number | readonly number[];
  /** Seed of every random draw of the attack (random starts, restarts, sampling). Default 0. */
  seed?: Seed;
  /** The forward operator A the model assumes. Default: makeOperator(model.geometry). */
  op?: MeasurementOperator;
  /**
   * A starting perturbation [B,...] in the attack's space (warm start, e.g. the previous eps's solution on an
   * eps grid); projected into the ball. Not disposed by the attack.
   */
  init?: tf.Tensor4D;
}

/**
 * What an attack found. The three tensors belong to the caller (dispose them, e.g. with
 * disposeAttackResult); all per-slice arrays have length B.
 */
export interface AttackResult {
  kind: AttackKind;
  space: PerturbationSpace;
  /** Absolute radius per slice: the eps the search was bounded by (antun-x, mismatch: the norm reached). */
  eps: number[];
  /** eps / ||A x|| ('y', 'operator') or eps / ||x|| ('x') per slice. */
  epsRelative: number[];
  /** The perturbation [B,...] in its space ('y' and 'operator': [B,A,D,1]; 'x': [B,N,N,1]). */
  delta: tf.Tensor4D;
  /** ||delta||_2 per slice (computed in Float64). */
  deltaNorm: number[];
  /** The measurement fed to the model: y + delta ('y'), y + A delta ('x'), A' x (+ the noise of y). */
  perturbedMeasurement: tf.Tensor4D;
  /** f(perturbedMeasurement) [B,N,N,1]. */
  perturbedRecon: tf.Tensor4D;
  /** Delta_max per slice, eq. (8) of papers/000: ||f(y') - x||_2. */
  error: number[];
  /** ||f(y) - x||_2 per slice. */
  cleanError: number[];
  /** Kind-specific scalars for reports (steps, step size, restarts, lambda, mismatch parameters...). */
  info: Record<string, number | string | boolean>;
}

export interface Attack<O extends AttackOptions = AttackOptions> {
  readonly kind: AttackKind;
  readonly space: PerturbationSpace;
  /**
   * Search a perturbation for every slice of x [B,N,N,1] / y [B,A,D,1]. Does not dispose x, y or options
   * tensors; leaves tf.memory().numTensors unchanged apart from the result's three tensors.
   */
  attack(
    model: Reconstructor,
    x: tf.Tensor4D,
    y: tf.Tensor4D,
    options: O,
    job?: JobContext,
  ): Promise<AttackResult>;
}

/** One point of the robustness curve rho-hat(eps) (eq. 9 of papers/000). */
export interface RhoHatPoint {
  /** The eps entry as given (e.g. "1%" or "0.5"). */
  spec: string;
  /** Mean over slices of the absolute radius (equal to it when the entry is absolute). */
  eps: number;
  /** Mean over slices of the relative radius. */
  epsRelative: number;
  /** Mean over slices of the HU-equivalent RMS radius (src/shared/eps.ts). */
  epsHu: number;
  /** rho-hat(eps) = (1/B) sum_i Delta_max(x_i, eps), eq. (9) of papers/000. */
  rhoHat: number;
  /** Per slice: radius (absolute, relative), Delta_max, ||delta||. */
  slices: { eps: number; epsRelative: number; epsHu: number; error: number; deltaNorm: number }[];
}

export interface RhoHatCurve {
  kind: AttackKind;
  space: PerturbationSpace;
  points: RhoHatPoint[];
  /** ||f(y) - x||_2 per slice; rho-hat(0) equals its mean. */
  cleanError: number[];
}

/** Dispose the tensors of an attack result. */
export function disposeAttackResult(r: AttackResult): void {
  r.delta.dispose();
  r.perturbedMeasurement.dispose();
  r.perturbedRecon.dispose();
}
