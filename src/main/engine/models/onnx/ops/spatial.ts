/**
 * Padding arithmetic shared by the 2-D convolution and pooling ops (ONNX Conv / ConvTranspose / MaxPool /
 * AveragePool attribute semantics): explicit pads, auto_pad SAME_UPPER / SAME_LOWER / VALID, dilated kernels.
 */
import { Unsupported, type Attrs } from '../op-types';

/** Per spatial axis (H, W) of a 2-D op. */
export interface Spatial2d {
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** [top, left, bottom, right] as ONNX's pads (begins, then ends); undefined with auto_pad SAME_*. */
  pads: [number, number, number, number] | undefined;
  autoPad: 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';
}

function pair(v: number[] | undefined, fallback: number, what: string): [number, number] {
  if (v === undefined) return [fallback, fallback];
  if (v.length !== 2) throw new Unsupported(`${what} has ${v.length} entries (only 2-D ops are implemented)`);
  return [v[0], v[1]];
}

/** Reads kernel_shape (or the weight's), strides, dilations, pads, auto_pad. */
export function spatialAttrs(attrs: Attrs, kernelFromWeights?: [number, number]): Spatial2d {
  const ks = attrs.ints('kernel_shape');
  const kernel = ks ? pair(ks, 1, 'kernel_shape') : kernelFromWeights;
  if (!kernel) throw new Unsupported('kernel_shape is missing');
  const autoPad = attrs.string('auto_pad', 'NOTSET') as Spatial2d['autoPad'];
  if (!['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID'].includes(autoPad)) {
    throw new Unsupported(`auto_pad "${autoPad}"`);
  }
  const p = attrs.ints('pads');
  if (p && p.length !== 4)
    throw new Unsupported(`pads has ${p.length} entries (only 2-D ops are implemented)`);
  const pads: Spatial2d['pads'] =
    autoPad === 'VALID'
      ? [0, 0, 0, 0]
      : autoPad === 'NOTSET'
        ? p
          ? [p[0], p[1], p[2], p[3]]
          : [0, 0, 0, 0]
        : undefined;
  if (pads?.some((v) => v < 0)) throw new Unsupported(`negative pads [${pads.join(',')}]`);
  return {
    kernel,
    strides: pair(attrs.ints('strides'), 1, 'strides'),
    dilations: pair(attrs.ints('dilations'), 1, 'dilations'),
    pads,
    autoPad,
  };
}

/** Effective kernel extent (k - 1) d + 1. */
export function effectiveKernel(s: Spatial2d): [number, number] {
  return [(s.kernel[0] - 1) * s.dilations[0] + 1, (s.kernel[1] - 1) * s.dilations[1] + 1];
}

/** tfjs explicit padding [[0,0],[top,bottom],[left,right],[0,0]] for an input of spatial size [h, w]. */
export function explicitPads(
  s: Spatial2d,
  h: number,
  w: number,
): [[number, number], [number, number], [number, number], [number, number]] {
  let t: number, l: number, b: number, r: number;
  if (s.pads) {
    [t, l, b, r] = s.pads;
  } else {
    // SAME_*: output ceil(in / stride); the odd pixel of padding goes to the end (UPPER) or the start (LOWER).
    const [kh, kw] = effectiveKernel(s);
    const total = (n: number, k: number, st: number) => Math.max((Math.ceil(n / st) - 1) * st + k - n, 0);
    const th = total(h, kh, s.strides[0]);
    const tw = total(w, kw, s.strides[1]);
    const lower = s.autoPad === 'SAME_LOWER';
    t = lower ? Math.ceil(th / 2) : Math.floor(th / 2);
    b = th - t;
    l = lower ? Math.ceil(tw / 2) : Math.floor(tw / 2);
    r = tw - l;
  }
  return [
    [0, 0],
    [t, b],
    [l, r],
    [0, 0],
  ];
}

/**
 * A dilated kernel as a plain one with zeros between the taps: [..., kh, kw] (last two axes spatial) ->
 * [..., (kh-1)dh+1, (kw-1)dw+1]. tfjs has no gradient for dilated convolutions; the zero-filled kernel is the
 * same linear map, so the imported graph stays differentiable.
 */
export function dilateKernel(
  data: Float32Array,
  shape: readonly number[],
  d: [number, number],
): { data: Float32Array; shape: number[] } {
  if (d[0] === 1 && d[1] === 1) return { data, shape: [...shape] };
  const kh = shape[shape.length - 2];
  const kw = shape[shape.length - 1];
  const outer = data.length / (kh * kw);
  const eh = (kh - 1) * d[0] + 1;
  const ew = (kw - 1) * d[1] + 1;
  const out = new Float32Array(outer * eh * ew);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++)
        out[o * eh * ew + i * d[0] * ew + j * d[1]] = data[o * kh * kw + i * kw + j];
    }
  }
  return { data: out, shape: [...shape.slice(0, -2), eh, ew] };
}
