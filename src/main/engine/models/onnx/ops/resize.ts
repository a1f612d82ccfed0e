/**
 * Resize (opset 10-19) and Upsample (opset 7-9) on the two spatial axes of an nhwc image, modes nearest and
 * linear, computed from ONNX's formulas: per axis the source coordinate of each output pixel (every
 * coordinate_transformation_mode but tf_crop_and_resize, every nearest_mode), then a gather (nearest) or two
 * gathers blended linearly (linear), which is exact and differentiable on every backend. tfjs' own resize
 * kernels are not used: in tfjs 4.22 they are right forward, but the gradient of resizeBilinear ignores
 * halfPixelCenters, and on the cpu backend the gradients of resizeBilinear (non-square images) and
 * resizeNearestNeighbor (batches > 1) are wrong (found against PyTorch and by gradient checks in
 * tests/unit/models/onnx). cubic, tf_crop_and_resize and antialiased downsampling are not implemented.
 */
import { tf } from '../../../backend';
import { Unsupported, type CompileContext, type OpDef } from '../op-types';
import { constantNumbers, device, logicalShape, nhwcTensor, type Value } from '../value';

type CoordinateMode =
  | 'half_pixel'
  | 'pytorch_half_pixel'
  | 'align_corners'
  | 'asymmetric'
  | 'tf_half_pixel_for_nn'
  | 'half_pixel_symmetric';
type NearestMode = 'round_prefer_floor' | 'round_prefer_ceil' | 'floor' | 'ceil' | 'simple';

const COORDINATE_MODES: readonly string[] = [
  'half_pixel',
  'pytorch_half_pixel',
  'align_corners',
  'asymmetric',
  'tf_half_pixel_for_nn',
  'half_pixel_symmetric',
];

interface ResizeSettings {
  mode: 'nearest' | 'linear';
  coordinate: CoordinateMode;
  nearest: NearestMode;
}

/** ONNX's source coordinate of output index x along an axis of length n resized to m with scale s. */
export function sourceCoordinate(mode: CoordinateMode, x: number, n: number, m: number, s: number): number {
  switch (mode) {
    case 'half_pixel':
      return (x + 0.5) / s - 0.5;
    case 'pytorch_half_pixel':
      return m > 1 ? (x + 0.5) / s - 0.5 : 0;
    case 'align_corners':
      return m === 1 ? 0 : (x * (n - 1)) / (m - 1);
    case 'asymmetric':
      return x / s;
    case 'tf_half_pixel_for_nn':
      return (x + 0.5) / s;
    case 'half_pixel_symmetric': {
      const adjustment = m / (s * n);
      return (n / 2) * (1 - adjustment) + (x + 0.5) / s - 0.5;
    }
  }
}

function roundNearest(mode: NearestMode, v: number, downsampling: boolean): number {
  switch (mode) {
    case 'round_prefer_floor':
      return v === Math.floor(v) + 0.5 ? Math.floor(v) : Math.round(v);
    case 'round_prefer_ceil':
      return Math.floor(v + 0.5);
    case 'floor':
      return Math.floor(v);
    case 'ceil':
      return Math.ceil(v);
    case 'simple':
      // Upsample's rule (onnxruntime): ceil when shrinking, truncation when enlarging.
      return downsampling ? Math.ceil(v) : Math.trunc(v);
  }
}

/** Along `axis` (1 or 2 of NHWC): output length m from n with scale s, by ONNX's formulas. */
function resizeAxis(t: tf.Tensor4D, axis: 1 | 2, m: number, s: number, st: ResizeSettings): tf.Tensor4D {
  const n = t.shape[axis];
  const clampIdx = (i: number) => Math.min(Math.max(i, 0), n - 1);
  if (st.mode === 'nearest') {
    const idx = Int32Array.from({ length: m }, (_, x) =>
      clampIdx(roundNearest(st.nearest, sourceCoordinate(st.coordinate, x, n, m, s), s < 1)),
    );
    return tf.gather(t, idx, axis) as tf.Tensor4D;
  }
  const lo = new Int32Array(m);
  const hi = new Int32Array(m);
  const w = new Float32Array(m);
  for (let x = 0; x < m; x++) {
    const c = Math.min(Math.max(sourceCoordinate(st.coordinate, x, n, m, s), 0), n - 1);
    lo[x] = Math.floor(c);
    hi[x] = Math.min(lo[x] + 1, n - 1);
    w[x] = c - lo[x];
  }
  const shape = axis === 1 ? [1, m, 1, 1] : [1, 1, m, 1];
  const wt = tf.tensor(w, shape);
  return tf.add(
    tf.mul(tf.gather(t, lo, axis), tf.sub(1, wt)),
    tf.mul(tf.gather(t, hi, axis), wt),
  ) as tf.Tensor4D;
}

function resizeImage(
  t: tf.Tensor4D,
  out: [number, number],
  scales: [number, number],
  st: ResizeSettings,
): tf.Tensor4D {
  return resizeAxis(resizeAxis(t, 1, out[0], scales[0], st), 2, out[1], scales[1], st);
}

function settingsOf(ctx: CompileContext, upsample: boolean): ResizeSettings {
  const a = ctx.node.attrs;
  let mode = a.string('mode', 'nearest');
  if (mode === 'bilinear') mode = 'linear'; // Upsample-7's spelling
  if (mode !== 'nearest' && mode !== 'linear') throw new Unsupported(`mode "${mode}"`);
  if (upsample) {
    a.only('mode', 'scales', 'height_scale', 'width_scale');
    return { mode, coordinate: 'asymmetric', nearest: 'simple' };
  }
  a.only(
    'mode',
    'coordinate_transformation_mode',
    'nearest_mode',
    'cubic_coeff_a',
    'exclude_outside',
    'extrapolation_value',
    'antialias',
    'axes',
    'keep_aspect_ratio_policy',
  );
  const coordinate = a.string('coordinate_transformation_mode', ctx.opset < 11 ? 'asymmetric' : 'half_pixel');
  if (!COORDINATE_MODES.includes(coordinate)) {
    throw new Unsupported(`coordinate_transformation_mode "${coordinate}"`);
  }
  const nearest = a.string('nearest_mode', 'round_prefer_floor');
  if (!['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].includes(nearest)) {
    throw new Unsupported(`nearest_mode "${nearest}"`);
  }
  if (a.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') {
    throw new Unsupported(`keep_aspect_ratio_policy "${a.string('keep_aspect_ratio_policy', '')}"`);
  }
  return { mode, coordinate: coordinate as CoordinateMode, nearest: nearest as NearestMode };
}

/** Per logical axis (N, C, H, W): the scale and output length. */
function plan(
  ctx: CompileContext,
  inputs: (Value | undefined)[],
  shape: number[],
  upsample: boolean,
): { scales: number[]; sizes: number[] } {
  const a = ctx.node.attrs;
  let scales: number[] | undefined;
  let sizes: number[] | undefined;
  if (upsample) {
    scales = ctx.opset >= 9 ? constantNumbers(inputs[1], ctx.where, 'scales') : a.floats('scales');
  } else if (ctx.opset < 11) {
    scales = constantNumbers(inputs[1], ctx.where, 'scales');
  } else {
    const s = inputs[2] ? constantNumbers(inputs[2], ctx.where, 'scales') : [];
    const z = inputs[3] ? constantNumbers(inputs[3], ctx.where, 'sizes') : [];
    if (s.length > 0) scales = s;
    else if (z.length > 0) sizes = z;
  }
  // Opset 18: `axes` says which axes the scales/sizes are for; the others keep their size.
  const axes = (a.ints('axes') ?? [0, 1, 2, 3]).map((x) => (x < 0 ? x + shape.length : x));
  const full = (v: number[], fill: (k: number) => number) => {
    if (v.length !== axes.length)
      throw new Unsupported(`${ctx.where}: ${v.length} values for ${axes.length} axes`);
    const out = shape.map((_, k) => fill(k));
    axes.forEach((ax, i) => (out[ax] = v[i]));
    return out;
  };
  if (scales) {
    const sc = full(scales, () => 1);
    return { scales: sc, sizes: shape.map((n, k) => Math.floor(n * sc[k])) };
  }
  if (!sizes) throw new Unsupported(`${ctx.where}: neither scales nor sizes given`);
  const sz = full(sizes, (k) => shape[k]);
  return { scales: sz.map((m, k) => m / shape[k]), sizes: sz };
}

function resizeOp(upsample: boolean): OpDef {
  return {
    compile(ctx) {
      const st = settingsOf(ctx, upsample);
      const antialias = ctx.node.attrs.int('antialias', 0) === 1;
      return (inputs) => {
        const x = inputs[0] as Value;
        const shape = logicalShape(x);
        if (shape.length !== 4)
          throw new Unsupported(`${ctx.where}: input of rank ${shape.length} (4 is implemented)`);
        const { scales, sizes } = plan(ctx, inputs, shape, upsample);
        if (scales[0] !== 1 || scales[1] !== 1 || sizes[0] !== shape[0] || sizes[1] !== shape[1]) {
          throw new Unsupported(`${ctx.where}: resizing the batch or channel axis`);
        }
        if (antialias && (scales[2] < 1 || scales[3] < 1)) {
          throw new Unsupported(`${ctx.where}: antialiased downsampling`);
        }
        const t = nhwcTensor(x, ctx.pool, ctx.where);
        return [device(resizeImage(t, [sizes[2], sizes[3]], [scales[2], scales[3]], st), 'nhwc')];
      };
    },
  };
}

export const RESIZE_OPS: Record<string, OpDef> = { Resize: resizeOp(false), Upsample: resizeOp(true) };
