/**
 * `smt-adv`: Smoothed Adversarial Training, Algorithm 1 of papers/002 (after Salman et al. 2019):
 *
 *   min_theta E l(f(y_{x + xi*}), x),   xi* = argmax_{||xi|| <= eps} l( E_delta f(y_{x + xi + delta}), x ),   (eq. 8)
 *
 * with y_{x+xi+delta} = y + A xi + A delta (image-space perturbation xi and smoothing noise
 * delta ~ N(0, sigma^2 I), entering through the projector A as in papers/002), and the expectation replaced by
 * the Monte-Carlo mean over S samples (eq. 9): f-hat(y') = (1/S) sum_k f(y' + A delta_k).
 *
 * Per mini-batch: draw delta_1..delta_S once (from ctx.rng, so a checkpoint resumes them), then T_itr PGD
 * steps from xi_0 = 0: xi <- P_eps(xi + stepSize * eps * g / ||g||) with g the gradient of
 * l(f-hat(y + A xi), x) with respect to xi (Algorithm 1 steps by r * Delta; we normalize the step as the `pgd`
 * method does, so that its length does not depend on the loss scale); then one model step on
 * l(f(y + A xi*), x) (Algorithm 1's last line: the update itself uses no smoothing noise). Keeping the same S
 * noises through the T steps makes the inner objective one fixed function to ascend (Salman et al. do the same).
 *
 * Units (defaults.ts): eps_b = epsRelative ||x_b||, sigma_b = sigmaRelative RMS(x_b) per slice, or one
 * absolute eps / sigma for every slice (epsAbsolute / sigmaAbsolute > 0, papers/002's own convention); l is the
 * per-pixel MSE. The S x B noisy copies go through the network as one batch in training mode without
 * updating batch norm's moving statistics.
 */
import { tf } from '../../backend';
import { resolveHyper } from '../defaults';
import type { MethodContext, StepResult, TrainBatch, TrainingMethod } from '../method';
import { mseLoss } from '../../metrics';
import { normalizeSlices, projectL2, sliceNorms } from '../../ops';
import { minimizeModel, stateless } from './common';

export interface SmtAdvHyper {
  epsRelative: number;
  /** > 0: one absolute radius (image units) for every slice. */
  epsAbsolute?: number;
  steps: number;
  stepSize: number;
  sigmaRelative: number;
  /** > 0: one absolute sigma per pixel (image units) for every slice. */
  sigmaAbsolute?: number;
  samples: number;
}

/**
 * A per-slice level [B,1,1,1]: `absolute` for every slice when > 0, else `relative` times the slice's
 * `scale` (its l2 norm for radii, its RMS for noise levels).
 */
export function perSliceLevel(
  x: tf.Tensor,
  scale: (x: tf.Tensor) => tf.Tensor,
  relative: number,
  absolute = 0,
): tf.Tensor {
  return tf.tidy(() =>
    absolute > 0 ? tf.fill([x.shape[0], 1, 1, 1], absolute) : tf.mul(scale(x), relative),
  );
}

/** Per-slice RMS of x, shaped [B,1,1,1]. */
export function itemRms(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(sliceNorms(x), Math.sqrt(x.size / x.shape[0])));
}

/**
 * S smoothing noises per slice in image space, delta ~ N(0, sigma_b^2 I), drawn from ctx.rng and returned
 * through the projector: A delta as [S*B, A, D, 1], copy-major (rows s*B .. s*B + B - 1 are copy s).
 */
export function smoothingNoiseY(
  x: tf.Tensor4D,
  ctx: MethodContext,
  samples: number,
  sigma: tf.Tensor,
): tf.Tensor4D {
  const [B, N, M, C] = x.shape;
  const v = ctx.rng.fillNormal(new Float32Array(samples * B * N * M * C));
  return tf.tidy(() => {
    const d = tf.mul(tf.tensor4d(v, [samples * B, N, M, C]), tf.tile(sigma, [samples, 1, 1, 1]));
    return ctx.op.forward(d as tf.Tensor4D);
  });
}

/** f-hat(y') = (1/S) sum_k f(y' + A delta_k) (eq. 9) for y' [B,...] and A delta [S*B,...] (copy-major). */
export function smoothedApply(ctx: MethodContext, yPrime: tf.Tensor4D, aDelta: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const B = yPrime.shape[0];
    const S = aDelta.shape[0] / B;
    const out = ctx.model.apply(tf.add(tf.tile(yPrime, [S, 1, 1, 1]), aDelta) as tf.Tensor4D, true, {
      updateStats: false,
    });
    const [, N, M, C] = out.shape;
    return tf.mean(tf.reshape(out, [S, B, N, M, C]), 0) as tf.Tensor4D;
  });
}

export interface SmoothedPgdResult {
  /** xi* in image space [B,N,N,1], ||xi_b|| <= eps_b. */
  xi: tf.Tensor4D;
  /** l(f-hat(y), x) at xi = 0 and at xi*. */
  smoothedLossStart: number;
  smoothedLossEnd: number;
}

/** The inner maximization of Algorithm 1 (file comment). Caller owns xi. */
export function smoothedPgdPerturbation(
  batch: TrainBatch,
  ctx: MethodContext,
  h: SmtAdvHyper,
): SmoothedPgdResult {
  const eps = perSliceLevel(batch.x, sliceNorms, h.epsRelative, h.epsAbsolute);
  const sigma = perSliceLevel(batch.x, itemRms, h.sigmaRelative, h.sigmaAbsolute);
  const aDelta = smoothingNoiseY(batch.x, ctx, h.samples, sigma);
  const lossOf = (xi: tf.Tensor): tf.Scalar =>
    mseLoss(
      smoothedApply(ctx, tf.add(batch.y, ctx.op.forward(xi as tf.Tensor4D)) as tf.Tensor4D, aDelta),
      batch.x,
    );
  const gradOf = tf.valueAndGrad(lossOf);
  let xi: tf.Tensor = tf.zerosLike(batch.x);
  let start = NaN;
  try {
    for (let t = 0; t < h.steps; t++) {
      const [next, value] = tf.tidy(() => {
        const { value, grad } = gradOf(xi);
        return [projectL2(tf.add(xi, tf.mul(normalizeSlices(grad), tf.mul(eps, h.stepSize))), eps), value];
      });
      if (t === 0) start = value.dataSync()[0];
      value.dispose();
      xi.dispose();
      xi = next;
    }
    const end = tf.tidy(() => lossOf(xi).dataSync()[0]);
    return { xi: xi as tf.Tensor4D, smoothedLossStart: start, smoothedLossEnd: end };
  } catch (e) {
    xi.dispose();
    throw e;
  } finally {
    tf.dispose([eps, sigma, aDelta]);
  }
}

/** The `smt-adv` method (file comment). `hyper`: overrides of defaults.ts's smt-adv table. */
export function createSmtAdvMethod(
  hyper: Partial<SmtAdvHyper> | Record<string, unknown> = {},
): TrainingMethod {
  const h = resolveHyper('smt-adv', hyper as Record<string, unknown>) as unknown as SmtAdvHyper;
  return {
    name: 'smt-adv',
    hyper: h as unknown as Record<string, number | string | boolean>,
    ...stateless,
    step(batch: TrainBatch, ctx: MethodContext): StepResult {
      const p = smoothedPgdPerturbation(batch, ctx, h);
      const yAdv = tf.tidy(() => tf.add(batch.y, ctx.op.forward(p.xi)) as tf.Tensor4D);
      const xiRelative = tf.tidy(
        () => tf.mean(tf.div(sliceNorms(p.xi), tf.maximum(sliceNorms(batch.x), 1e-30))).dataSync()[0],
      );
      try {
        const r = minimizeModel(ctx, () => {
          const mseAdversarial = mseLoss(ctx.model.apply(yAdv, true), batch.x);
          return { total: mseAdversarial, terms: { mseAdversarial } };
        });
        Object.assign(r.terms, {
          xiRelative,
          smoothedLossStart: p.smoothedLossStart,
          smoothedLossEnd: p.smoothedLossEnd,
        });
        return r;
      } finally {
        tf.dispose([p.xi, yAdv]);
      }
    },
  };
}
