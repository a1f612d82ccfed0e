/**
 * Helpers shared by the training methods: one optimizer step on the model with named loss terms. The data
 * loss is metrics' mseLoss; per-slice norms and projections are in ../../ops.
 */
import { tf } from '../../backend';
import type { MethodContext, StepResult } from '../method';

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
