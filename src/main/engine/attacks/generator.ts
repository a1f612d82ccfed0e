/**
 * `generator` attack: a perturbation generator G (models/generator.ts) trained against the FIXED model by
 * eq. (7)'s maximization alone (papers/000):
 *
 *   max_phi  E_train  lambda1 l(f(y + G(y; phi)), x) + lambda2 max(0, ||G(y)||^2 / eps^2 - 1),   lambda2 < 0,
 *
 * (l the per-pixel MSE, the hinge relative to the budget as in training/methods/minmax.ts), by Adam on
 * mini-batches of the training slices. The attacked slices are then perturbed by one forward pass,
 * delta_i = P_eps_i(G(y_i)) (projected in Float64, since the hinge bounds ||G|| only softly), and the result
 * reports Delta_max = ||f(y_i + delta_i) - x_i|| (eq. 8) per slice. With `trainX/trainY` the slices G learns
 * from are held out from the attacked ones, which is the point: G amortizes the attack (one forward pass per
 * new slice) and shows how well the worst case generalizes; without them G is fitted to the attacked slices
 * themselves (info.heldOut false). By default PGA (pga-y, 100 steps) runs on the same slices and radii, and
 * its errors come next to G's (`pga`, info.fractionOfPga = mean G error / mean PGA error).
 *
 * Budgets while training: G learns the relative radius r = mean_i eps_i / ||A x_i|| of the attacked slices,
 * eps_b = r ||A x_b|| on each training slice (DESIGN.md section 3: perturbation sizes relative to ||A x||).
 */
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import type { JobContext } from '../job-context';
import {
  CONV_GENERATOR_DEFAULTS,
  DENSE_GENERATOR_DEFAULTS,
  GENERATOR_ARCHITECTURES,
  PerturbationGenerator,
  type GeneratorArchitecture,
} from '../models/generator';
import type { Reconstructor } from '../models/reconstructor';
import { makeOperator } from '../physics';
import { createRng } from '../random';
import { generatorAscentStep } from '../models/generator-objective';
import { pgaY, radiusScales, type L2BallAttackOptions } from './l2-ball';
import { projectL2Host, sliceDistances, sliceNormsHost } from '../ops';
import { checkPair, checkPositiveInt, epsPerSlice, yieldToEventLoop } from './slices';
import { disposeAttackResult, type Attack, type AttackOptions, type AttackResult } from './types';

export interface GeneratorAttackOptions extends AttackOptions {
  /** Slices G is trained on, x [Bt,N,N,1] and y [Bt,A,D,1]; default: the attacked slices. Not disposed. */
  trainX?: tf.Tensor4D;
  trainY?: tf.Tensor4D;
  /** Adam steps on G. Default 300. */
  steps?: number;
  /** Training slices per step (drawn with replacement, seeded). Default 8. */
  batchSize?: number;
  /** Adam learning rate of G (beta1 0.5, beta2 0.999 as papers/000). Default 3e-3. */
  learningRate?: number;
  /** Weight of the hinge penalty, < 0 (papers/000: -0.1 for MNIST). Default -0.1. */
  lambda2?: number;
  /**
   * 'auto' (default): the paper's fully-connected G for sinograms of at most DENSE_MAX_ENTRIES values, the
   * convolutional one above (a dense layer on a 36 x 182 sinogram would hold ~44M weights).
   */
  architecture?: GeneratorArchitecture | 'auto';
  /** Hidden channels (conv, default 16) or width (dense, default 128). */
  channels?: number;
  /** Layers including the output layer. */
  layers?: number;
  /** Run pga-y on the same slices and radii for comparison (default true); an object sets its options. */
  compareWithPga?: boolean | Omit<L2BallAttackOptions, 'eps' | 'op' | 'init'>;
  /** Return the trained G in the result (the caller disposes it). Default false. */
  keepGenerator?: boolean;
  /**
   * A G already trained against this model (e.g. by an earlier call with keepGenerator): applied as is, no
   * training (trainX/trainY, steps and the learning settings are ignored). Not disposed.
   */
  trained?: PerturbationGenerator;
}

/**
 * Defaults, measured at N 16 / 12 views against FBP with eps 5% of ||A x|| on 4 held-out ellipse phantoms
 * (16 training phantoms): the dense G reaches 0.95 of PGA's mean error in 300 steps (0.61 after 100); the
 * conv G 0.77 (lr 3e-3; with plain ReLU and lr 1e-2 its units died and it reached only the clean error).
 */
export const GENERATOR_ATTACK_DEFAULTS = {
  steps: 300,
  batchSize: 8,
  learningRate: 3e-3,
  lambda2: -0.1,
  architecture: 'auto' as GeneratorArchitecture | 'auto',
  layers: 4,
};

/** Largest sinogram (A x D values) that gets the dense G under architecture 'auto'. */
export const DENSE_MAX_ENTRIES = 4096;

export interface GeneratorAttackResult extends AttackResult {
  /** PGA's Delta_max per slice on the same slices and radii (when compareWithPga is not false). */
  pga?: { error: number[]; meanError: number; steps: number };
  /** The trained generator when keepGenerator is set (caller disposes). */
  generator?: PerturbationGenerator;
}

function resolve(o: GeneratorAttackOptions, entries: number) {
  const d = GENERATOR_ATTACK_DEFAULTS;
  const steps = checkPositiveInt('generator', 'steps', o.steps ?? d.steps, 0);
  const batchSize = checkPositiveInt('generator', 'batchSize', o.batchSize ?? d.batchSize);
  const learningRate = o.learningRate ?? d.learningRate;
  if (!(learningRate > 0) || !Number.isFinite(learningRate)) {
    throw new UsageError(`generator: learningRate must be a positive number, got ${learningRate}`);
  }
  const lambda2 = o.lambda2 ?? d.lambda2;
  if (!(lambda2 < 0)) throw new UsageError(`generator: lambda2 must be < 0 (eq. 7), got ${lambda2}`);
  const requested = o.architecture ?? d.architecture;
  if (requested !== 'auto' && !GENERATOR_ARCHITECTURES.includes(requested)) {
    throw new UsageError(`generator: architecture must be auto, ${GENERATOR_ARCHITECTURES.join(', ')}`);
  }
  const architecture: GeneratorArchitecture =
    requested === 'auto' ? (entries <= DENSE_MAX_ENTRIES ? 'dense' : 'conv') : requested;
  const defaultChannels =
    architecture === 'conv' ? CONV_GENERATOR_DEFAULTS.channels : DENSE_GENERATOR_DEFAULTS.hidden[0];
  const channels = checkPositiveInt('generator', 'channels', o.channels ?? defaultChannels);
  const layers = checkPositiveInt('generator', 'layers', o.layers ?? d.layers);
  return { steps, batchSize, learningRate, lambda2, architecture, channels, layers };
}

function buildGenerator(
  arch: GeneratorArchitecture,
  views: number,
  detectors: number,
  channels: number,
  layers: number,
  gain: number,
  seed: string,
): PerturbationGenerator {
  if (arch === 'conv') return PerturbationGenerator.conv(views, detectors, { channels, layers, gain, seed });
  const hidden = Array<number>(Math.max(0, layers - 1)).fill(channels);
  return PerturbationGenerator.dense([views, detectors, 1], { hidden, gain, seed });
}

/** An Attack whose result also carries PGA's errors and, on request, the trained G. */
export interface GeneratorAttack extends Attack<GeneratorAttackOptions> {
  attack(
    model: Reconstructor,
    x: tf.Tensor4D,
    y: tf.Tensor4D,
    options: GeneratorAttackOptions,
    job?: JobContext,
  ): Promise<GeneratorAttackResult>;
}

/** The generator attack (file comment). */
export const generatorAttack: GeneratorAttack = {
  kind: 'generator',
  space: 'y',
  async attack(model, x, y, options, job) {
    const op = options.op ?? makeOperator(model.geometry);
    const B = checkPair('generator', x, y, op.domainShape, op.rangeShape);
    const eps = epsPerSlice('generator', options.eps, B);
    const s = resolve(options, op.rangeShape[0] * op.rangeShape[1]);
    if (Boolean(options.trainX) !== Boolean(options.trainY)) {
      throw new UsageError('generator: give both trainX and trainY (or neither)');
    }
    const heldOut = Boolean(options.trainX);
    const trainX = options.trainX ?? x;
    const trainY = options.trainY ?? y;
    const Bt = checkPair('generator (training slices)', trainX, trainY, op.domainShape, op.rangeShape);
    const rng = createRng(options.seed ?? 0);

    const refNorms = radiusScales('y', x, op).map((sc) => sc.norm);
    const epsRelative = eps.map((e, i) => (refNorms[i] > 0 ? e / refNorms[i] : e === 0 ? 0 : NaN));
    const r = epsRelative.reduce((a, b) => a + b, 0) / B;
    if (!(r > 0)) throw new UsageError('generator: eps must be > 0 (relative to ||A x||) to train G');

    const g = op.geometry;
    const gen =
      options.trained ??
      buildGenerator(s.architecture, g.views, g.detectors, s.channels, s.layers, r, rng.fork('init').seed);
    const trainSteps = options.trained ? 0 : s.steps;
    const opt = tf.train.adam(s.learningRate, 0.5, 0.999);
    const trainEps = tf.tidy(() =>
      tf.mul(tf.sqrt(tf.sum(tf.square(op.forward(trainX)), [1, 2, 3], true)), r),
    );
    const f = (v: tf.Tensor4D) => model.reconstruct(v);
    const pick = rng.fork('batches');
    let keep = false;
    try {
      let last = { objective: 0, adversarialLoss: 0, hinge: 0 };
      for (let t = 0; t < trainSteps; t++) {
        job?.throwIfCancelled();
        const idx = tf.tensor1d(
          Int32Array.from({ length: Math.min(s.batchSize, Bt) }, () => pick.int(Bt)),
          'int32',
        );
        const [xb, yb, eb] = tf.tidy(() => [
          tf.gather(trainX, idx) as tf.Tensor4D,
          tf.gather(trainY, idx) as tf.Tensor4D,
          tf.gather(trainEps, idx),
        ]);
        try {
          last = generatorAscentStep(gen, opt, f, xb, yb, eb, 1, s.lambda2);
        } finally {
          tf.dispose([idx, xb, yb, eb]);
        }
        job?.progress({
          phase: 'attack generator (training G)',
          step: t + 1,
          total: s.steps,
          metrics: { mseAdversarial: last.adversarialLoss, hinge: last.hinge },
        });
        await yieldToEventLoop();
      }

      const cleanRecon = model.reconstruct(y);
      const cleanError = sliceDistances(cleanRecon, x);
      cleanRecon.dispose();
      const raw = gen.apply(y);
      const rawNorms = sliceNormsHost(raw);
      const delta = projectL2Host(raw, eps);
      raw.dispose();
      const perturbedMeasurement = tf.add(y, delta) as tf.Tensor4D;
      const perturbedRecon = model.reconstruct(perturbedMeasurement);
      const error = sliceDistances(perturbedRecon, x);
      const mean = (a: number[]) => a.reduce((p, q) => p + q, 0) / a.length;
      const result: GeneratorAttackResult = {
        kind: 'generator',
        space: 'y',
        eps,
        epsRelative,
        delta,
        deltaNorm: sliceNormsHost(delta),
        perturbedMeasurement,
        perturbedRecon,
        error,
        cleanError,
        info: {
          steps: trainSteps,
          reusedGenerator: Boolean(options.trained),
          batchSize: s.batchSize,
          learningRate: s.learningRate,
          lambda2: s.lambda2,
          architecture: s.architecture,
          generatorParameters: gen.parameterCount(),
          heldOut,
          trainSlices: Bt,
          trainedEpsRelative: r,
          /** max_i ||G(y_i)|| / eps_i before the projection (the hinge is a soft constraint). */
          rawNormRatioMax: Math.max(...rawNorms.map((n, i) => (eps[i] > 0 ? n / eps[i] : 0))),
          finalTrainObjective: last.objective,
        },
      };
      if (options.compareWithPga !== false) {
        const pgaOptions = typeof options.compareWithPga === 'object' ? options.compareWithPga : {};
        job?.progress({ phase: 'attack generator (PGA for comparison)', step: 0, total: 1 });
        const p = await pgaY.attack(model, x, y, { seed: options.seed, ...pgaOptions, eps, op }, job);
        result.pga = { error: p.error, meanError: mean(p.error), steps: Number(p.info.steps) };
        disposeAttackResult(p);
        result.info.pgaMeanError = result.pga.meanError;
        result.info.fractionOfPga = result.pga.meanError > 0 ? mean(error) / result.pga.meanError : NaN;
      }
      if (options.keepGenerator) {
        result.generator = gen;
        keep = true;
      }
      return result;
    } finally {
      trainEps.dispose();
      opt.dispose();
      if (!keep && !options.trained) gen.dispose();
    }
  },
};
