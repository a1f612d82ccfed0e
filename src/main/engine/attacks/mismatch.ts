/**
 * mismatch: the measurement operator differs from the one the model assumes (reason 3 of papers/000,
 * section 2.2): the data are y' = diag(1 + g) (A' x + n), with A' the projector with a global view-angle
 * offset and a detector shift (mismatch-projector.ts), g a per-view gain error and n the noise already in y
 * (n = y - A x). The model reconstructs f(y') and the error is ||f(y') - x||_2.
 *
 * Searched within user bounds (|offset| <= maxAngleDeg, |shift| <= maxShift, |g_k| <= maxGain):
 *   curves   error versus mismatch size, one parameter at a time: offsets and shifts on a grid of
 *            2 points + 1 values in [-max, max]; gains at bounds (k/points) maxGain, each the worst gain vector
 *            found by sign-gradient ascent on the box (the error is convex in g for a linear model, so its
 *            maximum is at a vertex; restarts from random vertices)
 *   worst    per slice: the worst (offset, shift) over the full 2-D grid, then the worst gains at maxGain
 *            there (the grid is exhaustive, the gain step a local search).
 */
import { UsageError } from '@shared/errors';
import { physicsOf } from '@shared/geometry';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import type { Reconstructor } from '../models/reconstructor';
import { RadonOperator } from '../physics';
import { createRng, type Rng } from '../random';
import { mismatchedForward, type OperatorMismatch } from './mismatch-projector';
import { blockNorms, sliceDistances, sliceNormsHost } from '../ops';
import { checkPair, checkPositiveInt, yieldToEventLoop } from './slices';
import type { Attack, AttackOptions, AttackResult } from './types';

/** `eps` is ignored (the bounds below replace it; pass 0). */
export interface MismatchOptions extends AttackOptions {
  /** Largest |view-angle offset| in degrees. Default 0.5. */
  maxAngleDeg?: number;
  /** Largest |detector shift| in detector pixels. Default 0.5. */
  maxShift?: number;
  /** Largest |per-view gain error| (relative: 0.02 = 2%). Default 0.02. */
  maxGain?: number;
  /** Grid points per side: values k/points * max, k = -points..points. Default 4. */
  points?: number;
  /** Sign-ascent steps per gain search. Default 20. */
  gainSteps?: number;
  /** Gain searches from random vertices besides the one from g = 0. Default 2. */
  gainRestarts?: number;
}

export const MISMATCH_DEFAULTS = {
  maxAngleDeg: 0.5,
  maxShift: 0.5,
  maxGain: 0.02,
  points: 4,
  gainSteps: 20,
  gainRestarts: 2,
};

export type MismatchParameter = 'angle' | 'shift' | 'gain';

export interface MismatchPoint {
  parameter: MismatchParameter;
  /** Offset (degrees), shift (detector pixels) or gain bound (fraction). */
  value: number;
  /** ||f(y') - x|| per slice. */
  error: number[];
  meanError: number;
  /** ||y' - y|| per slice and relative to ||A x||. */
  change: number[];
  changeRelative: number[];
}

export interface MismatchWorst {
  angleDeg: number;
  shift: number;
  gainBound: number;
  /** The per-view gains g_k of the worst case. */
  gains: number[];
  error: number;
}

export interface MismatchReport {
  bounds: { maxAngleDeg: number; maxShift: number; maxGain: number; points: number };
  curves: MismatchPoint[];
  worst: MismatchWorst[];
  cleanError: number[];
}

function grid(max: number, points: number): number[] {
  if (max === 0) return [0];
  return Array.from({ length: 2 * points + 1 }, (_, k) => ((k - points) / points) * max);
}

interface Ctx {
  model: Reconstructor;
  x: tf.Tensor4D;
  y: tf.Tensor4D;
  xv: Float32Array;
  noise: Float32Array;
  B: number;
  shapeY: [number, number, number, number];
}

/** A' x + n for one mismatch, every slice. */
function measured(c: Ctx, m: OperatorMismatch): Float32Array {
  const v = mismatchedForward(c.model.geometry, m, c.xv, c.B);
  for (let i = 0; i < v.length; i++) v[i] += c.noise[i];
  return v;
}

function errorsOf(c: Ctx, yv: Float32Array): number[] {
  return tf.tidy(() => sliceDistances(c.model.reconstruct(tf.tensor4d(yv, c.shapeY)), c.x));
}

/** Worst gains per slice in the box |g_k| <= bound for the base measurement: [B, A] gains and errors. */
async function worstGains(
  c: Ctx,
  base: Float32Array,
  bound: number,
  steps: number,
  restarts: number,
  rng: Rng,
  job?: JobContext,
): Promise<{ gains: Float32Array; error: number[] }> {
  const [B, A] = c.shapeY;
  const baseT = tf.tensor4d(base, c.shapeY);
  const apply = (g: tf.Tensor) => tf.mul(baseT, tf.add(1, g.reshape([B, A, 1, 1])));
  const gradAt = (g: tf.Tensor2D) => {
    let loss: tf.Tensor1D | undefined;
    const grad = tf.grad((v: tf.Tensor) => {
      const per = tf.sum(tf.squaredDifference(c.model.reconstruct(apply(v) as tf.Tensor4D), c.x), [1, 2, 3]);
      loss = tf.keep(per.clone()) as tf.Tensor1D;
      return tf.sum(per);
    })(g);
    return { grad, loss: loss as tf.Tensor1D };
  };
  const bestG = new Float32Array(B * A);
  const bestL = new Float64Array(B).fill(-Infinity);
  try {
    for (let r = 0; r <= restarts; r++) {
      const g0 = new Float32Array(B * A);
      if (r > 0) {
        const rr = rng.fork(`gain-restart-${r}`);
        for (let i = 0; i < g0.length; i++) g0[i] = rr.uniform() < 0.5 ? -bound : bound;
      }
      let g = tf.tensor2d(g0, [B, A]);
      try {
        for (let t = 0; t <= steps; t++) {
          job?.throwIfCancelled();
          const { grad, loss } = gradAt(g);
          const lv = loss.dataSync();
          const gv = g.dataSync();
          for (let b = 0; b < B; b++) {
            if (lv[b] > bestL[b]) {
              bestL[b] = lv[b];
              bestG.set(gv.subarray(b * A, (b + 1) * A), b * A);
            }
          }
          loss.dispose();
          if (t < steps) {
            // From g = 0 the first step goes to the vertex sign(grad) * bound (FGSM); later steps move half.
            const stepLen = t === 0 && r === 0 ? bound : bound / 2;
            const next = tf.tidy(() =>
              tf.clipByValue(tf.add(g, tf.mul(tf.sign(grad), stepLen)), -bound, bound),
            );
            g.dispose();
            g = next as tf.Tensor2D;
          }
          grad.dispose();
          await yieldToEventLoop();
        }
      } finally {
        g.dispose();
      }
    }
  } finally {
    baseT.dispose();
  }
  return { gains: bestG, error: Array.from(bestL, (l) => Math.sqrt(Math.max(l, 0))) };
}

function withGains(base: Float32Array, gains: Float32Array, B: number, A: number, D: number): Float32Array {
  const out = new Float32Array(base.length);
  for (let b = 0; b < B; b++)
    for (let k = 0; k < A; k++) {
      const s = 1 + gains[b * A + k];
      const o = (b * A + k) * D;
      for (let d = 0; d < D; d++) out[o + d] = base[o + d] * s;
    }
  return out;
}

function resolve(o: MismatchOptions) {
  const get = (name: keyof typeof MISMATCH_DEFAULTS) => {
    const v = (o[name] as number | undefined) ?? MISMATCH_DEFAULTS[name];
    if (!(v >= 0) || !Number.isFinite(v)) throw new UsageError(`mismatch: ${name} must be >= 0, got ${v}`);
    return v;
  };
  return {
    maxAngleDeg: get('maxAngleDeg'),
    maxShift: get('maxShift'),
    maxGain: get('maxGain'),
    points: checkPositiveInt('mismatch', 'points', get('points')),
    gainSteps: checkPositiveInt('mismatch', 'gainSteps', get('gainSteps'), 0),
    gainRestarts: checkPositiveInt('mismatch', 'gainRestarts', get('gainRestarts'), 0),
  };
}

/** The curves and the per-slice worst case, plus the worst case as an AttackResult (caller disposes it). */
export async function mismatchSweep(
  model: Reconstructor,
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  options: MismatchOptions,
  job?: JobContext,
): Promise<{ report: MismatchReport; result: AttackResult }> {
  const kind = physicsOf(model.geometry).kind;
  if (kind !== 'radon') {
    throw new UsageError(
      `mismatch: the operator-mismatch attack perturbs a CT geometry (angle, detector, gains); this model's physics is ${kind}`,
    );
  }
  const op = options.op ?? new RadonOperator(model.geometry);
  const B = checkPair('mismatch', x, y, op.domainShape, op.rangeShape);
  const s = resolve(options);
  const rng = createRng(options.seed ?? 0);
  const [, A, D] = y.shape;
  const xv = x.dataSync() as Float32Array;
  const yv = y.dataSync() as Float32Array;
  const nominal = mismatchedForward(model.geometry, { angleOffsetDeg: 0, detectorShift: 0 }, xv, B);
  const noise = new Float32Array(yv.length);
  for (let i = 0; i < yv.length; i++) noise[i] = yv[i] - nominal[i];
  const c: Ctx = { model, x, y, xv, noise, B, shapeY: [B, A, D, 1] };
  const axNorms = blockNorms(nominal, A * D);
  const changeOf = (v: Float32Array) => {
    const out: number[] = [];
    const per = A * D;
    for (let b = 0; b < B; b++) {
      let acc = 0;
      for (let i = b * per; i < (b + 1) * per; i++) acc += (v[i] - yv[i]) ** 2;
      out.push(Math.sqrt(acc));
    }
    return out;
  };
  const cleanError = errorsOf(c, yv);
  const angles = grid(s.maxAngleDeg, s.points);
  const shifts = grid(s.maxShift, s.points);
  const gainLevels =
    s.maxGain > 0 ? Array.from({ length: s.points }, (_, k) => ((k + 1) / s.points) * s.maxGain) : [];
  const total = angles.length + shifts.length + gainLevels.length + angles.length * shifts.length + 1;
  let step = 0;
  const tick = async (metrics: Record<string, number>) => {
    step += 1;
    job?.progress({ phase: 'attack mismatch', step, total, metrics });
    await yieldToEventLoop();
  };
  const curves: MismatchPoint[] = [];
  const point = (parameter: MismatchParameter, value: number, v: Float32Array, error: number[]) => {
    const change = changeOf(v);
    const p: MismatchPoint = {
      parameter,
      value,
      error,
      meanError: error.reduce((a, e) => a + e, 0) / B,
      change,
      changeRelative: change.map((d, i) => (axNorms[i] > 0 ? d / axNorms[i] : NaN)),
    };
    curves.push(p);
    return p;
  };
  for (const a of angles) {
    job?.throwIfCancelled();
    const v = measured(c, { angleOffsetDeg: a, detectorShift: 0 });
    await tick({ error: point('angle', a, v, errorsOf(c, v)).meanError });
  }
  for (const sh of shifts) {
    job?.throwIfCancelled();
    const v = measured(c, { angleOffsetDeg: 0, detectorShift: sh });
    await tick({ error: point('shift', sh, v, errorsOf(c, v)).meanError });
  }
  for (const [k, gb] of gainLevels.entries()) {
    const { gains, error } = await worstGains(
      c,
      yv,
      gb,
      s.gainSteps,
      s.gainRestarts,
      rng.fork(`gain-${k}`),
      job,
    );
    await tick({ error: point('gain', gb, withGains(yv, gains, B, A, D), error).meanError });
  }
  // Joint grid over (offset, shift): worst per slice.
  const worstCfg: OperatorMismatch[] = Array.from({ length: B }, () => ({
    angleOffsetDeg: 0,
    detectorShift: 0,
  }));
  const worstErr = [...cleanError];
  for (const a of angles) {
    for (const sh of shifts) {
      job?.throwIfCancelled();
      const err = errorsOf(c, measured(c, { angleOffsetDeg: a, detectorShift: sh }));
      err.forEach((e, b) => {
        if (e > worstErr[b]) {
          worstErr[b] = e;
          worstCfg[b] = { angleOffsetDeg: a, detectorShift: sh };
        }
      });
      await tick({ error: err.reduce((p, e) => p + e, 0) / B });
    }
  }
  // Per-slice base measurements at their worst (offset, shift), then the worst gains at maxGain there.
  const per = A * D;
  const base = new Float32Array(B * per);
  const n = model.geometry.size ** 2;
  for (let b = 0; b < B; b++) {
    const one = mismatchedForward(model.geometry, worstCfg[b], xv.subarray(b * n, (b + 1) * n), 1);
    for (let i = 0; i < per; i++) base[b * per + i] = one[i] + noise[b * per + i];
  }
  let finalY: Float32Array = base;
  let gains: Float32Array = new Float32Array(B * A);
  if (s.maxGain > 0) {
    const w = await worstGains(c, base, s.maxGain, s.gainSteps, s.gainRestarts, rng.fork('gain-worst'), job);
    gains = w.gains;
    finalY = withGains(base, gains, B, A, D);
  }
  await tick({});
  const perturbedMeasurement = tf.tensor4d(finalY, c.shapeY);
  const perturbedRecon = model.reconstruct(perturbedMeasurement);
  const error = sliceDistances(perturbedRecon, x);
  const delta = tf.sub(perturbedMeasurement, y) as tf.Tensor4D;
  const deltaNorm = sliceNormsHost(delta);
  const worst: MismatchWorst[] = worstCfg.map((cfg, b) => ({
    angleDeg: cfg.angleOffsetDeg,
    shift: cfg.detectorShift,
    gainBound: s.maxGain,
    gains: Array.from(gains.subarray(b * A, (b + 1) * A)),
    error: error[b],
  }));
  const result: AttackResult = {
    kind: 'mismatch',
    space: 'operator',
    eps: deltaNorm,
    epsRelative: deltaNorm.map((d, i) => (axNorms[i] > 0 ? d / axNorms[i] : NaN)),
    delta,
    deltaNorm,
    perturbedMeasurement,
    perturbedRecon,
    error,
    cleanError,
    info: {
      maxAngleDeg: s.maxAngleDeg,
      maxShift: s.maxShift,
      maxGain: s.maxGain,
      points: s.points,
      gainSteps: s.gainSteps,
      gainRestarts: s.gainRestarts,
      worst: JSON.stringify(worst.map(({ angleDeg, shift, gainBound }) => ({ angleDeg, shift, gainBound }))),
    },
  };
  return {
    report: {
      bounds: { maxAngleDeg: s.maxAngleDeg, maxShift: s.maxShift, maxGain: s.maxGain, points: s.points },
      curves,
      worst,
      cleanError,
    },
    result,
  };
}

export const mismatchAttack: Attack<MismatchOptions> = {
  kind: 'mismatch',
  space: 'operator',
  async attack(model, x, y, options, job) {
    return (await mismatchSweep(model, x, y, options, job)).result;
  },
};
