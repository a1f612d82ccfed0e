/**
 * `parseval`: eq. (11) of papers/000 (Parseval networks, Cisse et al. 2017): MSE plus
 *   beta/2 ( sum_dense ||W^T W - I||^2 + sum_conv ||W^T W - I/k||^2 ).
 * A conv kernel [kh, kw, c_in, c_out] is unfolded to the matrix W of shape [c_out, kh kw c_in] (one row per
 * output channel, the matrix the convolution applies at each position); a transposed conv [kh, kw, out, in]
 * the same way (same singular values). k is the kernel size (3 for 3x3, 1 for the 1x1 head), as eq. (11)
 * states. The Gram matrix is taken on the smaller side of W (W W^T when W has fewer rows), where the
 * constraint can hold exactly: a wide W cannot have orthonormal columns.
 */
import { tf } from '../../backend';
import type { TrainingMethod } from '../method';
import { resolveHyper } from '../defaults';
import { mseLoss } from '../../metrics';
import { minimizeModel, stateless } from './common';

/** ||G - I/k||_F^2 for one kernel, G the Gram matrix of its unfolded matrix on the smaller side. */
export function parsevalTerm(w: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const k = w.rank === 4 ? w.shape[0] : 1;
    const cols = w.shape[w.rank - 1];
    const m = tf.reshape(w, [-1, cols]) as tf.Tensor2D; // [kh kw c_in, c_out] = W^T
    const rows = m.shape[0];
    // W = m^T is [c_out, rows]: W W^T = m^T m is c_out x c_out; W^T W = m m^T is rows x rows.
    const gram = cols <= rows ? tf.matMul(m, m, true, false) : tf.matMul(m, m, false, true);
    const eye = tf.mul(tf.eye(gram.shape[0]), 1 / k);
    return tf.sum(tf.square(tf.sub(gram, eye))) as tf.Scalar;
  });
}

export function createParseval(options: Record<string, unknown> = {}): TrainingMethod {
  const hyper = resolveHyper('parseval', options);
  const beta = hyper.beta as number;
  return {
    name: 'parseval',
    hyper,
    ...stateless,
    step(batch, ctx) {
      const kernels = ctx.model.kernelVariables();
      return minimizeModel(ctx, () => {
        const mse = mseLoss(ctx.model.apply(batch.y, true), batch.x);
        const parseval = tf.mul(beta / 2, tf.addN(kernels.map(parsevalTerm))) as tf.Scalar;
        return { total: tf.add(mse, parseval), terms: { mse, parseval } };
      });
    },
  };
}
