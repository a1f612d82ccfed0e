/**
 * PSNR (DESIGN.md section 3): PSNR = 10 log10(R^2 / MSE) per image, R the data range of the reference
 * (max - min of each reference image unless opts.dataRange is given), MSE the mean over the H x W pixels.
 * Matches skimage.metrics.peak_signal_noise_ratio(ref, test, data_range=R).
 * Identical images (MSE 0) give +Infinity, which is what the formula says; callers that write JSON must
 * map it (JSON has no Infinity).
 */
import { tf } from '../backend';
import { asFloat, checkImagePair, dataRangeTensor, readAndDispose, type DataRangeOptions } from './check';

/** Differentiable PSNR per image in dB: Tensor1D [B] for ref, test [B, H, W, 1]. */
export function psnrTensor(ref: tf.Tensor, test: tf.Tensor, opts: DataRangeOptions = {}): tf.Tensor1D {
  checkImagePair('psnr', ref, test);
  return tf.tidy(() => {
    const r = asFloat(ref) as tf.Tensor4D;
    const R = dataRangeTensor('psnr', r, opts.dataRange);
    const mse = tf.mean(tf.squaredDifference(asFloat(test), r), [1, 2, 3]);
    return tf.mul(10 / Math.LN10, tf.log(tf.div(tf.square(R), mse))) as tf.Tensor1D;
  });
}

/** PSNR per image in dB. */
export function psnr(ref: tf.Tensor, test: tf.Tensor, opts: DataRangeOptions = {}): Float32Array {
  return readAndDispose(psnrTensor(ref, test, opts));
}
