/**
 * The objective of the perturbation generator G (papers/000 eq. 7), shared by minmax training (its inner
 * maximization) and the generator attack (G trained against a fixed model): per-slice budgets, the relative
 * hinge on ||G(y)|| and one Adam ascent step on G's weights.
 */
import { tf } from '../backend';
import { mseLoss } from '../metrics';
import { sliceNorms } from '../ops';
import type { PerturbationGenerator } from './generator';

/** Per-slice budget eps_b = epsRelative ||y_b||, shaped [B,1,1,1]. */
export function budgets(y: tf.Tensor, epsRelative: number): tf.Tensor {
  return tf.tidy(() => tf.mul(sliceNorms(y), epsRelative));
}

/** Mean over slices of max(0, ||d_b||^2 / eps_b^2 - 1): eq. (7)'s hinge, relative to the budget (file comment). */
export function relativeHinge(d: tf.Tensor, eps: tf.Tensor): tf.Scalar {
  return tf.tidy(
    () => tf.mean(tf.relu(tf.sub(tf.div(tf.square(sliceNorms(d)), tf.square(eps)), 1))) as tf.Scalar,
  );
}

export interface GeneratorStepResult {
  /** lambda1 l(f(y + G(y)), x) + lambda2 hinge before the update. */
  objective: number;
  adversarialLoss: number;
  hinge: number;
}

/**
 * One Adam ascent step on G's weights for lambda1 l(f(y + G(y)), x) + lambda2 hinge(G(y)) (eq. 7's inner
 * maximization; the model is fixed: its weights are not in the variable list). `f` is the model as a function.
 */
export function generatorAscentStep(
  g: PerturbationGenerator,
  optimizer: tf.Optimizer,
  f: (y: tf.Tensor4D) => tf.Tensor4D,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  eps: tf.Tensor,
  lambda1: number,
  lambda2: number,
): GeneratorStepResult {
  let adv: tf.Scalar | undefined;
  let hinge: tf.Scalar | undefined;
  const { value, grads } = tf.variableGrads(() => {
    const d = g.apply(y);
    const a = mseLoss(f(tf.add(y, d) as tf.Tensor4D), x);
    const h = relativeHinge(d, eps);
    adv = tf.keep(a.clone());
    hinge = tf.keep(h.clone());
    // Minimizing the negative objective is ascent on eq. (7) (lambda2 < 0 makes the hinge a penalty).
    return tf.neg(tf.add(tf.mul(a, lambda1), tf.mul(h, lambda2))) as tf.Scalar;
  }, g.trainableVariables());
  optimizer.applyGradients(grads);
  const r = {
    objective: -value.dataSync()[0],
    adversarialLoss: (adv as tf.Scalar).dataSync()[0],
    hinge: (hinge as tf.Scalar).dataSync()[0],
  };
  tf.dispose([value, ...Object.values(grads), adv as tf.Scalar, hinge as tf.Scalar]);
  return r;
}
