/**
 * certify: randomized smoothing for reconstruction (papers/002 section 3, Algorithms 3-4; DESIGN.md section 4),
 * with the error measured against a fixed reference so that Corollary 3.2 holds (smoothing.ts).
 *
 *   certify(model, y', { reference, sigma, samples, confidence, radii, space? }) -> per radius, per slice:
 *       the smoothed median error and its reconstruction, the certified bound (or abstain + reason + the S
 *       that would do + the largest radius this S certifies), the certified sample's reconstruction
 *   maxCertifiableRadius(S, sigma, c, q)      the largest radius S samples certify
 *   sampleErrors(...)         the S errors per slice (batched, memory-bounded: the hot loop)
 *   certifiedOrderStatistic({ samples, eps, sigma, confidence, quantile }) -> { k | abstain, p, minSamples }
 *   normalCdf, normalQuantile, binomialCdf: the exact numerics behind it
 */
export { certify, maxCertifiableRadius, type CertifyOptions, type CertifiedSlice } from './certify';
export {
  sampleErrors,
  reconstructSample,
  resolveSmoothing,
  defaultBatchSize,
  SMOOTHING_MAX_BATCH,
  SMOOTHING_MEMORY_BYTES,
  type ErrorSamples,
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
