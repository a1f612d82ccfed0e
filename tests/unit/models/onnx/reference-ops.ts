/**
 * Plain float64 loops for a few ONNX ops, written from the ONNX operator definitions (onnx/docs/Operators.md):
 * an oracle independent of both tfjs and onnxruntime for the ops whose index arithmetic is easiest to get
 * wrong (padding, groups, dilations, output_padding, excluded padding in averages, coordinate mappings).
 * Arrays are row-major NCHW.
 */

export interface Nd {
  shape: number[];
  data: Float64Array;
}

const at4 = (s: number[], n: number, c: number, h: number, w: number) =>
  ((n * s[1] + c) * s[2] + h) * s[3] + w;

export interface ConvParams {
  strides: [number, number];
  pads: [number, number, number, number];
  dilations: [number, number];
  group: number;
}

/** Conv: y[n, o, i, j] = b[o] + sum_{c in group(o), p, q} x[n, c, i s - pt + p d, j s - pl + q d] W[o, c', p, q]. */
export function convRef(x: Nd, w: Nd, b: ArrayLike<number> | null, p: ConvParams): Nd {
  const [N, C, H, W] = x.shape;
  const [O, Cg, KH, KW] = w.shape;
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl, pb, pr] = p.pads;
  const OH = Math.floor((H + pt + pb - ((KH - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((W + pl + pr - ((KW - 1) * dw + 1)) / sw) + 1;
  const Og = O / p.group;
  const out = new Float64Array(N * O * OH * OW);
  const ys = [N, O, OH, OW];
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      const g = Math.floor(o / Og);
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let s = b ? b[o] : 0;
          for (let c = 0; c < Cg; c++)
            for (let a = 0; a < KH; a++)
              for (let q = 0; q < KW; q++) {
                const r = i * sh - pt + a * dh;
                const t = j * sw - pl + q * dw;
                if (r < 0 || r >= H || t < 0 || t >= W) continue;
                s += x.data[at4(x.shape, n, g * Cg + c, r, t)] * w.data[at4(w.shape, o, c, a, q)];
              }
          out[at4(ys, n, o, i, j)] = s;
        }
    }
  void C;
  return { shape: ys, data: out };
}

/**
 * ConvTranspose: the full output y[n, g Og + o, i s + p d, j s + q d] += x[n, g Cg + c, i, j] W[g Cg + c, o, p, q],
 * then rows [pt, pt + OH) and columns [pl, pl + OW) with OH = s (H - 1) + op + (K - 1) d + 1 - pt - pb.
 */
export function convTransposeRef(
  x: Nd,
  w: Nd,
  b: ArrayLike<number> | null,
  p: ConvParams & { outputPadding: [number, number] },
): Nd {
  const [N, C, H, W] = x.shape;
  const [, Og, KH, KW] = w.shape;
  const [sh, sw] = p.strides;
  const [dh, dw] = p.dilations;
  const [pt, pl, pb, pr] = p.pads;
  const O = Og * p.group;
  const Cg = C / p.group;
  const OH = sh * (H - 1) + p.outputPadding[0] + (KH - 1) * dh + 1 - pt - pb;
  const OW = sw * (W - 1) + p.outputPadding[1] + (KW - 1) * dw + 1 - pl - pr;
  const ys = [N, O, OH, OW];
  const out = new Float64Array(N * O * OH * OW);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++)
      for (let i = 0; i < OH; i++) for (let j = 0; j < OW; j++) out[at4(ys, n, o, i, j)] = b ? b[o] : 0;
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / Cg);
      for (let i = 0; i < H; i++)
        for (let j = 0; j < W; j++)
          for (let o = 0; o < Og; o++)
            for (let a = 0; a < KH; a++)
              for (let q = 0; q < KW; q++) {
                const r = i * sh + a * dh - pt;
                const t = j * sw + q * dw - pl;
                if (r < 0 || r >= OH || t < 0 || t >= OW) continue;
                out[at4(ys, n, g * Og + o, r, t)] +=
                  x.data[at4(x.shape, n, c, i, j)] * w.data[at4(w.shape, c, o, a, q)];
              }
    }
  return { shape: ys, data: out };
}

/** AveragePool (or MaxPool with `max`), padding never counted unless includePad (then zeros are averaged). */
export function poolRef(
  x: Nd,
  k: [number, number],
  s: [number, number],
  pads: [number, number, number, number],
  mode: 'avg' | 'avg-include-pad' | 'max',
): Nd {
  const [N, C, H, W] = x.shape;
  const [pt, pl, pb, pr] = pads;
  const OH = Math.floor((H + pt + pb - k[0]) / s[0]) + 1;
  const OW = Math.floor((W + pl + pr - k[1]) / s[1]) + 1;
  const ys = [N, C, OH, OW];
  const out = new Float64Array(N * C * OH * OW);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          let acc = mode === 'max' ? -Infinity : 0;
          let cnt = 0;
          for (let a = 0; a < k[0]; a++)
            for (let q = 0; q < k[1]; q++) {
              const r = i * s[0] - pt + a;
              const t = j * s[1] - pl + q;
              if (r < 0 || r >= H || t < 0 || t >= W) continue;
              const v = x.data[at4(x.shape, n, c, r, t)];
              acc = mode === 'max' ? Math.max(acc, v) : acc + v;
              cnt++;
            }
          out[at4(ys, n, c, i, j)] = mode === 'max' ? acc : acc / (mode === 'avg' ? cnt : k[0] * k[1]);
        }
  return { shape: ys, data: out };
}

/** Resize, linear, coordinate_transformation_mode half_pixel, on H and W (separable, clamped at the edges). */
export function resizeLinearHalfPixelRef(x: Nd, scale: [number, number]): Nd {
  const [N, C, H, W] = x.shape;
  const OH = Math.floor(H * scale[0]);
  const OW = Math.floor(W * scale[1]);
  const ys = [N, C, OH, OW];
  const out = new Float64Array(N * C * OH * OW);
  const coord = (o: number, n: number, sc: number) => {
    const v = Math.min(Math.max((o + 0.5) / sc - 0.5, 0), n - 1);
    const lo = Math.floor(v);
    return { lo, hi: Math.min(lo + 1, n - 1), w: v - lo };
  };
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let i = 0; i < OH; i++)
        for (let j = 0; j < OW; j++) {
          const r = coord(i, H, scale[0]);
          const t = coord(j, W, scale[1]);
          const v = (a: number, b: number) => x.data[at4(x.shape, n, c, a, b)];
          out[at4(ys, n, c, i, j)] =
            (1 - r.w) * ((1 - t.w) * v(r.lo, t.lo) + t.w * v(r.lo, t.hi)) +
            r.w * ((1 - t.w) * v(r.hi, t.lo) + t.w * v(r.hi, t.hi));
        }
  return { shape: ys, data: out };
}

/** GroupNormalization (opset 21): per sample and group, biased variance; per-channel scale and bias. */
export function groupNormRef(
  x: Nd,
  groups: number,
  scale: ArrayLike<number>,
  bias: ArrayLike<number>,
  eps: number,
): Nd {
  const [N, C, H, W] = x.shape;
  const per = C / groups;
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < N; n++)
    for (let g = 0; g < groups; g++) {
      let m = 0;
      let m2 = 0;
      const cnt = per * H * W;
      for (let c = g * per; c < (g + 1) * per; c++)
        for (let i = 0; i < H * W; i++) m += x.data[(n * C + c) * H * W + i] / cnt;
      for (let c = g * per; c < (g + 1) * per; c++)
        for (let i = 0; i < H * W; i++) m2 += (x.data[(n * C + c) * H * W + i] - m) ** 2 / cnt;
      for (let c = g * per; c < (g + 1) * per; c++)
        for (let i = 0; i < H * W; i++) {
          const k = (n * C + c) * H * W + i;
          out[k] = ((x.data[k] - m) / Math.sqrt(m2 + eps)) * scale[c] + bias[c];
        }
    }
  return { shape: [...x.shape], data: out };
}
