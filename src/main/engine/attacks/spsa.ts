/**
 * Gradient-free worst-case search on the same l2 balls as pga-y / pgd-x (l2-ball.ts), for black-box models
 * (an imported network run by onnxruntime: forward passes only). The gradient of the per-slice objective
 * L_i(d) = ||f(toY(d))_i - x_i||^2 is estimated from forward passes by simultaneous perturbation with antithetic
 * pairs (SPSA, Spall 1992; with Gaussian-like directions the NES estimator of Ilyas et al. 2018):
 *
 *   g_i ~ sum_{j=1..q} [L_i(d + c u_j) - L_i(d - c u_j)] u_j,     u_j uniform on the unit sphere per slice,
 *                                                                 c = smoothing * eps_i
 *
 * One step's estimate sees only q random directions, so the estimates (scaled by 1 / 2c) are averaged over
 * steps (exponential weights 0.99: measured on the pseudo-inverse test, 0.9 / 0.97 / 0.99 reach 0.74 / 0.86 /
 * 0.91 of the exact worst case in 150 steps at q = 8); then the step is PGA's: normalized momentum,
 * d <- P_eps(d + alpha eps m / ||m||), the best point seen kept. Each step costs 2 q + 1 forward passes (batched). Results say `gradientFree: true` and the number of forward
 * passes, and reports label the attack as such: its worst case is a lower bound found with less information
 * than the white-box attacks have.
 */
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import { makeOperator } from '../physics';
import { createRng } from '../random';
import { normalizeSlices, projectL2, radiusTensor, randomOnSpheres, sliceDistances } from '../ops';
import { L2_BALL_DEFAULTS, l2BallResult, radiusScales, type L2BallAttackOptions } from './l2-ball';
import { checkPair, checkPositiveInt, checkRange, epsPerSlice, yieldToEventLoop } from './slices';
import type { Attack, AttackKind } from './types';

export interface SpsaOptions extends L2BallAttackOptions {
  /** Antithetic direction pairs per step (2 q forward passes). Default 8. */
  samples?: number;
  /** Finite-difference radius c relative to eps. Default 0.01. */
  smoothing?: number;
  /** Perturbed measurements per forward pass. Default 16. */
  batchSize?: number;
}

export const SPSA_DEFAULTS = { samples: 8, smoothing: 0.01, batchSize: 16 };

/** Weight of the previous estimates in the running average of gradient estimates. */
const EMA_BETA = 0.99;

/** The gradient-free counterpart of a gradient attack (what an audit runs on a black-box model). */
export const GRADIENT_FREE_KIND: Partial<Record<AttackKind, AttackKind>> = {
  'pga-y': 'spsa-y',
  'pgd-x': 'spsa-x',
};

interface Problem {
  model: Parameters<Attack['attack']>[0];
  x: tf.Tensor4D;
  /** The measurement for perturbations d of `reps` stacked copies of the B slices. */
  toY: (d: tf.Tensor4D, reps?: number) => tf.Tensor4D;
}

/** Per-slice L over a stack of perturbations D [k B, ...] (k blocks of the B slices), in chunks. */
function losses(p: Problem, d: tf.Tensor4D, B: number, batchSize: number): Float64Array {
  const n = d.shape[0];
  const out = new Float64Array(n);
  const chunk = Math.max(B, Math.floor(batchSize / B) * B);
  for (let s = 0; s < n; s += chunk) {
    const m = Math.min(chunk, n - s);
    const v = tf.tidy(() => {
      const part = tf.slice(d, [s, 0, 0, 0], [m, -1, -1, -1]);
      const xs = tf.tile(p.x, [m / B, 1, 1, 1]);
      return tf.sum(tf.squaredDifference(p.model.reconstruct(p.toY(part, m / B)), xs), [1, 2, 3]).dataSync();
    });
    for (let i = 0; i < m; i++) out[s + i] = v[i];
  }
  return out;
}

function makeSpsa(kind: AttackKind, space: 'x' | 'y'): Attack<SpsaOptions> {
  return {
    kind,
    space,
    async attack(model, x, y, options, job?: JobContext) {
      const op = options.op ?? makeOperator(model.geometry);
      const B = checkPair(kind, x, y, op.domainShape, op.rangeShape);
      const eps = epsPerSlice(kind, options.eps, B);
      const steps = checkPositiveInt(kind, 'steps', options.steps ?? L2_BALL_DEFAULTS.steps, 0);
      const stepSize = options.stepSize ?? L2_BALL_DEFAULTS.stepSize;
      if (!(stepSize > 0) || !Number.isFinite(stepSize)) {
        throw new UsageError(
          `${kind}: stepSize must be a positive number (relative to eps), got ${stepSize}`,
        );
      }
      const momentum = checkRange(kind, 'momentum', options.momentum ?? L2_BALL_DEFAULTS.momentum, 0, 0.999);
      const restarts = checkPositiveInt(kind, 'restarts', options.restarts ?? L2_BALL_DEFAULTS.restarts);
      const q = checkPositiveInt(kind, 'samples', options.samples ?? SPSA_DEFAULTS.samples);
      const smoothing = checkRange(kind, 'smoothing', options.smoothing ?? SPSA_DEFAULTS.smoothing, 1e-6, 1);
      const batchSize = checkPositiveInt(kind, 'batchSize', options.batchSize ?? SPSA_DEFAULTS.batchSize);
      const shape = space === 'y' ? [...y.shape] : [...x.shape];
      const rng = createRng(options.seed ?? 0);
      const refNorms = radiusScales(space, x, op).map((r) => r.norm);
      const epsT = radiusTensor(eps, 4);
      const cT = radiusTensor(
        eps.map((e) => e * smoothing),
        4,
      );
      const p: Problem = {
        model,
        x,
        toY: (d, reps = 1) => {
          const ys = reps === 1 ? y : tf.tile(y, [reps, 1, 1, 1]);
          return tf.add(ys, space === 'y' ? d : op.forward(d));
        },
      };
      let forwardPasses = 0;
      const best = {
        delta: tf.keep(tf.zeros<tf.Rank.R4>(shape as [number, number, number, number])),
        loss: new Float64Array(B).fill(-1),
      };
      /** Keep d per slice where its loss beats the best. */
      const offer = (d: tf.Tensor4D, l: Float64Array) => {
        const better = Array.from(l, (v, i) => v > best.loss[i]);
        if (!better.some(Boolean)) return;
        const next = tf.tidy(() => {
          const mask = tf.tensor(
            better.map((b) => (b ? 1 : 0)),
            [B, 1, 1, 1],
            'bool',
          );
          return tf.keep(tf.where(tf.broadcastTo(mask, shape), d, best.delta) as tf.Tensor4D);
        });
        best.delta.dispose();
        best.delta = next;
        better.forEach((b, i) => b && (best.loss[i] = l[i]));
      };
      try {
        const cleanRecon = model.reconstruct(y);
        const cleanError = sliceDistances(cleanRecon, x);
        cleanRecon.dispose();
        for (let r = 0; r < restarts; r++) {
          const rr = rng.fork(`restart-${r}`);
          // As PGA: the warm start, else next to 0 (1e-3 eps), random on the sphere for later restarts.
          let delta: tf.Tensor4D =
            r === 0 && options.init
              ? (projectL2(options.init, epsT) as tf.Tensor4D)
              : (() => {
                  const s = randomOnSpheres(
                    rr,
                    shape,
                    r > 0 || options.randomStart ? eps : eps.map((e) => e * 1e-3),
                  );
                  const pr = projectL2(s, epsT) as tf.Tensor4D;
                  s.dispose();
                  return pr;
                })();
          let m: tf.Tensor = tf.zerosLike(delta);
          let est: tf.Tensor = tf.zerosLike(delta);
          try {
            for (let t = 0; t < steps; t++) {
              job?.throwIfCancelled();
              const here = losses(p, delta, B, batchSize);
              offer(delta, here);
              const us = Array.from({ length: q }, (_, j) =>
                randomOnSpheres(rr.fork(`step-${t}`).fork(j), shape, new Array<number>(B).fill(1)),
              );
              // [d + c u_1, d - c u_1, d + c u_2, ...], each block the B slices.
              let l: Float64Array;
              try {
                const stack = tf.tidy(
                  () =>
                    tf.concat(
                      us.flatMap((u) => [tf.add(delta, tf.mul(u, cT)), tf.sub(delta, tf.mul(u, cT))]),
                      0,
                    ) as tf.Tensor4D,
                );
                try {
                  l = losses(p, stack, B, batchSize);
                } finally {
                  stack.dispose();
                }
              } catch (e) {
                tf.dispose(us);
                throw e;
              }
              forwardPasses += (2 * q + 1) * B;
              const [nextDelta, nextM] = tf.tidy(() => {
                let g: tf.Tensor = tf.zerosLike(delta);
                us.forEach((u, j) => {
                  const w = Array.from({ length: B }, (_, i) => l[2 * j * B + i] - l[(2 * j + 1) * B + i]);
                  g = tf.add(g, tf.mul(u, tf.tensor(w, [B, 1, 1, 1])));
                });
                // Scaled to a gradient estimate (1 / 2c) and averaged over steps (EMA_BETA) before the
                // normalized momentum step: one step's estimate sees only q random directions.
                g = tf.div(g, tf.mul(cT, 2 * q));
                const avg = tf.add(tf.mul(est, EMA_BETA), tf.mul(g, 1 - EMA_BETA));
                est.dispose();
                est = tf.keep(avg);
                const mNew = tf.add(tf.mul(m, momentum), normalizeSlices(avg));
                const moved = tf.add(delta, tf.mul(normalizeSlices(mNew), tf.mul(epsT, stepSize)));
                return [projectL2(moved, epsT) as tf.Tensor4D, mNew];
              });
              tf.dispose(us);
              delta.dispose();
              m.dispose();
              delta = nextDelta;
              m = nextM;
              if (job) {
                let mean = 0;
                for (const v of here) mean += Math.sqrt(v) / B;
                job.progress({
                  phase: `attack ${kind}`,
                  step: r * steps + t + 1,
                  total: restarts * steps,
                  metrics: { error: mean },
                });
              }
              await yieldToEventLoop();
            }
            offer(delta, losses(p, delta, B, batchSize));
            forwardPasses += B;
          } finally {
            delta.dispose();
            m.dispose();
            est.dispose();
          }
        }
        return l2BallResult({
          kind,
          space,
          model,
          x,
          eps,
          refNorms,
          cleanError,
          best: best.delta,
          toY: (d) => p.toY(d),
          info: {
            gradientFree: true,
            steps,
            samples: q,
            smoothing,
            stepSize,
            momentum,
            restarts,
            forwardPasses,
            warmStart: Boolean(options.init),
          },
        });
      } finally {
        epsT.dispose();
        cT.dispose();
        best.delta.dispose();
      }
    },
  };
}

/** spsa-y: the pga-y ball (eq. 8 of papers/000) searched with forward passes only. */
export const spsaY: Attack<SpsaOptions> = makeSpsa('spsa-y', 'y');

/** spsa-x: the pgd-x ball searched with forward passes only. */
export const spsaX: Attack<SpsaOptions> = makeSpsa('spsa-x', 'x');
