/**
 * `l2`: eq. (5) of papers/000, min E l(f(y), x) + mu ||theta||^2 (weight decay). theta is read as the model's
 * kernels (kernelVariables: conv/dense weights), the usual practice: decaying biases and batch-norm
 * parameters only shifts the output and does not regularize the map's slope.
 */
import { tf } from '../../backend';
import type { TrainingMethod } from '../method';
import { resolveHyper } from '../defaults';
import { mseLoss } from '../../metrics';
import { minimizeModel, stateless } from './common';

export function createL2(options: Record<string, unknown> = {}): TrainingMethod {
  const hyper = resolveHyper('l2', options);
  const mu = hyper.mu as number;
  return {
    name: 'l2',
    hyper,
    ...stateless,
    step(batch, ctx) {
      const kernels = ctx.model.kernelVariables();
      return minimizeModel(ctx, () => {
        const mse = mseLoss(ctx.model.apply(batch.y, true), batch.x);
        const sq = tf.addN(kernels.map((w) => tf.sum(tf.square(w)))) as tf.Scalar;
        const weightDecay = tf.mul(mu, sq) as tf.Scalar;
        return { total: tf.add(mse, weightDecay), terms: { mse, weightDecay } };
      });
    },
  };
}
