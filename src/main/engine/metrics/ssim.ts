/**
 * SSIM (Wang, Bovik, Sheikh & Simoncelli, "Image quality assessment: from error visibility to structural
 * similarity", IEEE TIP 13 (2004) 600-612, eq. (13) with the Gaussian window of section III-C):
 *   SSIM(x, y) = (2 mu_x mu_y + C1)(2 sigma_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(sigma_x^2 + sigma_y^2 + C2)),
 *   C1 = (K1 R)^2, C2 = (K2 R)^2, K1 = 0.01, K2 = 0.03,
 * local statistics weighted by an 11 x 11 Gaussian window (sigma 1.5, normalized to sum 1), population
 * (not sample) covariances, averaged over every position where the window fits ('valid': the image
 * cropped by 5 pixels). R as in PSNR (DESIGN.md section 3). This is exactly
 *   skimage.metrics.structural_similarity(ref, test, gaussian_weights=True, sigma=1.5,
 *                                         use_sample_covariance=False, data_range=R)
 * (skimage filters the whole image with mode 'reflect' and then crops 5 pixels, which leaves only windows
 * that never touch the padding). Images smaller than 11 x 11 are a ShapeError.
 */
import { ShapeError } from '@shared/errors';
import { tf } from '../backend';
import { asFloat, checkImagePair, dataRangeTensor, readAndDispose, type DataRangeOptions } from './check';

export const SSIM_WINDOW_SIZE = 11;
export const SSIM_SIGMA = 1.5;
export const SSIM_K1 = 0.01;
export const SSIM_K2 = 0.03;

/** The 1-D Gaussian taps exp(-t^2 / (2 sigma^2)), t = -r..r, normalized to sum 1 (as scipy's gaussian_filter). */
export function gaussianWindow1d(size = SSIM_WINDOW_SIZE, sigma = SSIM_SIGMA): Float32Array {
  const r = (size - 1) / 2;
  const w = new Float64Array(size);
  let sum = 0;
  for (let k = 0; k < size; k++) {
    w[k] = Math.exp(-((k - r) ** 2) / (2 * sigma * sigma));
    sum += w[k];
  }
  return Float32Array.from(w, (v) => v / sum);
}

function checkSize(ref: tf.Tensor): void {
  const [, H, W] = ref.shape;
  if (H < SSIM_WINDOW_SIZE || W < SSIM_WINDOW_SIZE) {
    throw new ShapeError(
      `ssim: images must be at least ${SSIM_WINDOW_SIZE}x${SSIM_WINDOW_SIZE} (the Gaussian window), got ${H}x${W}`,
      { op: 'ssim', shape: ref.shape },
    );
  }
}

/**
 * Differentiable SSIM map [B, H-10, W-10, 1]: the SSIM of the window centred at every pixel at least 5
 * pixels from the border.
 */
export function ssimMapTensor(ref: tf.Tensor, test: tf.Tensor, opts: DataRangeOptions = {}): tf.Tensor4D {
  const [B] = checkImagePair('ssim', ref, test);
  checkSize(ref);
  return tf.tidy(() => {
    const r = asFloat(ref) as tf.Tensor4D;
    const t = asFloat(test) as tf.Tensor4D;
    const R = tf.reshape(dataRangeTensor('ssim', r, opts.dataRange), [B, 1, 1, 1]);
    const C1 = tf.square(tf.mul(SSIM_K1, R));
    const C2 = tf.square(tf.mul(SSIM_K2, R));
    // Shift both images by the reference mean c before forming second moments: variances and covariance are
    // shift-invariant, and float32 E[x^2] - E[x]^2 loses digits when |mean| >> std (e.g. HU-like values).
    const c = tf.mean(r, [1, 2, 3], true);
    const x = tf.sub(r, c);
    const y = tf.sub(t, c);
    // Separable Gaussian: an 11x1 then a 1x11 'valid' correlation (the window is symmetric), all five local
    // moments in one batch of 5B images.
    const g = gaussianWindow1d();
    const kv = tf.tensor4d(g, [SSIM_WINDOW_SIZE, 1, 1, 1]);
    const kh = tf.tensor4d(g, [1, SSIM_WINDOW_SIZE, 1, 1]);
    const moments = tf.concat([x, y, tf.square(x), tf.square(y), tf.mul(x, y)], 0) as tf.Tensor4D;
    const filtered = tf.conv2d(tf.conv2d(moments, kv, 1, 'valid'), kh, 1, 'valid');
    const [ux, uy, uxx, uyy, uxy] = tf.split(filtered, 5, 0);
    const vx = tf.sub(uxx, tf.square(ux));
    const vy = tf.sub(uyy, tf.square(uy));
    const vxy = tf.sub(uxy, tf.mul(ux, uy));
    const mx = tf.add(ux, c);
    const my = tf.add(uy, c);
    const num = tf.mul(tf.add(tf.mul(2, tf.mul(mx, my)), C1), tf.add(tf.mul(2, vxy), C2));
    const den = tf.mul(tf.add(tf.add(tf.square(mx), tf.square(my)), C1), tf.add(tf.add(vx, vy), C2));
    return tf.div(num, den) as tf.Tensor4D;
  });
}

/** Differentiable mean SSIM per image: Tensor1D [B]. `tf.sub(1, tf.mean(...))` makes a loss. */
export function ssimTensor(ref: tf.Tensor, test: tf.Tensor, opts: DataRangeOptions = {}): tf.Tensor1D {
  return tf.tidy(() => tf.mean(ssimMapTensor(ref, test, opts), [1, 2, 3]) as tf.Tensor1D);
}

/** Mean SSIM per image. */
export function ssim(ref: tf.Tensor, test: tf.Tensor, opts: DataRangeOptions = {}): Float32Array {
  return readAndDispose(ssimTensor(ref, test, opts));
}
