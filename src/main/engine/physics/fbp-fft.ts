/** Row filtering by FFT for FBP's ramp filter (the transform itself is numeric/fft.ts). */

import { fft } from '../numeric/fft';

/**
 * Filter `rows` rows of length D (row-major in `y`, written to `out`) by linear convolution with a real,
 * even kernel given by its length-P frequency response `response` (P >= 2D - 1, a power of two):
 * zero-pad, FFT, multiply, inverse FFT, crop. Two real rows share one complex transform.
 */
export function filterRowsFft(
  y: ArrayLike<number>,
  rows: number,
  D: number,
  response: Float64Array,
  out: Float32Array | Float64Array,
): void {
  const P = response.length;
  const re = new Float64Array(P);
  const im = new Float64Array(P);
  for (let r = 0; r < rows; r += 2) {
    const two = r + 1 < rows;
    re.fill(0);
    im.fill(0);
    const o0 = r * D;
    const o1 = (r + 1) * D;
    for (let d = 0; d < D; d++) re[d] = y[o0 + d];
    if (two) for (let d = 0; d < D; d++) im[d] = y[o1 + d];
    fft(re, im);
    // A real even response maps the real and imaginary inputs to the real and imaginary outputs.
    for (let k = 0; k < P; k++) {
      re[k] *= response[k];
      im[k] *= response[k];
    }
    fft(re, im, true);
    for (let d = 0; d < D; d++) out[o0 + d] = re[d];
    if (two) for (let d = 0; d < D; d++) out[o1 + d] = im[d];
  }
}
