/**
 * models: reconstructors (FBP baseline, linear B, FBPConvNet), the perturbation generator G, save/load with
 * model cards. Every reconstructor implements `Reconstructor` (reconstructor.ts).
 */
export type { Reconstructor, ReconstructorKind } from './reconstructor';
export { FbpReconstructor } from './fbp-reconstructor';
