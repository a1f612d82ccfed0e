/**
 * `minmax`: Algorithm 1 of papers/000 with the objective of eq. (7),
 *
 *   min_theta max_phi  E l(f(y), x) + lambda1 l(f(y + G(y)), x) + lambda2 hinge(G(y)),   lambda2 < 0,
 *
 * with the perturbation generator G (models/generator.ts) as the inner maximizer. One iteration on a mini-batch
 * (x_T, y_T):
 *   1. split the batch into K sub-batches; for k = 1..K: one Adam ascent step on phi for
 *      lambda1 l(f(y_k + G(y_k)), x_k) + lambda2 hinge(G(y_k)) (Algorithm 1 line 4; the paper's arg max is one
 *      step per sub-batch in practice), then delta_k = G(y_k) with the updated G (line 5), so G is fine-tuned
 *      to each sub-batch and the last G carries over to the next mini-batch (line 9);
 *   2. one step of the model's optimizer on l(f(y), x) + lambda1 l(f(y + delta), x) over the whole batch with
 *      delta = [delta_1 .. delta_K] held fixed (line 8).
 * During the first `warmupEpochs` epochs only the clean term is trained and G is not updated: with a random f
 * the perturbations are random and make f diverge (section 2.3.1).
 *
 * Units (defaults.ts): l is the per-pixel MSE of papers/002 eq. (1); the budget is relative per slice,
 * eps_b = epsRelative ||y_b||. The hinge of eq. (7), max(0, ||G(y)||^2 - eps), is applied per slice as
 * max(0, ||G(y_b)||^2 / eps_b^2 - 1): squared radius eps^2 so that the penalty enforces the ball ||G|| <= eps
 * that it replaces (the paper's eps in the hinge is a squared-norm budget, in its constraint a radius), and
 * divided by eps_b^2 so that lambda2 is unitless (how much a 10% overshoot, 0.21 |lambda2|, weighs against
 * the per-pixel loss) whatever N, the view count or ||y||.
 * f runs in training mode for G's steps and for the adversarial term without updating batch norm's moving
 * statistics (they follow the clean batches that inference sees). G uses Adam(beta1 0.5, beta2 0.999) as the
 * paper; the model optimizer is the trainer's (defaults.ts gives minmax beta1 0.5 too).
 */
import { UsageError } from '@shared/errors';
import { tf } from '../../backend';
import {
  PerturbationGenerator,
  GENERATOR_ARCHITECTURES,
  type GeneratorArchitecture,
} from '../../models/generator';
import { resolveHyper } from '../defaults';
import type { MethodContext, StepResult, TrainBatch, TrainingMethod } from '../method';
import { mseLoss } from '../../metrics';
import { budgets, generatorAscentStep } from '../../models/generator-objective';
import { sliceNorms } from '../../ops';
import { minimizeModel } from './common';

export interface MinmaxHyper {
  lambda1: number;
  lambda2: number;
  epsRelative: number;
  subBatches: number;
  warmupEpochs: number;
  generatorLearningRate: number;
  generatorArchitecture: GeneratorArchitecture;
  generatorChannels: number;
  generatorLayers: number;
}

/** Adam moments of G (papers/000 section 4). */
export const MINMAX_GENERATOR_BETA1 = 0.5;
export const MINMAX_GENERATOR_BETA2 = 0.999;

/** Sizes of K nearly equal consecutive parts of B items (the first B mod K parts one larger). */
export function subBatchSizes(B: number, K: number): number[] {
  const k = Math.max(1, Math.min(K, B));
  return Array.from({ length: k }, (_, i) => Math.floor(B / k) + (i < B % k ? 1 : 0));
}

/** Adam's running beta products (private in tfjs' typings; checkpoints need them for a bitwise resume). */
interface AdamInternals {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export interface MinmaxMethod extends TrainingMethod {
  /** G, once init ran. */
  generator(): PerturbationGenerator | undefined;
}

/** The `minmax` method (file comment). `hyper`: overrides of defaults.ts's minmax table. */
export function createMinmaxMethod(hyper: Partial<MinmaxHyper> | Record<string, unknown> = {}): MinmaxMethod {
  const h = resolveHyper('minmax', hyper as Record<string, unknown>) as unknown as MinmaxHyper;
  if (!(h.lambda2 < 0)) throw new UsageError(`minmax: lambda2 must be < 0 (eq. 7), got ${h.lambda2}`);
  if (!(h.epsRelative > 0)) throw new UsageError(`minmax: epsRelative must be > 0, got ${h.epsRelative}`);
  if (!GENERATOR_ARCHITECTURES.includes(h.generatorArchitecture)) {
    throw new UsageError(
      `minmax: generatorArchitecture must be one of ${GENERATOR_ARCHITECTURES.join(', ')}`,
    );
  }
  let g: PerturbationGenerator | undefined;
  let optG: tf.AdamOptimizer | undefined;
  let iterVar: tf.Variable | undefined;

  const newOptimizer = () =>
    tf.train.adam(h.generatorLearningRate, MINMAX_GENERATOR_BETA1, MINMAX_GENERATOR_BETA2);
  const need = (): { g: PerturbationGenerator; optG: tf.AdamOptimizer } => {
    if (!g || !optG) throw new UsageError('minmax: step() before init()');
    return { g, optG };
  };

  const adversarialStep = (batch: TrainBatch, ctx: MethodContext): StepResult => {
    const { g: gen, optG: opt } = need();
    const fFixed = (y: tf.Tensor4D) => ctx.model.apply(y, true, { updateStats: false });
    const sizes = subBatchSizes(batch.x.shape[0], h.subBatches);
    const xs = tf.split(batch.x, sizes) as tf.Tensor4D[];
    const ys = tf.split(batch.y, sizes) as tf.Tensor4D[];
    const deltas: tf.Tensor4D[] = [];
    let objective = 0;
    let hinge = 0;
    try {
      for (let k = 0; k < sizes.length; k++) {
        const eps = budgets(ys[k], h.epsRelative);
        try {
          const r = generatorAscentStep(gen, opt, fFixed, xs[k], ys[k], eps, h.lambda1, h.lambda2);
          objective += r.objective / sizes.length;
          hinge += r.hinge / sizes.length;
        } finally {
          eps.dispose();
        }
        deltas.push(gen.apply(ys[k]));
      }
      const delta = tf.concat(deltas);
      const yAdv = tf.add(batch.y, delta) as tf.Tensor4D;
      const gNormRelative = tf.tidy(
        () =>
          tf
            .mean(tf.div(sliceNorms(delta), tf.maximum(budgets(batch.y, h.epsRelative), 1e-30)))
            .dataSync()[0],
      );
      try {
        const r = minimizeModel(ctx, () => {
          const mseClean = mseLoss(ctx.model.apply(batch.y, true), batch.x);
          const mseAdversarial = mseLoss(ctx.model.apply(yAdv, true, { updateStats: false }), batch.x);
          return {
            total: tf.add(mseClean, tf.mul(mseAdversarial, h.lambda1)) as tf.Scalar,
            terms: { mseClean, mseAdversarial },
          };
        });
        Object.assign(r.terms, { generatorObjective: objective, hinge, gNormRelative, warmup: 0 });
        return r;
      } finally {
        tf.dispose([delta, yAdv]);
      }
    } finally {
      tf.dispose([...xs, ...ys, ...deltas]);
    }
  };

  return {
    name: 'minmax',
    hyper: h as unknown as Record<string, number | string | boolean>,
    generator: () => g,

    init(ctx: MethodContext) {
      g?.dispose();
      optG?.dispose();
      iterVar?.dispose();
      const gm = ctx.geometry;
      const seed = ctx.rng.fork('generator').seed;
      g =
        h.generatorArchitecture === 'conv'
          ? PerturbationGenerator.conv(gm.views, gm.detectors, {
              channels: h.generatorChannels,
              layers: h.generatorLayers,
              gain: h.epsRelative,
              seed,
            })
          : PerturbationGenerator.dense([gm.views, gm.detectors, 1], {
              hidden: Array<number>(Math.max(0, h.generatorLayers - 1)).fill(h.generatorChannels),
              gain: h.epsRelative,
              seed,
            });
      optG = newOptimizer();
      // tf.variable keeps its initial tensor alive beside the variable: build it inside tidy (which keeps
      // variables) so the scalar is released.
      iterVar = tf.tidy(() => tf.variable(tf.scalar(0), false));
    },

    step(batch: TrainBatch, ctx: MethodContext): StepResult {
      if (ctx.epoch < h.warmupEpochs) {
        const r = minimizeModel(ctx, () => {
          const mseClean = mseLoss(ctx.model.apply(batch.y, true), batch.x);
          return { total: mseClean, terms: { mseClean } };
        });
        r.terms.warmup = 1;
        return r;
      }
      return adversarialStep(batch, ctx);
    },

    /**
     * G's weights and its Adam state, as live variables (nothing to dispose): `generator/<weight>`,
     * `generatorOptimizer/{iterations,accBeta1,accBeta2}` and `generatorOptimizer/slot/<i>`.
     */
    async getState(): Promise<tf.NamedTensorMap> {
      const { g: gen, optG: opt } = need();
      const state: tf.NamedTensorMap = {};
      for (const w of gen.net.weights) state[`generator/${w.originalName}`] = w.read();
      const weights = await opt.getWeights();
      weights[0].tensor.dispose(); // a fresh scalar of the iteration count
      tf.tidy(() => (iterVar as tf.Variable).assign(tf.scalar(opt.iterations)));
      state['generatorOptimizer/iterations'] = iterVar as tf.Variable;
      const internals = opt as unknown as AdamInternals;
      state['generatorOptimizer/accBeta1'] = internals.accBeta1;
      state['generatorOptimizer/accBeta2'] = internals.accBeta2;
      weights.slice(1).forEach((w, i) => (state[`generatorOptimizer/slot/${i}`] = w.tensor));
      return state;
    },

    async setState(state: tf.NamedTensorMap): Promise<void> {
      const { g: gen } = need();
      const weights: tf.NamedTensorMap = {};
      for (const w of gen.net.weights) weights[w.originalName] = state[`generator/${w.originalName}`];
      gen.setWeights(weights);
      const it = state['generatorOptimizer/iterations'];
      if (!it) throw new UsageError('minmax: checkpoint lacks the generator optimizer state');
      optG?.dispose();
      const opt = newOptimizer();
      optG = opt;
      const slots = Object.keys(state)
        .filter((k) => k.startsWith('generatorOptimizer/slot/'))
        .sort((a, b) => Number(a.split('/').pop()) - Number(b.split('/').pop()))
        .map((k) => ({ name: k, tensor: state[k] }));
      if (slots.length > 0) {
        const iter = tf.scalar(it.dataSync()[0]);
        await opt.setWeights([{ name: 'iter', tensor: iter }, ...slots]);
        iter.dispose();
        const internals = opt as unknown as AdamInternals;
        internals.accBeta1.assign(state['generatorOptimizer/accBeta1']);
        internals.accBeta2.assign(state['generatorOptimizer/accBeta2']);
      }
    },

    dispose() {
      g?.dispose();
      optG?.dispose();
      iterVar?.dispose();
      g = undefined;
      optG = undefined;
      iterVar = undefined;
    },
  };
}
