/**
 * Squared-error metrics per batch item (axis 0), for images [B, N, N, 1] or sinograms [B, A, D, 1]:
 *   mse(a, b)  = (1/n) ||a - b||^2        the loss l of papers/002 eq. (1) (the paper calls it "normalized
 *                                        MSE": normalized by the number of entries n), also its discrepancy
 *                                        l(f(y + delta), f(y)) of eq. (6)
 *   nmse(a, b) = ||a - b||^2 / ||b||^2    relative squared error with b the reference (scale-free)
 * The *Tensor forms are differentiable tf ops returning a Tensor1D [B]; `tf.mean` of one is a scalar loss.
 */
import { InputError } from '@shared/errors';
import { tf } from '../backend';
import { asFloat, checkSameShape, readAndDispose } from './check';

function itemAxes(t: tf.Tensor): number[] {
  return Array.from({ length: t.rank - 1 }, (_, k) => k + 1);
}

/** Mean squared error per item, papers/002 eq. (1): (1/n) ||a - b||^2. */
export function mseTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  checkSameShape('mse', a, b);
  return tf.tidy(() => tf.mean(tf.squaredDifference(asFloat(a), asFloat(b)), itemAxes(a)) as tf.Tensor1D);
}

/**
 * ||a - b||^2 / ||b||^2 per item, b the reference. An all-zero reference item is an InputError (it reads the
 * [B] vector of ||b||^2 back to check).
 */
export function nmseTensor(a: tf.Tensor, b: tf.Tensor): tf.Tensor1D {
  checkSameShape('nmse', a, b);
  return tf.tidy(() => {
    const bf = asFloat(b);
    const den = tf.sum(tf.square(bf), itemAxes(b));
    const d = den.dataSync();
    for (let k = 0; k < d.length; k++) {
      if (!(d[k] > 0))
        throw new InputError(`nmse: reference item ${k} has ||b||^2 = ${d[k]}; nmse is undefined`);
    }
    return tf.div(tf.sum(tf.squaredDifference(asFloat(a), bf), itemAxes(a)), den) as tf.Tensor1D;
  });
}

/** mseTensor's values. */
export function mse(a: tf.Tensor, b: tf.Tensor): Float32Array {
  return readAndDispose(mseTensor(a, b));
}

/** nmseTensor's values. */
export function nmse(a: tf.Tensor, b: tf.Tensor): Float32Array {
  return readAndDispose(nmseTensor(a, b));
}

/** The data loss of papers/002 eq. (1) as one scalar: (1/n) ||xHat - x||^2 per slice, averaged over the batch. */
export function mseLoss(xHat: tf.Tensor, x: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(xHat, x));
}
