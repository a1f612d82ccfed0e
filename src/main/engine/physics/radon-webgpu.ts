/**
 * The projector kernels of radon-kernels.ts as WGSL compute shaders for tfjs's `webgpu` backend (issue 14):
 *   A    (Joseph forward)   images [B,N,N,1] -> sinograms [B,A,D,1], one invocation per ray (b, k, d)
 *   A^T  (its transpose)    sinograms -> images, one invocation per pixel (b, i, j)
 *   B    (pixel-driven bp)  sinograms -> images, one invocation per pixel
 *   B^T  (its transpose)    images -> sinograms, one invocation per detector bin (b, k, d)
 *
 * Same discretisation as radon-joseph.ts / radon-pixel.ts, read from their plans. The CPU loops scatter in
 * the transposes (x[idx] += ...); a GPU cannot without float atomics, so every shader here GATHERS: a
 * transpose invocation walks the few rays (or pixels) whose interpolation touches its output and evaluates
 * for each one the very expression the forward shader evaluates, `g = (c0 + alpha * t) + c1 * line`, with
 * the same float32 operations in the same order. So each pair is an exact transpose of the other up to
 * summation order (the adjoint tests check <A x, y> = <x, A^T y> to 1e-5 relative in float32).
 *
 * Plans on the GPU: per view, the in-line coordinate g is affine in the detector (or column) index and in
 * the line index, g = c0 + alpha * t + c1 * line, so a view is 5 numbers (alpha, c0, c1, weight, row mode)
 * computed in float64 from the CPU plan and stored as one small [A, 5] float32 table per geometry,
 * kept per backend (dataIds below the engine, freed when evicted). Float32 coordinates differ from the CPU
 * plan's float64 ones by ~1e-5 pixel at N 512, which moves interpolation weights, not which pixels a ray
 * meets (the comparisons with the cpu backend allow for that).
 * Zero padding is an explicit bounds check, which for these loops is equivalent to the CPU's padded lines.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu/dist/webgpu_program';
import { tf } from '../backend';
import type { Geometry } from '@shared/geometry';
import { josephPlan } from './radon-joseph';
import { pixelPlan } from './radon-pixel';
import type { RadonKernelKind } from './radon-kernels';

/** What the kernels need from tfjs-backend-webgpu's WebGPUBackend (public in its JS). */
interface WebGpuLike {
  runWebGPUProgram(
    program: WebGPUProgram,
    inputs: tf.TensorInfo[],
    outputDtype: tf.DataType,
    uniforms?: { type: string; data: number[] }[],
  ): tf.TensorInfo;
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

const WORKGROUP = 64;
/** Per view: alpha, c0, c1, weight, row mode (1: lines are image rows, 0: columns). */
const TABLE_WIDTH = 5;

const UNIFORMS = 'n : i32, views : i32, det : i32, scale : f32,';

/** Shared WGSL: the per-view table, and image / sinogram reads that are zero outside (= padding). */
const HELPERS = `
  fn view(k : i32, f : i32) -> f32 { return tab[k * ${TABLE_WIDTH} + f]; }
  fn pix(b : i32, r : i32, c : i32) -> f32 {
    if (r < 0 || r >= uniforms.n || c < 0 || c >= uniforms.n) { return 0.0; }
    return x[(b * uniforms.n + r) * uniforms.n + c];
  }
  fn bin(b : i32, k : i32, d : i32) -> f32 {
    if (d < 0 || d >= uniforms.det) { return 0.0; }
    return x[(b * uniforms.views + k) * uniforms.det + d];
  }
  // Indices t in [0, count) whose coordinate c + alpha t can fall in [lo, lo + 2): the exact test is done
  // by the caller with the forward's own expression; one index of slack on each side covers rounding.
  fn candidates(c : f32, alpha : f32, lo : f32, count : i32) -> vec2<i32> {
    if (abs(alpha) < 1e-6) { return vec2<i32>(0, count - 1); }
    let t0 = (lo - c) / alpha;
    let t1 = (lo + 2.0 - c) / alpha;
    let a = clamp(floor(min(t0, t1)) - 1.0, 0.0, f32(count));
    let b = clamp(ceil(max(t0, t1)) + 1.0, -1.0, f32(count - 1));
    return vec2<i32>(i32(a), i32(b));
  }
`;

/** A: one invocation per ray (b, k, d) sums the interpolated image along its N lines (radon-joseph.ts). */
const JOSEPH_FORWARD = `
  ${HELPERS}
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    let d = index % uniforms.det;
    let k = (index / uniforms.det) % uniforms.views;
    let b = index / (uniforms.det * uniforms.views);
    let alpha = view(k, 0);
    let c1 = view(k, 2);
    let rowMode = view(k, 4) > 0.5;
    let base = view(k, 1) + alpha * f32(d);
    var acc = 0.0;
    for (var l = 0; l < uniforms.n; l++) {
      let g = base + c1 * f32(l);
      let fl = floor(g);
      let w = g - fl;
      let idx = i32(fl);
      // Padded index idx and idx + 1 are image positions idx - 1 and idx along the line.
      var p0 = 0.0;
      var p1 = 0.0;
      if (rowMode) { p0 = pix(b, l, idx - 1); p1 = pix(b, l, idx); }
      else { p0 = pix(b, idx - 1, l); p1 = pix(b, idx, l); }
      acc += p0 + w * (p1 - p0);
    }
    result[index] = acc * view(k, 3);
  }
`;

/**
 * A^T: pixel (i, j) lies on line l = i at position q = j in row-mode views (l = j, q = i in column mode);
 * ray d gives it weight (1 - w) when floor(g_d) = q + 1 and w when floor(g_d) = q, i.e. g_d in [q, q + 2).
 */
const JOSEPH_ADJOINT = `
  ${HELPERS}
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    let n = uniforms.n;
    let j = index % n;
    let i = (index / n) % n;
    let b = index / (n * n);
    var acc = 0.0;
    for (var k = 0; k < uniforms.views; k++) {
      let alpha = view(k, 0);
      let c0 = view(k, 1);
      let c1 = view(k, 2);
      var l = j;
      var q = i;
      if (view(k, 4) > 0.5) { l = i; q = j; }
      let lineOffset = c1 * f32(l);
      let range = candidates(c0 + lineOffset, alpha, f32(q), uniforms.det);
      var s = 0.0;
      for (var d = range.x; d <= range.y; d++) {
        let g = (c0 + alpha * f32(d)) + lineOffset;
        let fl = floor(g);
        let w = g - fl;
        let idx = i32(fl);
        let y = bin(b, k, d);
        if (idx == q + 1) { s += y - y * w; } else if (idx == q) { s += y * w; }
      }
      acc += s * view(k, 3);
    }
    result[index] = acc;
  }
`;

/** B: pixel (i, j) reads every view's sinogram row, interpolated at its detector coordinate (radon-pixel.ts). */
const PIXEL_BACKPROJECT = `
  ${HELPERS}
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    let n = uniforms.n;
    let j = index % n;
    let i = (index / n) % n;
    let b = index / (n * n);
    var acc = 0.0;
    for (var k = 0; k < uniforms.views; k++) {
      let g = (view(k, 1) + view(k, 2) * f32(i)) + view(k, 0) * f32(j);
      let fl = floor(g);
      let w = g - fl;
      let idx = i32(fl);
      let p0 = bin(b, k, idx - 1);
      acc += p0 + w * (bin(b, k, idx) - p0);
    }
    result[index] = acc * uniforms.scale;
  }
`;

/** B^T: bin (k, d) collects, row by row, the pixels whose coordinate g lies in [d, d + 2). */
const PIXEL_BACKPROJECT_T = `
  ${HELPERS}
  fn main(index : i32) {
    if (index >= uniforms.size) { return; }
    let d = index % uniforms.det;
    let k = (index / uniforms.det) % uniforms.views;
    let b = index / (uniforms.det * uniforms.views);
    let alpha = view(k, 0);
    var acc = 0.0;
    for (var i = 0; i < uniforms.n; i++) {
      let rowOffset = view(k, 1) + view(k, 2) * f32(i);
      let range = candidates(rowOffset, alpha, f32(d), uniforms.n);
      for (var j = range.x; j <= range.y; j++) {
        let g = rowOffset + alpha * f32(j);
        let fl = floor(g);
        let w = g - fl;
        let idx = i32(fl);
        let v = pix(b, i, j);
        if (idx == d + 1) { acc += v - v * w; } else if (idx == d) { acc += v * w; }
      }
    }
    result[index] = acc * uniforms.scale;
  }
`;

const SOURCES: Record<RadonKernelKind, string> = {
  forward: JOSEPH_FORWARD,
  adjoint: JOSEPH_ADJOINT,
  'pixel-bp': PIXEL_BACKPROJECT,
  'pixel-bp-t': PIXEL_BACKPROJECT_T,
};

class RadonProgram implements WebGPUProgram {
  readonly variableNames = ['x', 'tab'];
  readonly uniforms = UNIFORMS;
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly size = true;
  readonly outputShape: number[];
  readonly dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  shaderKey: string;
  constructor(
    private readonly kind: RadonKernelKind,
    outputShape: number[],
  ) {
    this.outputShape = outputShape;
    this.dispatchLayout = { x: outputShape.map((_, i) => i) };
    this.dispatch = [Math.ceil(tf.util.sizeFromShape(outputShape) / WORKGROUP), 1, 1];
    this.shaderKey = `ctAuditRadon_${kind}`;
  }
  getUserCode(): string {
    return SOURCES[this.kind];
  }
}

/** The [A, 5] view table of a geometry for the Joseph pair ('joseph') or the pixel-driven pair ('pixel'). */
function viewTable(kind: 'joseph' | 'pixel', g: Geometry): Float32Array {
  const plan = kind === 'joseph' ? josephPlan(g) : pixelPlan(g);
  const N = plan.size;
  const t = new Float32Array(plan.views * TABLE_WIDTH);
  for (let k = 0; k < plan.views; k++) {
    // beta[k N + line] is affine in the line index (radon-joseph.ts / radon-pixel.ts buildPlan).
    const b0 = plan.beta[k * N];
    const slope = N > 1 ? (plan.beta[k * N + N - 1] - b0) / (N - 1) : 0;
    t[k * TABLE_WIDTH] = plan.alpha[k];
    t[k * TABLE_WIDTH + 1] = b0;
    t[k * TABLE_WIDTH + 2] = slope;
    if (kind === 'joseph') {
      const jp = plan as ReturnType<typeof josephPlan>;
      t[k * TABLE_WIDTH + 3] = jp.weight[k];
      t[k * TABLE_WIDTH + 4] = jp.rowMode[k];
    }
  }
  return t;
}

/** View tables uploaded per backend, by geometry; a few at most (attacks with operator mismatch use plans). */
const tables = new WeakMap<object, Map<string, tf.TensorInfo>>();
const TABLES_MAX = 16;

function tableFor(backend: WebGpuLike, kind: 'joseph' | 'pixel', g: Geometry): tf.TensorInfo {
  let perBackend = tables.get(backend);
  if (!perBackend) tables.set(backend, (perBackend = new Map()));
  const key = `${kind}/${g.size}/${g.views}/${g.detectors}/${g.detectorSpacing}`;
  let info = perBackend.get(key);
  if (!info) {
    if (perBackend.size >= TABLES_MAX) {
      const [oldKey, old] = perBackend.entries().next().value as [string, tf.TensorInfo];
      backend.disposeData(old.dataId);
      perBackend.delete(oldKey);
    }
    info = backend.makeTensorInfo([g.views, TABLE_WIDTH], 'float32', viewTable(kind, g));
    perBackend.set(key, info);
  }
  return info;
}

/** The kernel function of one projector kind for the webgpu backend (registered by radon-kernels.ts). */
export function webgpuRadonKernel(
  kind: RadonKernelKind,
  geometryOf: (a: tf.NamedAttrMap) => Geometry,
): tf.KernelFunc {
  return ({ inputs, backend: b, attrs }) => {
    const backend = b as unknown as WebGpuLike;
    const x = (inputs as { x: tf.TensorInfo }).x;
    const g = geometryOf(attrs ?? {});
    const batch = x.shape[0];
    const toSinogram = kind === 'forward' || kind === 'pixel-bp-t';
    const shape = toSinogram ? [batch, g.views, g.detectors, 1] : [batch, g.size, g.size, 1];
    const table = tableFor(backend, kind === 'forward' || kind === 'adjoint' ? 'joseph' : 'pixel', g);
    const uniforms = [
      { type: 'int32', data: [g.size] },
      { type: 'int32', data: [g.views] },
      { type: 'int32', data: [g.detectors] },
      { type: 'float32', data: [1 / g.detectorSpacing] },
    ];
    return backend.runWebGPUProgram(new RadonProgram(kind, shape), [x, table], 'float32', uniforms);
  };
}
