/**
 * Batch normalisation (Ioffe & Szegedy 2015) with a hand-written training gradient (issue 14).
 *
 * tf.layers' BatchNormalization normalises in training mode with tf.moments + tf.batchNorm and lets autodiff
 * differentiate through both: FusedBatchNorm's gradient (tfjs-core FusedBatchNorm_grad.ts: x - mean, a
 * tile of 1/sigma to the activation's shape, and six more activation-sized products), the gradients of
 * the two Means (each fills an activation-sized array of ones, tfjs-core Mean_grad.ts) and of
 * squaredDifference, and the sums of the three paths into x: about 25 passes over every activation per
 * layer, which made batch norm ~40% of an FBPConvNet training step on the CPU. The closed form (per
 * channel, M values, xc = x - mean, s = 1 / sqrt(var + eps), xhat = xc s; Ioffe & Szegedy section 3):
 *   dbeta  = sum(dy),   dgamma = s sum(dy xc),
 *   dx     = gamma s (dy - dbeta / M - xhat dgamma / M) = p dy + q xc + r,
 *            p = gamma s,  q = -p s dgamma / M,  r = -p dbeta / M,
 * needs seven: xc, dy xc, two sums, and dx in three.
 *
 * `FusedBatchNormalization` is tf.layers' BatchNormalization with only that changed: the forward pass is
 * the same ops in the same order (same values bit for bit), inference and every other configuration run
 * the original code, the moving statistics are updated the same way, and its class name stays
 * 'BatchNormalization', so saved model.json files are standard and load anywhere.
 * `registerFusedBatchNorm()` makes it the class tf.loadLayersModel builds for 'BatchNormalization', so
 * models loaded from disk train through it too.
 */
import { tf } from '../backend';
import type { BatchNormalization } from '@tensorflow/tfjs-layers/dist/layers/normalization';
import type { LayerVariable } from '@tensorflow/tfjs-layers/dist/variables';
import type { Kwargs } from '@tensorflow/tfjs-layers/dist/types';

type BatchNormalizationArgs = ConstructorParameters<typeof BatchNormalization>[0];
type BatchNormalizationClass = new (args?: BatchNormalizationArgs) => BatchNormalization;

/** tf.layers' own class, as its module registered it for deserialization. */
const BUILTIN = tf.serialization.SerializationMap.getMap().classNameMap
  .BatchNormalization[0] as unknown as BatchNormalizationClass;

/** The fields of BatchNormalization this subclass reads (declared private in its .d.ts). */
interface BnFields {
  axis: number;
  momentum: number;
  epsilon: number;
  gamma: LayerVariable | undefined;
  beta: LayerVariable | undefined;
  movingMean: LayerVariable;
  movingVariance: LayerVariable;
}

export interface BatchNormTrainingResult {
  /** gamma (x - mean) / sqrt(variance + epsilon) + beta, differentiable with the closed-form gradient. */
  y: tf.Tensor;
  /** Batch statistics over every axis but the last (kept: the caller disposes them). */
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
}

/**
 * Training-mode batch norm over every axis but the last (channels last), with the gradient of the header.
 * The forward pass is tf.layers' (tf.moments, then tf.batchNorm), so its values equal the built-in layer's.
 */
export function batchNormTraining(
  x: tf.Tensor,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  epsilon: number,
): BatchNormTrainingResult {
  const axes = x.shape.slice(0, -1).map((_, i) => i);
  const count = x.size / x.shape[x.rank - 1];
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, g, b] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const { mean, variance } = tf.moments(xi, axes);
    const y = batchNormAnyRank(xi, mean, variance, b, g, epsilon);
    stats = { mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D };
    save([xi, mean, tf.rsqrt(tf.add(variance, epsilon)), g]);
    return {
      value: y,
      // In a tidy: tfjs runs a custom gradient outside any scope of its own, so intermediates made here
      // (four activation-sized ones) would otherwise live until the whole backward pass ends.
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, m, s, gs] = saved;
          const d = dy as tf.Tensor;
          const xc = tf.sub(xs, m);
          const dbeta = tf.sum(d, axes);
          const dgamma = tf.mul(s, tf.sum(tf.mul(d, xc), axes));
          const p = tf.mul(gs, s);
          const q = tf.div(tf.mul(tf.neg(p), tf.mul(s, dgamma)), count);
          const r = tf.div(tf.mul(tf.neg(p), dbeta), count);
          const dx = tf.add(tf.add(tf.mul(d, p), tf.mul(xc, q)), r);
          return [dx, dgamma, dbeta];
        }),
    };
  });
  const y = op(x, gamma, beta);
  if (!stats) throw new Error('batchNormTraining: the forward pass did not run');
  return { y, ...stats };
}

/** tf.batchNorm as tf.layers calls it (batchNorm2d/3d/4d by rank). */
function batchNormAnyRank(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  beta: tf.Tensor,
  gamma: tf.Tensor,
  epsilon: number,
): tf.Tensor {
  const m = mean as tf.Tensor1D;
  const v = variance as tf.Tensor1D;
  const b = beta as tf.Tensor1D;
  const g = gamma as tf.Tensor1D;
  if (x.rank === 2) return tf.batchNorm2d(x as tf.Tensor2D, m, v, b, g, epsilon);
  if (x.rank === 3) return tf.batchNorm3d(x as tf.Tensor3D, m, v, b, g, epsilon);
  return tf.batchNorm4d(x as tf.Tensor4D, m, v, b, g, epsilon);
}

/** tf.layers' moving-average update: moving - (moving - batch) (1 - momentum). */
function updateMoving(v: LayerVariable, batch: tf.Tensor, momentum: number): void {
  if (momentum === 1) return; // a no-op update (FbpConvNet uses momentum 1 to freeze the statistics)
  tf.tidy(() => {
    const orig = v.read();
    v.write(tf.sub(orig, tf.mul(tf.sub(orig, batch), 1 - momentum)));
  });
}

export class FusedBatchNormalization extends BUILTIN {
  static className = 'BatchNormalization';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const f = this as unknown as BnFields;
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    const channelsLast = f.axis === -1 || f.axis === x.rank - 1;
    const training = kwargs.training === true;
    if (!training || !channelsLast || !f.gamma || !f.beta || x.rank < 2 || x.rank > 4) {
      return super.call(inputs, kwargs);
    }
    return tf.tidy(() => {
      const { y, mean, variance } = batchNormTraining(
        x,
        f.gamma!.read() as tf.Tensor1D,
        f.beta!.read() as tf.Tensor1D,
        f.epsilon,
      );
      updateMoving(f.movingMean, mean, f.momentum);
      updateMoving(f.movingVariance, variance, f.momentum);
      tf.dispose([mean, variance]);
      return y;
    });
  }
}

/**
 * Make tf.loadLayersModel (and tf.models.modelFromJSON) build FusedBatchNormalization for every
 * 'BatchNormalization' layer. Idempotent.
 */
export function registerFusedBatchNorm(): void {
  tf.serialization.SerializationMap.register(
    FusedBatchNormalization as unknown as tf.serialization.SerializableConstructor<tf.serialization.Serializable>,
  );
}
