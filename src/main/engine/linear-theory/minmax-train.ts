/**
 * Min-max training of the linear reconstruction f = B (papers/000 eq. 12, section 4.4):
 *
 *   min_B max_{||delta||_2 <= eps} (1/N) sum_n ||B A x_n - x_n||^2 + lambda ||B (A x_n + delta) - x_n||^2
 *
 * with one delta common to all samples (the paper's eq. 6 approximation). The loss is quadratic in x, so
 * with R = B A - I, M = (1/N) sum x x^T and xbar = (1/N) sum x it is exactly
 *
 *   L(B, delta) = (1 + lambda) tr(R M R^T) + lambda ||B delta||^2 + 2 lambda (B delta)^T R xbar,
 *
 * and each step below is a full-batch step over all N samples computed through (M, xbar): identical to
 * summing the per-sample gradients, at a cost independent of N. Gradients (derived by hand, checked against
 * finite differences in the tests), with K = A M A^T, C = M A^T and a = A xbar precomputed:
 *
 *   dL/dB     = 2 (1 + lambda) (B K - C) + 2 lambda [ (B delta)(delta + a)^T + (B a - xbar) delta^T ]
 *   dL/ddelta = 2 lambda B^T (B delta + B a - xbar)
 *
 * Each iteration: `innerSteps` projected gradient ascent steps on delta (normalized steps of length
 * innerStepSize * eps, warm-started from the previous delta; for the convex quadratic in delta the maximizer
 * is on the sphere and these steps act like a damped power iteration on B^T B), then one Adam descent step on
 * B. The max over delta of L is lambda eps^2 ||B||_2^2 plus a small cross term, a non-smooth function of B
 * whose top singular value is multiple at the optimum (the m clipped directions of Theorem 1), so the outer
 * problem is a subgradient problem: the learning rate decays geometrically from `learningRate` to
 * `finalLearningRate`, and convergence along the tiny singular directions of A is slow (~1e5 steps).
 */
import type { Rng } from '../random';
import { type Matrix, combine, identity, matMul, matVec, matrix, transpose, vecNorm } from './matrix';
import type { LinearProblem } from './problem';

/**
 * The outer optimizer: 'adam' (our default; geometric learning-rate decay) or 'sgd', plain gradient descent
 * with heavy-ball momentum beta1 and a constant step `learningRate` (the paper's "learning rate = 0.001 and
 * momentum term as 0.9", section 4.4): B <- B - lr v, v <- beta1 v + dL/dB.
 */
export type MinmaxOptimizer = 'adam' | 'sgd';

export interface MinmaxTrainOptions {
  lambda: number;
  eps: number;
  steps: number;
  optimizer: MinmaxOptimizer;
  /** Adam step size at the start (the paper's 0.001 with momentum 0.9 left the m-fold tie unresolved here). */
  learningRate: number;
  /** Adam step size at the end; geometric decay in between (ignored by 'sgd'). */
  finalLearningRate: number;
  beta1: number;
  beta2: number;
  /** Projected-gradient-ascent steps on delta per outer step. */
  innerSteps: number;
  /** Normalized inner step length in units of eps. */
  innerStepSize: number;
  /** Standard deviation of the initial entries of B. */
  initStd: number;
  /** Called every `logEvery` steps (and at the end) with the step and the current loss at the current delta. */
  onLog?: (step: number, loss: number, B: Matrix) => void;
  logEvery?: number;
}

export const MINMAX_TRAIN_DEFAULTS: Omit<MinmaxTrainOptions, 'onLog' | 'logEvery'> = {
  lambda: 1,
  eps: 0.1,
  steps: 100_000,
  optimizer: 'adam',
  learningRate: 1e-2,
  finalLearningRate: 1e-5,
  beta1: 0.9,
  beta2: 0.999,
  innerSteps: 1,
  innerStepSize: 4,
  initStd: 0.01,
};

export interface MinmaxTrainResult {
  B: Matrix;
  delta: Float64Array;
  /** L(B, delta) at the end. */
  loss: number;
  steps: number;
}

/** Precomputed constants of L for one problem: K = A M A^T (m x m), C = M A^T (n x m), a = A xbar. */
class MinmaxObjective {
  readonly n: number;
  readonly m: number;
  private readonly K: Float64Array;
  private readonly C: Float64Array;
  private readonly a: Float64Array;
  private readonly xbar: Float64Array;
  private readonly trM: number;
  // Scratch vectors (no allocation per step).
  private readonly Bd: Float64Array;
  private readonly Ba: Float64Array;
  private readonly w: Float64Array;

  constructor(
    p: LinearProblem,
    readonly lambda: number,
  ) {
    this.n = p.A.cols;
    this.m = p.A.rows;
    const C = matMul(p.secondMoment, transpose(p.A));
    this.C = C.data;
    this.K = matMul(p.A, C).data;
    this.a = matVec(p.A, p.mean);
    this.xbar = p.mean;
    let tr = 0;
    for (let i = 0; i < this.n; i++) tr += p.secondMoment.data[i * this.n + i];
    this.trM = tr;
    this.Bd = new Float64Array(this.n);
    this.Ba = new Float64Array(this.n);
    this.w = new Float64Array(this.n);
  }

  /** Bd = B delta, Ba = B a, w = B delta + B a - xbar (= B delta + R xbar). */
  private products(B: Float64Array, delta: Float64Array): void {
    const { n, m } = this;
    for (let i = 0; i < n; i++) {
      let sd = 0;
      let sa = 0;
      for (let j = 0; j < m; j++) {
        sd += B[i * m + j] * delta[j];
        sa += B[i * m + j] * this.a[j];
      }
      this.Bd[i] = sd;
      this.Ba[i] = sa;
      this.w[i] = sd + sa - this.xbar[i];
    }
  }

  /** L(B, delta) = (1 + lambda)(tr(B K B^T) - 2 tr(B C^T) + tr M) + lambda ||B delta||^2 + 2 lambda (B delta)^T R xbar. */
  loss(B: Float64Array, delta: Float64Array): number {
    const { n, m, K, C } = this;
    let tBKB = 0;
    let tBC = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        let bk = 0;
        for (let l = 0; l < m; l++) bk += B[i * m + l] * K[l * m + j];
        tBKB += bk * B[i * m + j];
        tBC += B[i * m + j] * C[i * m + j];
      }
    }
    this.products(B, delta);
    let bd2 = 0;
    let cross = 0;
    for (let i = 0; i < n; i++) {
      bd2 += this.Bd[i] * this.Bd[i];
      cross += this.Bd[i] * (this.Ba[i] - this.xbar[i]);
    }
    const l = this.lambda;
    return (1 + l) * (tBKB - 2 * tBC + this.trM) + l * bd2 + 2 * l * cross;
  }

  /** out = dL/dB = 2 (1 + lambda)(B K - C) + 2 lambda [ (B delta)(delta + a)^T + (B a - xbar) delta^T ]. */
  gradB(B: Float64Array, delta: Float64Array, out: Float64Array): void {
    const { n, m, K, C } = this;
    this.products(B, delta);
    const c = 2 * (1 + this.lambda);
    const l2 = 2 * this.lambda;
    for (let i = 0; i < n; i++) {
      const bd = this.Bd[i];
      const rx = this.Ba[i] - this.xbar[i];
      for (let j = 0; j < m; j++) {
        let bk = 0;
        for (let k = 0; k < m; k++) bk += B[i * m + k] * K[k * m + j];
        out[i * m + j] = c * (bk - C[i * m + j]) + l2 * (bd * (delta[j] + this.a[j]) + rx * delta[j]);
      }
    }
  }

  /** out = dL/ddelta = 2 lambda B^T (B delta + B a - xbar). */
  gradDelta(B: Float64Array, delta: Float64Array, out: Float64Array): void {
    const { n, m } = this;
    this.products(B, delta);
    out.fill(0);
    for (let i = 0; i < n; i++) {
      const wi = 2 * this.lambda * this.w[i];
      for (let j = 0; j < m; j++) out[j] += B[i * m + j] * wi;
    }
  }
}

/**
 * L(B, delta) of eq. (12) over the problem's samples, straight from the definition through R = B A - I
 * (reference form; the training loop uses the precomputed form, checked against this one in the tests).
 */
export function minmaxLoss(B: Matrix, delta: Float64Array, p: LinearProblem, lambda: number): number {
  const n = p.A.cols;
  const R = combine(1, matMul(B, p.A), -1, identity(n));
  const RM = matMul(R, p.secondMoment);
  let tr = 0;
  for (let i = 0; i < R.data.length; i++) tr += RM.data[i] * R.data[i];
  const Bd = matVec(B, delta);
  const Rxbar = matVec(R, p.mean);
  let bd2 = 0;
  let cross = 0;
  for (let i = 0; i < Bd.length; i++) {
    bd2 += Bd[i] * Bd[i];
    cross += Bd[i] * Rxbar[i];
  }
  return (1 + lambda) * tr + lambda * bd2 + 2 * lambda * cross;
}

/** dL/dB (file comment), as the training loop computes it. */
export function minmaxGradB(B: Matrix, delta: Float64Array, p: LinearProblem, lambda: number): Matrix {
  const out = matrix(B.rows, B.cols);
  new MinmaxObjective(p, lambda).gradB(B.data, delta, out.data);
  return out;
}

/** dL/ddelta (file comment), as the training loop computes it. */
export function minmaxGradDelta(
  B: Matrix,
  delta: Float64Array,
  p: LinearProblem,
  lambda: number,
): Float64Array {
  const out = new Float64Array(delta.length);
  new MinmaxObjective(p, lambda).gradDelta(B.data, delta, out);
  return out;
}

/** Projection onto the l2 ball of radius eps. */
function projectBall(v: Float64Array, eps: number): void {
  const nv = vecNorm(v);
  if (nv > eps) for (let i = 0; i < v.length; i++) v[i] *= eps / nv;
}

/** B-hat of eq. (12) by alternating inner ascent on delta and Adam descent on B (file comment). */
export function trainMinmaxLinear(
  p: LinearProblem,
  options: Partial<MinmaxTrainOptions>,
  rng: Rng,
): MinmaxTrainResult {
  const o = { ...MINMAX_TRAIN_DEFAULTS, ...options };
  const obj = new MinmaxObjective(p, o.lambda);
  const n = p.A.cols;
  const m = p.A.rows;
  const B = matrix(n, m);
  rng.fork('init').fillNormal(B.data, 0, o.initStd);
  const delta = new Float64Array(m);
  rng.fork('delta').fillNormal(delta);
  const d0 = vecNorm(delta);
  for (let i = 0; i < m; i++) delta[i] *= o.eps / d0;

  const G = new Float64Array(B.data.length);
  const gd = new Float64Array(m);
  const mom = new Float64Array(B.data.length);
  const vel = new Float64Array(B.data.length);
  const sgd = o.optimizer === 'sgd';
  const decay = !sgd && o.steps > 1 ? Math.pow(o.finalLearningRate / o.learningRate, 1 / (o.steps - 1)) : 1;
  let lr = o.learningRate;
  let b1t = 1;
  let b2t = 1;
  for (let t = 0; t < o.steps; t++) {
    for (let k = 0; k < o.innerSteps; k++) {
      obj.gradDelta(B.data, delta, gd);
      const ng = vecNorm(gd);
      if (!(ng > 0)) break;
      const step = (o.innerStepSize * o.eps) / ng;
      for (let i = 0; i < m; i++) delta[i] += step * gd[i];
      projectBall(delta, o.eps);
    }
    obj.gradB(B.data, delta, G);
    b1t *= o.beta1;
    b2t *= o.beta2;
    if (sgd) {
      for (let i = 0; i < B.data.length; i++) {
        mom[i] = o.beta1 * mom[i] + G[i];
        B.data[i] -= lr * mom[i];
      }
    }
    for (let i = 0; !sgd && i < B.data.length; i++) {
      const gi = G[i];
      mom[i] = o.beta1 * mom[i] + (1 - o.beta1) * gi;
      vel[i] = o.beta2 * vel[i] + (1 - o.beta2) * gi * gi;
      B.data[i] -= (lr * (mom[i] / (1 - b1t))) / (Math.sqrt(vel[i] / (1 - b2t)) + 1e-12);
    }
    lr *= decay;
    if (o.onLog && o.logEvery && ((t + 1) % o.logEvery === 0 || t + 1 === o.steps)) {
      o.onLog(t + 1, obj.loss(B.data, delta), B);
    }
  }
  return { B, delta, loss: obj.loss(B.data, delta), steps: o.steps };
}
