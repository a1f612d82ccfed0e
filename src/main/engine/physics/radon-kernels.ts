/**
 * The Joseph projector and backprojector as tfjs kernels (DESIGN.md section 2: nothing backend-specific
 * outside this file). A: images [B,N,N,1] -> sinograms [B,A,D,1] ('CtAuditRadonForward') and its exact
 * transpose ('CtAuditRadonAdjoint'); the pixel-driven backprojector of radon-pixel.ts and its transpose
 * (an FBP option); the FFT ramp filter of sinogram rows ('CtAuditRampFilter'),
 * which beats tf.matMul with the Toeplitz filter matrix on the pure-JS 'cpu' backend.
 *
 * The kernel function reads its input with `backend.readSync(dataId)` and hands the Float32Array result
 * to `backend.write(values, shape, dtype)`, the one storage entry point every KernelBackend has: 'cpu'
 * keeps the array, 'wasm' copies it onto its heap, 'tensorflow' (tfjs-node) creates the TF tensor lazily.
 * Kernels are registered lazily for whichever backend is active when an op first runs, so any backend with
 * a synchronous readSync works. On 'webgpu' the four projector kernels are WGSL shaders instead
 * (radon-webgpu.ts), so images stay on the GPU; the FFT ramp filter keeps the JS version there (it reads
 * back and uploads), but FBP only uses it on 'cpu' (radon-operator.ts: matMul everywhere else).
 */
import { tf } from '../backend';
import type { Geometry } from '@shared/geometry';
import { josephAdjoint, josephForward, josephPlan } from './radon-joseph';
import { pixelBackproject, pixelBackprojectTranspose, pixelPlan } from './radon-pixel';
import { filterResponse, type FilterName } from './filters';
import { filterRowsFft } from './fbp-fft';
import { webgpuRadonKernel } from './radon-webgpu';

export const RADON_FORWARD_KERNEL = 'CtAuditRadonForward';
export const RADON_ADJOINT_KERNEL = 'CtAuditRadonAdjoint';
export const RAMP_FILTER_KERNEL = 'CtAuditRampFilter';
export const PIXEL_BACKPROJECT_KERNEL = 'CtAuditPixelBackproject';
export const PIXEL_BACKPROJECT_T_KERNEL = 'CtAuditPixelBackprojectT';

/** Geometry as kernel attributes (plain numbers). */
interface RadonAttrs {
  size: number;
  views: number;
  detectors: number;
  detectorSpacing: number;
}

/** forward: A (Joseph), adjoint: A^T, pixel-bp: pixel-driven backprojection B, pixel-bp-t: B^T. */
export type RadonKernelKind = 'forward' | 'adjoint' | 'pixel-bp' | 'pixel-bp-t';
type Kind = RadonKernelKind;

interface RampAttrs {
  filter: FilterName;
  cutoff: number;
  scale: number;
}

function attrsToGeometry(attrs: tf.NamedAttrMap): Geometry {
  const a = attrs as unknown as RadonAttrs;
  return { size: a.size, views: a.views, detectors: a.detectors, detectorSpacing: a.detectorSpacing };
}

function makeKernelFunc(kind: Kind, backendName: string): tf.KernelFunc {
  if (backendName === 'webgpu') return webgpuRadonKernel(kind, attrsToGeometry);
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as tf.KernelBackend;
    const x = (inputs as { x: tf.TensorInfo }).x;
    const g = attrsToGeometry(attrs ?? {});
    const values = backend.readSync(x.dataId) as Float32Array;
    const batch = x.shape[0];
    const toSinogram = kind === 'forward' || kind === 'pixel-bp-t';
    const shape = toSinogram ? [batch, g.views, g.detectors, 1] : [batch, g.size, g.size, 1];
    const out = new Float32Array(shape[0] * shape[1] * shape[2]);
    if (kind === 'forward') josephForward(josephPlan(g), values, batch, out);
    else if (kind === 'adjoint') josephAdjoint(josephPlan(g), values, batch, out);
    else if (kind === 'pixel-bp') pixelBackproject(pixelPlan(g), values, batch, out);
    else pixelBackprojectTranspose(pixelPlan(g), values, batch, out);
    const dataId = backend.write(out, shape, 'float32');
    return { dataId, shape, dtype: 'float32' };
  };
}

const rampKernelFunc: tf.KernelFunc = ({ inputs, backend: b, attrs }) => {
  const backend = b as tf.KernelBackend;
  const x = (inputs as { x: tf.TensorInfo }).x;
  const { filter, cutoff, scale } = attrs as unknown as RampAttrs;
  const D = x.shape[x.shape.length - 1];
  const rows = x.shape.reduce((p, q) => p * q, 1) / D;
  const values = backend.readSync(x.dataId) as Float32Array;
  const response = filterResponse(D, filter, cutoff).map((v) => v * scale);
  const out = new Float32Array(values.length);
  filterRowsFft(values, rows, D, response, out);
  const shape = x.shape.slice();
  return { dataId: backend.write(out, shape, 'float32'), shape, dtype: 'float32' };
};

/** Register the kernels for `backendName` unless already there. Returns the names registered now. */
export function registerRadonKernels(backendName: string = tf.getBackend()): string[] {
  const done: string[] = [];
  const funcs: [string, tf.KernelFunc][] = [
    [RADON_FORWARD_KERNEL, makeKernelFunc('forward', backendName)],
    [RADON_ADJOINT_KERNEL, makeKernelFunc('adjoint', backendName)],
    [PIXEL_BACKPROJECT_KERNEL, makeKernelFunc('pixel-bp', backendName)],
    [PIXEL_BACKPROJECT_T_KERNEL, makeKernelFunc('pixel-bp-t', backendName)],
    [RAMP_FILTER_KERNEL, rampKernelFunc],
  ];
  for (const [name, kernelFunc] of funcs) {
    if (tf.getKernel(name, backendName) === undefined) {
      tf.registerKernel({ kernelName: name, backendName, kernelFunc });
      done.push(name);
    }
  }
  return done;
}

/**
 * Run the raw (non-differentiable) projector or backprojector on a float32 tensor of the right shape.
 * Callers validate shapes; the differentiable ops live in radon-operator.ts.
 */
export function runRadonKernel(kind: Kind, x: tf.Tensor, g: Geometry): tf.Tensor4D {
  registerRadonKernels(tf.getBackend());
  const attrs: RadonAttrs = {
    size: g.size,
    views: g.views,
    detectors: g.detectors,
    detectorSpacing: g.detectorSpacing,
  };
  const name = {
    forward: RADON_FORWARD_KERNEL,
    adjoint: RADON_ADJOINT_KERNEL,
    'pixel-bp': PIXEL_BACKPROJECT_KERNEL,
    'pixel-bp-t': PIXEL_BACKPROJECT_T_KERNEL,
  }[kind];
  return tf.engine().runKernel(name, { x }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** Ramp-filter the last axis (detector rows of length D) with the FFT kernel, times `scale`. */
export function runRampFilterKernel(
  y: tf.Tensor,
  filter: FilterName,
  cutoff: number,
  scale: number,
): tf.Tensor {
  registerRadonKernels(tf.getBackend());
  const attrs: RampAttrs = { filter, cutoff, scale };
  return tf
    .engine()
    .runKernel(RAMP_FILTER_KERNEL, { x: y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}
