/**
 * Conv2DBackpropInput for wasm, a REPLACEMENT for speed: dx = d(loss)/d(input) of a conv2d, which is also
 * the forward pass of every conv2dTranspose. tfjs-backend-wasm 4.22's own kernel is a scalar C++ loop, not
 * XNNPACK: measured 9-10x slower than the forward conv of the same shape, it was 85 % of a U-Net training
 * step. This one runs ONE forward Conv2D of wasm (XNNPACK) on dy with a filter rearranged from W:
 *
 *   conv:   y[oh] = sum_kh x[oh*s + kh - pt] W[kh]          (per axis; channels: W[kh,kw,ci,co])
 *   so      dx[i] = sum over (oh, kh) with oh*s + kh - pt = i of dy[oh] W[kh].
 * Split dx into s phases i = s*m + p (polyphase / sub-pixel decomposition). With r = (p + pt) mod s and
 * c = floor((p + pt) / s), the taps reaching phase p are kh = s*t + r, t = 0..T_p - 1, T_p = ceil((k - r)/s),
 * from dy[m + c - t]: each phase is a stride-1 correlation of dy with the flipped sub-filter W[s*t + r].
 * All phases share one correlation window (the union of their taps): window length L, top padding P, and
 * phase p's tap t sits at window position j = P + c_p - t. The conv's output channels are the s_h * s_w
 * phases times CI, so one Conv2D computes every phase:
 *
 *   F[jh, jw, co, (ph*sw + pw)*CI + ci] = W[sh*th + r_ph, sw*tw + r_pw, ci, co]   (zero where no tap)
 *   Z = Conv2D(dy, F, stride 1, pad [P, Q])                       [B, ceil(H/sh), ceil(W/sw), sh*sw*CI]
 *   dx[b, sh*mh + ph, sw*mw + pw, ci] = Z[b, mh, mw, (ph*sw + pw)*CI + ci]
 * The last line (a depth-to-space) is wasm's Transpose of Z viewed as [B*Mh, Mw, sh, sw*CI] with perm
 * [0, 2, 1, 3] (wasm's DepthToSpace computes its index per element with heap-allocated vectors: slow).
 *
 * Stride 1 is the special case s = 1: F is W flipped in space with in/out channels swapped, P = k-1-pt, and
 * no depth-to-space.
 *
 * Strides > 1: for 3x3 stride 2 (the U-Net's transposed convs) that shared window is 2x2 and 7 of its 16
 * taps per phase pair are zero, 16/9 of the multiply-adds needed. When every phase can be a conv of its
 * own (each has taps, and none needs negative padding, which holds for 'same' and 'valid' on even sizes),
 * each phase instead runs its own Conv2D with exactly its taps (2x2, 2x1, 1x2 and 1x1 for 3x3 stride 2)
 * and a hand loop interleaves the phase outputs. Otherwise the shared window is used.
 *
 * Filters are built by hand loops (a few ten thousand entries, small next to the conv); XNNPACK packs
 * them into a new operator on each call, as it does for any new filter tensor.
 */
import * as tf from '@tensorflow/tfjs';
import { ShapeError } from '@shared/errors';
import {
  checkDtypes,
  disposeIntermediates,
  f32View,
  runWasmKernel,
  type BackendWasm,
  type TensorInfo,
  type WasmKernelArgs,
} from './wasm-backend';

/** The polyphase window of one spatial axis. */
export interface PhaseAxis {
  /** Stride s: number of phases. */
  s: number;
  /** Window length L (filter size of the combined conv) and its top/left padding P. */
  L: number;
  P: number;
  /** Padding after dy (>= 0), and how many trailing rows of dy are not read (crop >= 0). */
  Q: number;
  crop: number;
  /** Rows per phase: M = ceil(inLen / s). */
  M: number;
  /** For phase p and tap t: filter index kh (or -1 past the phase's taps) and window index j. */
  taps: { kh: number; j: number }[][];
  /**
   * Each phase as a conv of its own (exact taps: T_p, tap t at window index T_p - 1 - t), with padding
   * P_p = T_p - 1 - c_p before and Q_p after dy for M outputs; undefined when some phase has no taps or
   * would need negative padding (then only the shared window applies).
   */
  own?: { T: number; P: number; Q: number }[];
}

/** Window of one axis: filter size k, stride s, top padding pt, input length n, dy length outLen. */
export function phaseAxis(k: number, s: number, pt: number, n: number, outLen: number): PhaseAxis {
  const phases = Array.from({ length: s }, (_, p) => {
    const r = (p + pt) % s;
    const c = Math.floor((p + pt) / s);
    const T = r < k ? Math.ceil((k - r) / s) : 0;
    return { r, c, T };
  });
  const used = phases.filter((q) => q.T > 0);
  // P = the largest (T - 1 - c): the deepest tap any phase reaches above dy's row m; never negative
  // (a negative P would mean the window starts below row m: then leading window rows stay zero).
  const P = Math.max(0, ...used.map((q) => q.T - 1 - q.c));
  const L = Math.max(1, ...used.map((q) => P + q.c + 1));
  const M = Math.ceil(n / s);
  // The conv's output length OH + P + Q - L + 1 must be M.
  const q = M + L - 1 - outLen - P;
  const taps = phases.map(({ r, c, T }) =>
    Array.from({ length: T }, (_, t) => ({ kh: s * t + r, j: P + c - t })),
  );
  const own = phases.map(({ c, T }) => ({ T, P: T - 1 - c, Q: M + c - outLen }));
  const ownOk = own.every((o) => o.T > 0 && o.P >= 0 && o.Q >= 0);
  return { s, L, P, Q: Math.max(q, 0), crop: Math.max(-q, 0), M, taps, own: ownOk ? own : undefined };
}

export function conv2DBackpropInput({
  inputs,
  backend,
  attrs,
}: WasmKernelArgs<tf.Conv2DBackpropInputAttrs>): TensorInfo {
  const { dy, filter } = inputs;
  checkDtypes('Conv2DBackpropInput', { dy, filter }, ['float32']);
  const { strides, pad, dataFormat, dimRoundingMode, inputShape } = attrs;
  const channelsLast = tf.backend_util.convertConv2DDataFormat(dataFormat) === 'channelsLast';
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    1,
    pad,
    dimRoundingMode,
    false,
    channelsLast ? 'channelsLast' : 'channelsFirst',
  );
  if (!tf.util.arraysEqual(dy.shape, info.outShape)) {
    throw new ShapeError(
      `wasm Conv2DBackpropInput: dy has shape [${dy.shape}], the conv of an input [${inputShape}] with ` +
        `filter [${filter.shape}] (${dataFormat}) gives [${info.outShape}]`,
    );
  }
  const { batchSize: B, inHeight: H, inWidth: W, inChannels: CI, outChannels: CO } = info;
  const { outHeight: OH, outWidth: OW, filterHeight: KH, filterWidth: KW } = info;
  const ah = phaseAxis(KH, info.strideHeight, info.padInfo.top, H, OH);
  const aw = phaseAxis(KW, info.strideWidth, info.padInfo.left, W, OW);
  const phases = ah.s * aw.s;

  const temps: TensorInfo[] = [];
  let g = dy;
  if (!channelsLast) {
    g = runWasmKernel('Transpose', { x: dy }, backend, { perm: [0, 2, 3, 1] });
    temps.push(g);
  }
  const dims = { B, H, W, CI, CO, KW };
  let dx: TensorInfo;
  if (phases > 1 && ah.own && aw.own) {
    dx = separatePhases(backend, g, filter, ah, aw, dims);
  } else {
    if (ah.crop > 0 || aw.crop > 0) {
      g = runWasmKernel('Slice', { x: g }, backend, {
        begin: [0, 0, 0, 0],
        size: [B, OH - ah.crop, OW - aw.crop, CO],
      });
      temps.push(g);
    }
    dx = sharedWindow(backend, g, filter, ah, aw, dims);
  }
  if (!channelsLast) {
    temps.push(dx);
    dx = runWasmKernel('Transpose', { x: dx }, backend, { perm: [0, 3, 1, 2] });
  }
  disposeIntermediates(backend, temps);
  return dx;
}

interface Dims {
  B: number;
  H: number;
  W: number;
  CI: number;
  CO: number;
  KW: number;
}

const conv = (backend: BackendWasm, x: TensorInfo, filter: TensorInfo, pad: number[][]) =>
  runWasmKernel('Conv2D', { x, filter }, backend, {
    strides: [1, 1],
    dilations: [1, 1],
    pad,
    dataFormat: 'NHWC',
    dimRoundingMode: undefined,
  });

/** All phases in one Conv2D over the shared window, then a depth-to-space (see the file comment). */
function sharedWindow(
  backend: BackendWasm,
  g: TensorInfo,
  filter: TensorInfo,
  ah: PhaseAxis,
  aw: PhaseAxis,
  { B, H, W, CI, CO, KW }: Dims,
): TensorInfo {
  const phases = ah.s * aw.s;
  const temps: TensorInfo[] = [];
  // The combined filter F [L_h, L_w, CO, phases*CI], written through a heap view right after makeOutput.
  const f = backend.makeOutput([ah.L, aw.L, CO, phases * CI], 'float32');
  temps.push(f);
  {
    const fv = f32View(backend, f);
    const wv = f32View(backend, filter);
    fv.fill(0);
    const fRow = CO * phases * CI;
    for (let ph = 0; ph < ah.s; ph++) {
      for (let pw = 0; pw < aw.s; pw++) {
        const chan0 = (ph * aw.s + pw) * CI;
        for (const th of ah.taps[ph]) {
          for (const tw of aw.taps[pw]) {
            const wBase = (th.kh * KW + tw.kh) * CI * CO;
            const fBase = (th.j * aw.L + tw.j) * fRow + chan0;
            // W[kh,kw,ci,co] -> F[jh,jw,co,chan0+ci]: a CI x CO transpose of one tap.
            for (let ci = 0; ci < CI; ci++) {
              for (let co = 0; co < CO; co++) fv[fBase + co * phases * CI + ci] = wv[wBase + ci * CO + co];
            }
          }
        }
      }
    }
  }
  const z = conv(backend, g, f, [
    [0, 0],
    [ah.P, ah.Q],
    [aw.P, aw.Q],
    [0, 0],
  ]);
  temps.push(z);
  let dx = z;
  if (phases > 1) {
    // [B*Mh, Mw, sh, sw*CI] -> [B*Mh, sh, Mw, sw*CI] is [B, Mh*sh, Mw*sw, CI] in memory.
    const zv = { dataId: z.dataId, shape: [B * ah.M, aw.M, ah.s, aw.s * CI], dtype: z.dtype };
    const t = runWasmKernel('Transpose', { x: zv }, backend, { perm: [0, 2, 1, 3] });
    temps.push(t);
    // wasm's Reshape is a new reference to the same data.
    dx = runWasmKernel('Reshape', { x: t }, backend, { shape: [B, ah.M * ah.s, aw.M * aw.s, CI] });
    temps.push(dx);
  }
  if (ah.M * ah.s !== H || aw.M * aw.s !== W) {
    dx = runWasmKernel('Slice', { x: dx }, backend, { begin: [0, 0, 0, 0], size: [B, H, W, CI] });
    temps.push(dx);
  }
  disposeIntermediates(
    backend,
    temps.filter((t) => t !== dx),
  );
  return dx;
}

/**
 * One Conv2D per phase with exactly its taps (no zero taps: for 3x3 stride 2, 9 taps instead of 16), then
 * an interleave of the phase outputs. The interleave is a hand loop, one pass in output order: each output
 * row takes, for every column phase in turn, CI contiguous floats from that phase's row (wasm has no
 * kernel that interleaves several tensors in one pass: concatenations and a transpose would be two).
 */
function separatePhases(
  backend: BackendWasm,
  g: TensorInfo,
  filter: TensorInfo,
  ah: PhaseAxis,
  aw: PhaseAxis,
  { B, H, W, CI, CO, KW }: Dims,
): TensorInfo {
  const ownH = ah.own!;
  const ownW = aw.own!;
  const zs: TensorInfo[] = [];
  for (let ph = 0; ph < ah.s; ph++) {
    for (let pw = 0; pw < aw.s; pw++) {
      const [th, tw] = [ownH[ph].T, ownW[pw].T];
      const f = backend.makeOutput([th, tw, CO, CI], 'float32');
      {
        const fv = f32View(backend, f);
        const wv = f32View(backend, filter);
        for (const a of ah.taps[ph]) {
          for (const b of aw.taps[pw]) {
            // Tap t sits at window index T - 1 - t; ah.taps lists the taps in t order.
            const jh = th - 1 - ah.taps[ph].indexOf(a);
            const jw = tw - 1 - aw.taps[pw].indexOf(b);
            const wBase = (a.kh * KW + b.kh) * CI * CO;
            const fBase = (jh * tw + jw) * CO * CI;
            for (let ci = 0; ci < CI; ci++) {
              for (let co = 0; co < CO; co++) fv[fBase + co * CI + ci] = wv[wBase + ci * CO + co];
            }
          }
        }
      }
      zs.push(
        conv(backend, g, f, [
          [0, 0],
          [ownH[ph].P, ownH[ph].Q],
          [ownW[pw].P, ownW[pw].Q],
          [0, 0],
        ]),
      );
      disposeIntermediates(backend, [f]);
    }
  }
  const out = backend.makeOutput([B, H, W, CI], 'float32');
  {
    // Heap views after the last allocation (see f32View).
    const o = f32View(backend, out);
    const z = zs.map((t) => f32View(backend, t));
    const [sh, sw, Mh, Mw] = [ah.s, aw.s, ah.M, aw.M];
    let d = 0;
    for (let b = 0; b < B; b++) {
      for (let row = 0; row < H; row++) {
        const m = Math.floor(row / sh);
        const ph = row - m * sh;
        const srcRow = (b * Mh + m) * Mw * CI;
        for (let col = 0; col < W; col++) {
          const n = Math.floor(col / sw);
          const src = z[ph * sw + (col - n * sw)];
          let i = srcRow + n * CI;
          for (let c = 0; c < CI; c++) o[d++] = src[i++];
        }
      }
    }
  }
  disposeIntermediates(backend, zs);
  return out;
}

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: tf.Conv2DBackpropInput,
  backendName: 'wasm',
  kernelFunc: conv2DBackpropInput as unknown as tf.KernelFunc,
};
