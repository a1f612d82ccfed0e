/**
 * `smt-grad`: Smoothed Gradient Training, Algorithm 2 of papers/002 (after Bansal et al. 2022):
 *
 *   g_theta = E_{delta ~ N(0, sigma^2 I)} grad_theta l(f(y_{x + delta}), x)                          (eq. 10)
 *
 * estimated by the mean over S noisy copies, y_{x+delta} = y + A delta (image-space noise through the
 * projector, as papers/002 perturbs x). sigma ramps within each epoch from sigma_max / T_step to sigma_max in
 * T_step equal stages (section 3.3: large noise from the start makes training unstable):
 *
 *   stage = floor(T_step * stepInEpoch / stepsPerEpoch) + 1,   sigma = stage / T_step * sigma_max,
 *
 * stepInEpoch = ctx.step mod ctx.stepsPerEpoch (the trainer's epochs are equal-length step ranges).
 *
 * The S x B copies go through the network as one batch, and the loss is the mean of the S per-copy losses,
 * so its gradient is exactly the mean of the per-copy gradients (eq. 10's Monte-Carlo estimate) apart from
 * batch norm, whose batch statistics are pooled over the S copies (copies of the same slices: nearly the same
 * statistics) and whose moving averages are updated once per step instead of S times.
 *
 * Units (defaults.ts): sigma_max,b = sigmaMaxRelative RMS(x_b) per slice, or one absolute sigma_max for every
 * slice (sigmaMaxAbsolute > 0, papers/002's convention); l is the per-pixel MSE.
 */
import { tf } from '../../backend';
import { resolveHyper } from '../defaults';
import type { MethodContext, StepResult, TrainBatch, TrainingMethod } from '../method';
import { mseLoss } from '../../metrics';
import { minimizeModel, stateless } from './common';
import { itemRms, perSliceLevel, smoothingNoiseY } from './smt-adv';

export interface SmtGradHyper {
  sigmaMaxRelative: number;
  /** > 0: one absolute sigma_max per pixel (image units) for every slice. */
  sigmaMaxAbsolute?: number;
  samples: number;
  tStep: number;
}

/** The ramp stage (1..tStep) and sigma / sigma_max for a step within its epoch (file comment). */
export function smtGradSchedule(
  stepInEpoch: number,
  stepsPerEpoch: number,
  tStep: number,
): { stage: number; fraction: number } {
  const spe = Math.max(1, Math.floor(stepsPerEpoch));
  const s = ((Math.floor(stepInEpoch) % spe) + spe) % spe;
  const stage = Math.min(tStep, Math.floor((tStep * s) / spe) + 1);
  return { stage, fraction: stage / tStep };
}

/** The `smt-grad` method (file comment). `hyper`: overrides of defaults.ts's smt-grad table. */
export function createSmtGradMethod(
  hyper: Partial<SmtGradHyper> | Record<string, unknown> = {},
): TrainingMethod {
  const h = resolveHyper('smt-grad', hyper as Record<string, unknown>) as unknown as SmtGradHyper;
  return {
    name: 'smt-grad',
    hyper: h as unknown as Record<string, number | string | boolean>,
    ...stateless,
    step(batch: TrainBatch, ctx: MethodContext): StepResult {
      const { stage, fraction } = smtGradSchedule(ctx.step, ctx.stepsPerEpoch, h.tStep);
      const sigmaRelative = fraction * h.sigmaMaxRelative;
      const sigma = perSliceLevel(batch.x, itemRms, sigmaRelative, fraction * (h.sigmaMaxAbsolute ?? 0));
      const aDelta = smoothingNoiseY(batch.x, ctx, h.samples, sigma);
      const yNoisy = tf.tidy(() => tf.add(tf.tile(batch.y, [h.samples, 1, 1, 1]), aDelta) as tf.Tensor4D);
      const xTiled = tf.tile(batch.x, [h.samples, 1, 1, 1]);
      try {
        const r = minimizeModel(ctx, () => {
          const mseNoisy = mseLoss(ctx.model.apply(yNoisy, true), xTiled);
          return { total: mseNoisy, terms: { mseNoisy } };
        });
        Object.assign(r.terms, { sigmaRelative, sigmaFraction: fraction, stage });
        return r;
      } finally {
        tf.dispose([sigma, aDelta, yNoisy, xTiled]);
      }
    },
  };
}
