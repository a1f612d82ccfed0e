/**
 * Image-quality metrics (DESIGN.md section 3), per batch item, for tensors [B, H, W, 1] (mse/nmse: any
 * [B, ...]). Each comes as a differentiable tf form returning a Tensor1D [B] (for losses and attacks) and as
 * a plain form returning a Float32Array [B] (for reports):
 *   psnrTensor / psnr   10 log10(R^2 / MSE), R = data range of the reference (or opts.dataRange)
 *   ssimTensor / ssim   Gaussian-window SSIM (11x11, sigma 1.5, K1 0.01, K2 0.03), as scikit-image's
 *   ssimMapTensor       the SSIM map over the 'valid' window positions
 *   mseTensor / mse     (1/n) ||a - b||^2: the loss l of papers/002 eq. (1) and its discrepancy
 *   mseLoss             its batch mean as one scalar (the training loss)
 *   nmseTensor / nmse   ||a - b||^2 / ||b||^2
 */
export { type DataRangeOptions } from './check';
export { psnr, psnrTensor } from './psnr';
export {
  ssim,
  ssimTensor,
  ssimMapTensor,
  gaussianWindow1d,
  SSIM_WINDOW_SIZE,
  SSIM_SIGMA,
  SSIM_K1,
  SSIM_K2,
} from './ssim';
export { mse, mseLoss, mseTensor, nmse, nmseTensor } from './mse';
