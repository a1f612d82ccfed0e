/**
 * `pgd`: adversarial training, eq. (2) of papers/002 ("Adv"; Madry et al. 2018):
 *   min_theta E l(f(y + delta*), x),   delta* = argmax_{||delta_b|| <= eps_b} l(f(y + delta), x),
 * with delta in measurement space (papers/000's argument for y-space perturbations) or, with
 * space = 'image', delta = A xi and ||xi_b|| <= eps_b (y = A(x + xi), papers/002 eq. 2).
 *
 * The inner maximization is l2 PGD from delta = 0 (papers/002 Algorithm 1 starts at 0): T steps of length
 * stepSize * eps along the per-slice normalized gradient, each followed by the projection onto the ball.
 * Normalized steps make the step length independent of the loss scale (the papers' absolute r is tied to
 * their 0..255 images). The attack runs the network in training mode (batch statistics, the function being
 * trained) without updating batch norm's moving statistics; gradients w.r.t. the input come from tf.grad.
 */
import { tf } from '../../backend';
import type { MethodContext, TrainBatch, TrainingMethod } from '../method';
import { resolveHyper } from '../defaults';
import { mseLoss } from '../../metrics';
import { normalizeSlices, projectL2, sliceNorms } from '../../ops';
import { minimizeModel, stateless } from './common';

export interface PgdSettings {
  epsRelative: number;
  /** > 0: one absolute radius for every slice instead of epsRelative times the slice's norm. */
  epsAbsolute?: number;
  steps: number;
  stepSize: number;
  space: 'measurement' | 'image';
}

/**
 * The measurement-space perturbation delta* (shape of y) found by PGD against the training-mode network.
 * Caller owns the result.
 */
export function pgdPerturbation(batch: TrainBatch, ctx: MethodContext, s: PgdSettings): tf.Tensor4D {
  const image = s.space === 'image';
  const base = image ? batch.x : batch.y;
  const eps = tf.tidy(() =>
    (s.epsAbsolute ?? 0) > 0
      ? tf.fill([base.shape[0], 1, 1, 1], s.epsAbsolute as number)
      : tf.mul(sliceNorms(base), s.epsRelative),
  );
  const toY = (d: tf.Tensor): tf.Tensor4D =>
    image
      ? (tf.add(batch.y, ctx.op.forward(d as tf.Tensor4D)) as tf.Tensor4D)
      : (tf.add(batch.y, d) as tf.Tensor4D);
  const lossOf = (d: tf.Tensor): tf.Scalar =>
    mseLoss(ctx.model.apply(toY(d), true, { updateStats: false }), batch.x);
  const gradOf = tf.grad(lossOf);
  let delta: tf.Tensor = tf.zerosLike(base);
  for (let t = 0; t < s.steps; t++) {
    const next = tf.tidy(() => {
      const g = gradOf(delta);
      return projectL2(tf.add(delta, tf.mul(normalizeSlices(g), tf.mul(eps, s.stepSize))), eps);
    });
    delta.dispose();
    delta = next;
  }
  const out = tf.tidy(() => (image ? ctx.op.forward(delta as tf.Tensor4D) : delta.clone()) as tf.Tensor4D);
  tf.dispose([delta, eps]);
  return out;
}

export function createPgd(options: Record<string, unknown> = {}): TrainingMethod {
  const hyper = resolveHyper('pgd', options);
  const settings: PgdSettings = {
    epsRelative: hyper.epsRelative as number,
    epsAbsolute: hyper.epsAbsolute as number,
    steps: hyper.steps as number,
    stepSize: hyper.stepSize as number,
    space: hyper.space as PgdSettings['space'],
  };
  return {
    name: 'pgd',
    hyper,
    ...stateless,
    step(batch, ctx) {
      const delta = pgdPerturbation(batch, ctx, settings);
      const yAdv = tf.add(batch.y, delta) as tf.Tensor4D;
      const relSize = tf.tidy(
        () => tf.mean(tf.div(sliceNorms(delta), tf.maximum(sliceNorms(batch.y), 1e-30))).dataSync()[0],
      );
      try {
        const r = minimizeModel(ctx, () => {
          const mseAdversarial = mseLoss(ctx.model.apply(yAdv, true), batch.x);
          return { total: mseAdversarial, terms: { mseAdversarial } };
        });
        r.terms.deltaRelative = relSize;
        return r;
      } finally {
        tf.dispose([delta, yAdv]);
      }
    },
  };
}
