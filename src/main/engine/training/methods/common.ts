/**
 * Helpers shared by the training methods: the data loss, one optimizer step on the model with named loss
 * terms, per-slice l2 norms and the projection onto per-slice l2 balls.
 */
import { tf } from '../../backend';
import type { MethodContext, StepResult } from '../method';

/** The data loss of papers/002 eq. (1), (1/n) ||xHat - x||^2 per slice, averaged over the batch. */
export function mseLoss(xHat: tf.Tensor, x: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(xHat, x));
}

/** Axes 1..rank-1 of a batched tensor. */
function itemAxes(t: tf.Tensor): number[] {
  return Array.from({ length: t.rank - 1 }, (_, k) => k + 1);
}

/** ||t_b||_2 per batch item, shaped [B,1,...,1] (broadcasts against t). */
export function itemNorms(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), itemAxes(t), true)));
}

/** Each item scaled to unit l2 norm (zero items stay zero). */
export function normalizeItems(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(t, tf.maximum(itemNorms(t), 1e-30)));
}

/** Euclidean projection of each item onto ||d_b|| <= eps_b (eps shaped [B,1,...,1]). */
export function projectItems(d: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(d, tf.minimum(1, tf.div(eps, tf.maximum(itemNorms(d), 1e-30)))));
}

/**
 * One optimizer step on the model's trainable variables. `loss` returns the total to minimize and its
 * named terms (scalars); everything it allocates is freed. Variables are passed in the model's fixed order,
 * which Adam's slot variables follow (checkpoints rely on it).
 */
export function minimizeModel(
  ctx: MethodContext,
  loss: () => { total: tf.Scalar; terms: Record<string, tf.Scalar> },
): StepResult {
  const vars = ctx.model.trainableVariables();
  const kept: Record<string, tf.Scalar> = {};
  const { value, grads } = tf.variableGrads(() => {
    const { total, terms } = loss();
    for (const [k, t] of Object.entries(terms)) kept[k] = tf.keep(t.clone());
    return total;
  }, vars);
  ctx.optimizer.applyGradients(grads);
  const result: StepResult = { loss: value.dataSync()[0], terms: {} };
  for (const [k, t] of Object.entries(kept)) result.terms[k] = t.dataSync()[0];
  tf.dispose([value, ...Object.values(grads), ...Object.values(kept)]);
  return result;
}

/** A method without hyperparameter-dependent state: nothing to checkpoint. */
export const stateless = {
  async getState(): Promise<tf.NamedTensorMap> {
    return {};
  },
  async setState(): Promise<void> {},
  dispose(): void {},
  init(): void {},
};
