/**
 * `jacobian`: Jacobian regularization, eq. (4) of papers/002 ("Jcb"):
 *   min E l(f(y), x) + beta * max_b ||J(y_b) A||_2,
 * J(y) the Jacobian of f at y, so J(y) A maps an image perturbation xi to the first-order change of the
 * reconstruction f(A(x + xi)) (eq. 3). The spectral norm is estimated per slice by power iteration on
 * (J A)^T (J A), from a random start each step, and the max over the batch is penalized.
 *
 * How the Jacobian products are computed:
 *  - J^T w (vector-Jacobian product): exactly, by reverse mode: tf.grad of <f(y), w> with respect to y.
 *  - J v (Jacobian-vector product): by a forward finite difference, (f(y + h A v) - f(y)) / h, with
 *    h ||A v_b|| = fdStep * ||y_b|| per slice. The exact alternative, the double-VJP trick
 *    (J v = d/du <J^T u, v>), needs gradients of gradient kernels, and tfjs registers none for MaxPoolGrad or
 *    Conv2DBackpropFilter; the penalty's own gradient with respect to the weights would even need a third
 *    order. The difference is exact for a ReLU network within one linear region apart from batch norm's
 *    smooth normalization; its float32 cancellation error is ~1e-7 / fdStep ~ 1e-4 relative. In the loss,
 *    ||J A v|| is the same difference built from the training forward pass f(y) and one extra pass
 *    f(y + h A v), so its gradient is ordinary backpropagation through two passes.
 *  - A v and A^T u: the Radon operator and its exact adjoint.
 * The inner passes use training-mode batch norm (the function being trained) without updating the moving
 * statistics; coupling between slices through the batch statistics (O(1/B)) is ignored.
 */
import { tf } from '../../backend';
import type { MethodContext, TrainBatch, TrainingMethod } from '../method';
import { resolveHyper } from '../defaults';
import { mseLoss } from '../../metrics';
import { normalizeSlices, sliceNorms } from '../../ops';
import { minimizeModel, stateless } from './common';

export interface SpectralSettings {
  powerIterations: number;
  fdStep: number;
}

/** Finite-difference step h_b so that ||h_b A v_b|| = fdStep ||y_b||, shaped [B,1,1,1]. */
function fdSteps(y: tf.Tensor, av: tf.Tensor, fdStep: number): tf.Tensor {
  return tf.tidy(() => tf.div(tf.mul(sliceNorms(y), fdStep), tf.maximum(sliceNorms(av), 1e-30)));
}

/**
 * The leading right singular vectors v_b (unit images, [B,N,N,1]) of J(y_b) A by power iteration, and the
 * finite-difference steps h_b and directions A v_b to evaluate ||J A v_b|| with. Caller owns the results.
 */
export function powerIteration(
  batch: TrainBatch,
  ctx: MethodContext,
  s: SpectralSettings,
): { av: tf.Tensor4D; h: tf.Tensor; sigma: Float32Array } {
  const f = (y: tf.Tensor4D) => ctx.model.apply(y, true, { updateStats: false });
  const shape = batch.x.shape;
  const start = ctx.rng.fillNormal(new Float32Array(shape[0] * shape[1] * shape[2] * shape[3]));
  let v = tf.tidy(() => normalizeSlices(tf.tensor4d(start, shape))) as tf.Tensor4D;
  const fy = f(batch.y);
  const vjp = (w: tf.Tensor) => tf.grad((yy: tf.Tensor) => tf.sum(tf.mul(f(yy as tf.Tensor4D), w)))(batch.y);
  let sigma: Float32Array = new Float32Array(shape[0]);
  for (let i = 0; i < s.powerIterations; i++) {
    const [next, norms] = tf.tidy(() => {
      const av = ctx.op.forward(v);
      const h = fdSteps(batch.y, av, s.fdStep);
      const jav = tf.div(tf.sub(f(tf.add(batch.y, tf.mul(h, av)) as tf.Tensor4D), fy), h); // J A v
      const u = ctx.op.adjoint(vjp(jav) as tf.Tensor4D); // A^T J^T J A v
      return [normalizeSlices(u) as tf.Tensor4D, tf.reshape(sliceNorms(jav), [-1])];
    });
    sigma = norms.dataSync() as Float32Array;
    norms.dispose();
    v.dispose();
    v = next;
  }
  const out = tf.tidy(() => {
    const av = ctx.op.forward(v);
    return { av, h: fdSteps(batch.y, av, s.fdStep) };
  });
  tf.dispose([v, fy]);
  return { ...out, sigma };
}

export function createJacobian(options: Record<string, unknown> = {}): TrainingMethod {
  const hyper = resolveHyper('jacobian', options);
  const beta = hyper.beta as number;
  const settings: SpectralSettings = {
    powerIterations: hyper.powerIterations as number,
    fdStep: hyper.fdStep as number,
  };
  return {
    name: 'jacobian',
    hyper,
    ...stateless,
    step(batch: TrainBatch, ctx: MethodContext) {
      const { av, h } = powerIteration(batch, ctx, settings);
      const yPert = tf.tidy(() => tf.add(batch.y, tf.mul(h, av)) as tf.Tensor4D);
      try {
        return minimizeModel(ctx, () => {
          const fy = ctx.model.apply(batch.y, true);
          const mse = mseLoss(fy, batch.x);
          const jav = tf.div(tf.sub(ctx.model.apply(yPert, true, { updateStats: false }), fy), h);
          const spectralNorm = tf.max(sliceNorms(jav)) as tf.Scalar;
          const penalty = tf.mul(beta, spectralNorm) as tf.Scalar;
          return { total: tf.add(mse, penalty), terms: { mse, spectralNorm, penalty } };
        });
      } finally {
        tf.dispose([av, h, yPert]);
      }
    },
  };
}
