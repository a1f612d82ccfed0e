/**
 * physics: forward operators A as differentiable tfjs ops behind one interface, MeasurementOperator
 * (makeOperator(geometry) picks the class from the geometry's physics): the parallel-beam Radon operator
 * (Joseph projector, exact adjoint, FBP with the adjoint or a pixel-driven backprojector, also as plain
 * typed-array functions), the identity of denoising and block compressed sensing; FBP filters, the operator
 * norm; phantoms and noise models (re-exported from their modules).
 */
export { RadonOperator } from './radon-operator';
export { IdentityOperator } from './identity-operator';
export { CsOperator } from './cs-operator';
export { csMatrices, type CsMatrices } from './cs-matrix';
export { makeOperator } from './make-operator';
export type { MeasurementOperator, InitialReconstructionOptions } from './measurement-operator';
export { checkBatchShape, linearOp, type LinearOperator } from './linear-operator';
export { radonForwardArray, radonAdjointArray } from './radon-array';
export { BACKPROJECTORS, fbpArray, fbpScale, rampFilterArray } from './fbp';
export type { Backprojector, FbpArrayOptions, FbpOptions, FilterImpl } from './fbp';
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
