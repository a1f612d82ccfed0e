/**
 * antun-x: the x-space instability search of Antun et al. (2020), eq. (3) of papers/000:
 *
 *   maximize  Q_y(r) = 1/2 ||f(y + A r) - x||_2^2 - lambda/2 ||r||_2^2
 *
 * by gradient ascent with momentum, as in their code: v <- gamma v + eta grad Q(r); r <- r + v (gamma 0.9).
 * There is no radius: lambda trades the error against ||r||, and the result reports the norm reached
 * (eps = ||r||, relative to ||x||). The best r by Q is kept per slice. The start is a small random r
 * (norm startScale * ||x||), because at r = 0 the gradient of an exact inverse on clean data vanishes.
 */
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import { makeOperator } from '../physics';
import { createRng } from '../random';
import { randomOnSpheres, sliceDistances, sliceNormsHost } from '../ops';
import { checkPair, checkPositiveInt, checkRange, yieldToEventLoop } from './slices';
import type { Attack, AttackOptions, AttackResult } from './types';

/** `eps` is ignored (Q has no radius; pass 0): the result reports the norm reached. */
export interface AntunOptions extends AttackOptions {
  /** Penalty weight lambda >= 0. Default 1. */
  lambda?: number;
  /** Gradient-ascent steps. Default 100. */
  steps?: number;
  /** Learning rate eta (absolute: grad Q has the units of the image). Default 0.01. */
  stepSize?: number;
  /** Momentum gamma. Default 0.9 (Antun et al.). */
  momentum?: number;
  /** Norm of the random start relative to ||x||. Default 1e-3. */
  startScale?: number;
}

export const ANTUN_DEFAULTS = { lambda: 1, steps: 100, stepSize: 0.01, momentum: 0.9, startScale: 1e-3 };

export const antunX: Attack<AntunOptions> = {
  kind: 'antun-x',
  space: 'x',
  async attack(model, x, y, options, job) {
    const kind = 'antun-x';
    const op = options.op ?? makeOperator(model.geometry);
    const B = checkPair(kind, x, y, op.domainShape, op.rangeShape);
    const lambda = options.lambda ?? ANTUN_DEFAULTS.lambda;
    if (!(lambda >= 0) || !Number.isFinite(lambda)) {
      throw new UsageError(`${kind}: lambda must be a finite number >= 0, got ${lambda}`);
    }
    const steps = checkPositiveInt(kind, 'steps', options.steps ?? ANTUN_DEFAULTS.steps, 0);
    const eta = options.stepSize ?? ANTUN_DEFAULTS.stepSize;
    if (!(eta > 0) || !Number.isFinite(eta))
      throw new UsageError(`${kind}: stepSize must be > 0, got ${eta}`);
    const gamma = checkRange(kind, 'momentum', options.momentum ?? ANTUN_DEFAULTS.momentum, 0, 0.999);
    const startScale = options.startScale ?? ANTUN_DEFAULTS.startScale;
    const xNorms = sliceNormsHost(x);
    const rng = createRng(options.seed ?? 0);

    // Q per slice and its gradient at r.
    const qAndGrad = (r: tf.Tensor4D): { q: tf.Tensor1D; grad: tf.Tensor4D } => {
      let q: tf.Tensor1D | undefined;
      const grad = tf.grad((v: tf.Tensor) => {
        const recon = model.reconstruct(tf.add(y, op.forward(v as tf.Tensor4D)) as tf.Tensor4D);
        const per = tf.sub(
          tf.mul(0.5, tf.sum(tf.squaredDifference(recon, x), [1, 2, 3])),
          tf.mul(lambda / 2, tf.sum(tf.square(v), [1, 2, 3])),
        );
        q = tf.keep(per.clone()) as tf.Tensor1D;
        return tf.sum(per);
      })(r) as tf.Tensor4D;
      return { q: q as tf.Tensor1D, grad };
    };

    let r: tf.Tensor4D = options.init
      ? options.init.clone()
      : randomOnSpheres(
          rng.fork('start'),
          x.shape,
          xNorms.map((n) => n * startScale),
        );
    let v: tf.Tensor4D = tf.zerosLike(r);
    let bestR = r.clone();
    let bestQ = tf.fill([B], -Infinity) as tf.Tensor1D;
    try {
      const cleanRecon = model.reconstruct(y);
      const cleanError = sliceDistances(cleanRecon, x);
      cleanRecon.dispose();
      for (let t = 0; t <= steps; t++) {
        job?.throwIfCancelled();
        const { q, grad } = qAndGrad(r);
        const [nb, nq] = tf.tidy(() => {
          const better = tf.greater(q, bestQ);
          const mask = tf.broadcastTo(better.reshape([-1, 1, 1, 1]), r.shape);
          return [tf.where(mask, r, bestR) as tf.Tensor4D, tf.maximum(q, bestQ) as tf.Tensor1D];
        });
        bestR.dispose();
        bestQ.dispose();
        bestR = nb;
        bestQ = nq;
        if (t < steps) {
          const [nr, nv] = tf.tidy(() => {
            const vNew = tf.add(tf.mul(v, gamma), tf.mul(grad, eta));
            return [tf.add(r, vNew) as tf.Tensor4D, vNew as tf.Tensor4D];
          });
          r.dispose();
          v.dispose();
          r = nr;
          v = nv;
        }
        grad.dispose();
        if (job) {
          const qs = Array.from(await q.data());
          job.progress({
            phase: `attack ${kind}`,
            step: t,
            total: steps,
            metrics: { Q: qs.reduce((s, a) => s + a, 0) / qs.length },
          });
        }
        q.dispose();
        await yieldToEventLoop();
      }
      const delta = bestR.clone();
      const perturbedMeasurement = tf.tidy(() => tf.add(y, op.forward(delta)) as tf.Tensor4D);
      const perturbedRecon = model.reconstruct(perturbedMeasurement);
      const deltaNorm = sliceNormsHost(delta);
      const result: AttackResult = {
        kind,
        space: 'x',
        eps: deltaNorm,
        epsRelative: deltaNorm.map((d, i) => (xNorms[i] > 0 ? d / xNorms[i] : NaN)),
        delta,
        deltaNorm,
        perturbedMeasurement,
        perturbedRecon,
        error: sliceDistances(perturbedRecon, x),
        cleanError,
        info: { lambda, steps, stepSize: eta, momentum: gamma, startScale },
      };
      return result;
    } finally {
      r.dispose();
      v.dispose();
      bestR.dispose();
      bestQ.dispose();
    }
  },
};

/** Q_y(r) per slice for a given result (for reports): 1/2 error^2 - lambda/2 ||r||^2. */
export function antunObjective(result: AttackResult, lambda: number): number[] {
  return result.error.map((e, i) => 0.5 * e * e - 0.5 * lambda * result.deltaNorm[i] ** 2);
}
