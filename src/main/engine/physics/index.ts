/**
 * physics: the parallel-beam Radon operator (Joseph projector, exact adjoint, FBP with the adjoint or a
 * pixel-driven backprojector) as differentiable
 * tfjs ops and as plain typed-array functions, FBP filters, the operator norm; phantoms and noise models
 * (re-exported from their modules).
 */
export { RadonOperator, checkBatchShape } from './radon-operator';
export type { LinearOperator, FbpOptions, FilterImpl } from './radon-operator';
export { radonForwardArray, radonAdjointArray } from './radon-array';
export { BACKPROJECTORS, fbpArray, fbpScale, rampFilterArray } from './fbp';
export type { Backprojector, FbpArrayOptions } from './fbp';
export {
  FILTER_NAMES,
  filterKernel,
  filterMatrix,
  filterResponse,
  filterWindow,
  resolveFilterOptions,
} from './filters';
export type { FilterName, FilterOptions } from './filters';
export { opNormSq, computeOpNormSq, frobeniusNormSq } from './radon-norm';
export type { OpNormResult } from './radon-norm';
export {
  registerRadonKernels,
  RADON_FORWARD_KERNEL,
  RADON_ADJOINT_KERNEL,
  RAMP_FILTER_KERNEL,
  PIXEL_BACKPROJECT_KERNEL,
  PIXEL_BACKPROJECT_T_KERNEL,
} from './radon-kernels';
export * from './phantoms';
export * from './noise';
