/**
 * certify: randomized smoothing for reconstruction (papers/002 section 3, Algorithms 3-4; DESIGN.md section 4).
 *
 *   certify(model, y', { sigma, samples, confidence, eps, space?, reference? }) -> CertifiedSlice[]
 *       median and certified discrepancy (or abstain + reason + the S that would do), their reconstructions,
 *       PSNR/SSIM against the reference
 *   certifyRadii(...)         several radii from one set of samples
 *   sigmaSweep(...)           a grid of sigma and the one with the best certified PSNR
 *   sampleDiscrepancies(...)  the S discrepancies per slice (batched, memory-bounded: the hot loop)
 *   certifiedOrderStatistic({ samples, eps, sigma, confidence, quantile }) -> { k | abstain, p, minSamples }
 *   normalCdf, normalQuantile, binomialCdf: the exact numerics behind it
 */
export {
  certify,
  certifyRadii,
  sigmaSweep,
  type CertifyOptions,
  type CertifiedSlice,
  type ImageQuality,
  type SigmaSweepOptions,
  type SigmaSweepResult,
} from './certify';
export {
  sampleDiscrepancies,
  reconstructSample,
  defaultBatchSize,
  SMOOTHING_MAX_BATCH,
  SMOOTHING_MEMORY_BYTES,
  type DiscrepancySamples,
  type SmoothingOptions,
  type SmoothingSpace,
} from './smoothing';
export {
  certifiedOrderStatistic,
  certifiedQuantileLevel,
  empiricalQuantileRank,
  minSamplesFor,
  normalCdf,
  normalQuantile,
  binomialCdf,
  binomialLogPmf,
  type OrderStatistic,
  type OrderStatisticInput,
} from './order-statistic';
