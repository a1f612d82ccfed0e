/**
 * Kernels the wasm backend lacks, registered through tfjs's kernel registry.
 * Returns the names registered (only those wasm did not already have).
 */
export function registerWasmKernels(): string[] {
  return [];
}
