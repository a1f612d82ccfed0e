/**
 * DepthwiseConv2dNativeBackpropInput / ...Filter for wasm: the gradients of tf.depthwiseConv2d (and of
 * tf.separableConv2d and tf.layers.depthwiseConv2d / separableConv2d), which tfjs-backend-wasm 4.22 lacks.
 * Forward (NHWC, filter [KH, KW, C, M], output channel c*M + m):
 *   y[b,oh,ow,c*M+m] = sum_{kh,kw} x[b, oh*sh + kh*dh - pt, ow*sw + kw*dw - pl, c] * f[kh,kw,c,m]
 * so  dx[b,ih,iw,c]  = sum over the (oh,ow,kh,kw,m) that reach (ih,iw) of dy[b,oh,ow,c*M+m] * f[kh,kw,c,m]
 *     df[kh,kw,c,m]  = sum_{b,oh,ow} x[b, ih, iw, c] * dy[b,oh,ow,c*M+m].
 *
 * Hand loops, because no wasm kernel does a grouped convolution's transpose (Conv2D has no groups, and the
 * batch/channel swap used for Conv2DBackpropFilter would mix channels). Depthwise work is small (no sum
 * over input channels): both loops walk dy once in memory order, b -> oh -> ow -> (kh, kw) -> c -> m, so
 * the innermost loops run over contiguous channels of dy, f and x; out-of-image taps are skipped, not padded.
 * The filter gradient sums B*OH*OW products per weight: it accumulates in a Float64 scratch of filter size.
 * Dilations are supported (tfjs's gradient of depthwiseConv2d refuses them, the kernel need not).
 */
import * as tf from '@tensorflow/tfjs';
import { checkDtypes, f32View, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

type DepthwiseInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;

/** Call visit(dyOffset, xOffset, fOffset) for every in-image tap, in dy memory order. */
function forEachTap(info: DepthwiseInfo, visit: (dyo: number, xo: number, fo: number) => void): void {
  const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels } = info;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { filterHeight: kH, filterWidth: kW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        const dyo = ((b * outHeight + oh) * outWidth + ow) * outChannels;
        for (let kh = 0; kh < kH; kh++) {
          const ih = oh * sh + kh * dh - pt;
          if (ih < 0 || ih >= inHeight) continue;
          for (let kw = 0; kw < kW; kw++) {
            const iw = ow * sw + kw * dw - pl;
            if (iw < 0 || iw >= inWidth) continue;
            visit(dyo, ((b * inHeight + ih) * inWidth + iw) * inChannels, (kh * kW + kw) * outChannels);
          }
        }
      }
    }
  }
}

export function depthwiseConv2dNativeBackpropInput({
  inputs,
  backend,
  attrs,
}: WasmKernelArgs<tf.DepthwiseConv2dNativeBackpropInputAttrs>): TensorInfo {
  const { dy, filter } = inputs;
  checkDtypes('DepthwiseConv2dNativeBackpropInput', { dy, filter }, ['float32']);
  const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    inputShape,
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const C = info.inChannels;
  const M = info.outChannels / C;
  const out = backend.makeOutput(info.inShape, 'float32');
  // Heap views after the last allocation (see f32View).
  const dx = f32View(backend, out);
  const dyv = f32View(backend, dy);
  const f = f32View(backend, filter);
  dx.fill(0);
  forEachTap(info, (dyo, xo, fo) => {
    for (let c = 0, cm = 0; c < C; c++) {
      let acc = 0;
      for (let m = 0; m < M; m++, cm++) acc += dyv[dyo + cm] * f[fo + cm];
      dx[xo + c] += acc;
    }
  });
  return out;
}

export function depthwiseConv2dNativeBackpropFilter({
  inputs,
  backend,
  attrs,
}: WasmKernelArgs<tf.DepthwiseConv2dNativeBackpropFilterAttrs>): TensorInfo {
  const { x, dy } = inputs;
  checkDtypes('DepthwiseConv2dNativeBackpropFilter', { x, dy }, ['float32']);
  const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs;
  const info = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filterShape,
    strides,
    dilations,
    pad,
    dimRoundingMode,
    true,
  );
  const C = info.inChannels;
  const M = info.outChannels / C;
  const acc = new Float64Array(tf.util.sizeFromShape(filterShape));
  const out = backend.makeOutput(filterShape, 'float32');
  const df = f32View(backend, out);
  const xv = f32View(backend, x);
  const dyv = f32View(backend, dy);
  forEachTap(info, (dyo, xo, fo) => {
    for (let c = 0, cm = 0; c < C; c++) {
      const xval = xv[xo + c];
      for (let m = 0; m < M; m++, cm++) acc[fo + cm] += xval * dyv[dyo + cm];
    }
  });
  df.set(acc);
  return out;
}

export const depthwiseBackpropConfigs: readonly tf.KernelConfig[] = [
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropInput,
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dNativeBackpropInput as unknown as tf.KernelFunc,
  },
  {
    kernelName: tf.DepthwiseConv2dNativeBackpropFilter,
    backendName: 'wasm',
    kernelFunc: depthwiseConv2dNativeBackpropFilter as unknown as tf.KernelFunc,
  },
];
