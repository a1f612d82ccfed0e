/**
 * ops: per-slice tensor helpers for batched tensors [B, ...] shared by attacks, training and certification:
 * l2 norms, projections onto per-slice l2 balls, normalization, seeded random directions, and Float64
 * norms and projections on the host.
 */
import { tf } from '../backend';
import type { Rng } from '../random';

/** Axes 1..rank-1 of a batched tensor. */
export function itemAxes(t: tf.Tensor): number[] {
  return Array.from({ length: t.rank - 1 }, (_, k) => k + 1);
}

/** ||t_i||_2 per slice as a [B,1,...,1] tensor (broadcastable against t). */
export function sliceNorms(t: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.sqrt(tf.sum(tf.square(t), itemAxes(t), true)));
}

/** A [B] vector of radii as a [B,1,...,1] tensor for tensors of rank `rank`. */
export function radiusTensor(eps: readonly number[], rank: number): tf.Tensor {
  return tf.tensor(Float32Array.from(eps), [eps.length, ...Array<number>(rank - 1).fill(1)]);
}

/**
 * Euclidean projection of every slice of d onto the ball ||d_i|| <= eps_i: d_i * min(1, eps_i / ||d_i||).
 * Exact zeros stay zero (also for eps 0).
 */
export function projectL2(d: tf.Tensor, eps: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = sliceNorms(d);
    const scale = tf.where(tf.greater(n, eps), tf.div(eps, tf.maximum(n, 1e-30)), tf.onesLike(n));
    return tf.mul(d, scale);
  });
}

/** d_i / ||d_i|| per slice; zero slices stay zero. */
export function normalizeSlices(d: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const n = sliceNorms(d);
    return tf.where(tf.greater(n, 0), tf.div(d, tf.maximum(n, 1e-30)), tf.zerosLike(d));
  });
}

/** ||v||_2 of consecutive blocks of `per` values, accumulated in Float64. */
export function blockNorms(v: ArrayLike<number>, per: number): number[] {
  const B = Math.round(v.length / per);
  const out: number[] = [];
  for (let b = 0; b < B; b++) {
    let s = 0;
    for (let i = b * per; i < (b + 1) * per; i++) s += v[i] * v[i];
    out.push(Math.sqrt(s));
  }
  return out;
}

/** ||a_i - b_i||_2 per slice, read back and accumulated in Float64. */
export function sliceDistances(a: tf.Tensor, b: tf.Tensor): number[] {
  const av = a.dataSync();
  const bv = b.dataSync();
  const per = av.length / a.shape[0];
  const out: number[] = [];
  for (let s = 0; s < a.shape[0]; s++) {
    let acc = 0;
    for (let i = s * per; i < (s + 1) * per; i++) acc += (av[i] - bv[i]) ** 2;
    out.push(Math.sqrt(acc));
  }
  return out;
}

/** ||t_i||_2 per slice in Float64. */
export function sliceNormsHost(t: tf.Tensor): number[] {
  return blockNorms(t.dataSync(), t.size / t.shape[0]);
}

/**
 * The final projection, on the host in Float64: every slice scaled into its ball so that its exact norm is
 * <= eps_i (the float32 projection of the loop can overshoot by a few ulps of the accumulated sum; rounding
 * the scaled values back to float32 moves the norm by at most ~6e-8 relative). Returns a new tensor.
 */
export function projectL2Host(d: tf.Tensor4D, eps: readonly number[]): tf.Tensor4D {
  const v = d.dataSync();
  const per = v.length / d.shape[0];
  const out = new Float32Array(v.length);
  const norms = blockNorms(v, per);
  for (let b = 0; b < d.shape[0]; b++) {
    const s = norms[b] > eps[b] ? eps[b] / norms[b] : 1;
    for (let i = b * per; i < (b + 1) * per; i++) out[i] = v[i] * s;
  }
  return tf.tensor4d(out, d.shape);
}

/**
 * One random point per slice on the sphere of radius eps_i (a normal vector scaled; uniform in direction),
 * from the seeded generator. Shape [B, ...itemShape].
 */
export function randomOnSpheres(rng: Rng, shape: readonly number[], eps: readonly number[]): tf.Tensor4D {
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  const v = rng.fillNormal(new Float32Array(per * shape[0]));
  const norms = blockNorms(v, per);
  for (let b = 0; b < shape[0]; b++) {
    const s = norms[b] > 0 ? eps[b] / norms[b] : 0;
    for (let i = b * per; i < (b + 1) * per; i++) v[i] *= s;
  }
  return tf.tensor4d(v, shape as [number, number, number, number]);
}
