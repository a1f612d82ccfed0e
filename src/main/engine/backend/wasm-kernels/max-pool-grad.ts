/**
 * MaxPoolGrad for wasm, a REPLACEMENT: tfjs-backend-wasm 4.22 has this kernel, but it is wrong. Its C++
 * (kernels/MaxPoolGrad.cc) starts each window's running max at std::numeric_limits<float>::min(), the
 * smallest POSITIVE float, so a window whose maximum is <= 0 records no maximum and its gradient goes to
 * offset 0 of the tensor or is lost (measured: 20-50 % relative error on N(0,1) inputs). Pooling after a
 * ReLU is unaffected (an all-zero window has zero gradient through the ReLU anyway), pooling anything
 * that can be negative (raw or batch-normalised images) is not. The same bug makes wasm's MaxPool3D,
 * MaxPool3DGrad and MaxPoolWithArgmax wrong for such windows; the engine uses none of them.
 *
 * Registered only when the kernel in place fails `nativeMaxPoolGradIsWrong` (a fixed tfjs keeps its own).
 *
 *   dx[b, ih, iw, c] = sum of dy[b, oh, ow, c] over the windows (oh, ow) whose FIRST maximum (row-major
 *   in the window, in-image taps only) is at (ih, iw): the cpu backend's and TensorFlow's choice on ties.
 *
 * Hand loop, one pass over dy's windows in memory order: per output pixel, the window's taps run over
 * rows and columns with the innermost loop over contiguous channels, updating per-channel running max and
 * argmax scratch arrays (allocated once per call); then dy is scattered to the argmax offsets.
 */
import * as tf from '@tensorflow/tfjs';
import { checkDtypes, f32View, type BackendWasm, type TensorInfo, type WasmKernelArgs } from './wasm-backend';

export function maxPoolGrad({ inputs, backend, attrs }: WasmKernelArgs<tf.MaxPoolGradAttrs>): TensorInfo {
  const { dy, input } = inputs;
  checkDtypes('MaxPoolGrad', { dy, input }, ['float32']);
  const { filterSize, strides, pad, dimRoundingMode } = attrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    filterSize,
    strides,
    1,
    pad,
    dimRoundingMode,
  );
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const { strideHeight: sh, strideWidth: sw, filterHeight: kH, filterWidth: kW } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const best = new Float32Array(C);
  const bestAt = new Int32Array(C);

  const out = backend.makeOutput(input.shape, 'float32');
  // Heap views after the last allocation (see f32View).
  const dx = f32View(backend, out);
  const x = f32View(backend, input);
  const g = f32View(backend, dy);
  dx.fill(0);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      const ih0 = Math.max(0, oh * sh - pt);
      const ih1 = Math.min(inHeight, oh * sh - pt + kH);
      for (let ow = 0; ow < outWidth; ow++) {
        const iw0 = Math.max(0, ow * sw - pl);
        const iw1 = Math.min(inWidth, ow * sw - pl + kW);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let ih = ih0; ih < ih1; ih++) {
          for (let iw = iw0; iw < iw1; iw++) {
            const xo = ((b * inHeight + ih) * inWidth + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[xo + c];
              if (v > best[c]) {
                best[c] = v;
                bestAt[c] = xo + c;
              }
            }
          }
        }
        const dyo = ((b * outHeight + oh) * outWidth + ow) * C;
        for (let c = 0; c < C; c++) if (bestAt[c] >= 0) dx[bestAt[c]] += g[dyo + c];
      }
    }
  }
  return out;
}

/**
 * The U-Net's case, 2x2 windows with stride 2 and no padding, in one pass: windows do not overlap, so each
 * input pixel belongs to at most one window and dx is written directly (zero except at each window's first
 * maximum), with no per-window scratch arrays. Other pools go to `maxPoolGrad`.
 */
export function maxPoolGradFast(args: WasmKernelArgs<tf.MaxPoolGradAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { dy, input } = inputs;
  checkDtypes('MaxPoolGrad', { dy, input }, ['float32']);
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
  const p = info.padInfo;
  const is2x2 =
    info.filterHeight === 2 &&
    info.filterWidth === 2 &&
    info.strideHeight === 2 &&
    info.strideWidth === 2 &&
    p.top === 0 &&
    p.left === 0 &&
    2 * info.outHeight <= info.inHeight &&
    2 * info.outWidth <= info.inWidth;
  if (!is2x2) return maxPoolGrad(args);
  const { batchSize, inHeight, inWidth, inChannels: C, outHeight, outWidth } = info;
  const out = backend.makeOutput(input.shape, 'float32');
  // Heap views after the last allocation (see f32View).
  const dx = f32View(backend, out);
  const x = f32View(backend, input);
  const g = f32View(backend, dy);
  if (2 * outHeight < inHeight || 2 * outWidth < inWidth) dx.fill(0); // rows/columns outside every window
  const rowStride = inWidth * C;
  let gi = 0;
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < outHeight; oh++) {
      let i00 = (b * inHeight + 2 * oh) * rowStride;
      for (let ow = 0; ow < outWidth; ow++, i00 += 2 * C) {
        const i10 = i00 + rowStride;
        for (let c = 0; c < C; c++, gi++) {
          const a = i00 + c;
          const bb = a + C;
          const cc = i10 + c;
          const d = cc + C;
          // First maximum in row-major window order, strict >, from -Infinity: as the generic loop and the
          // cpu backend (a window of NaN or -Infinity only passes no gradient).
          let m = -Infinity;
          let k = -1;
          if (x[a] > m) {
            m = x[a];
            k = a;
          }
          if (x[bb] > m) {
            m = x[bb];
            k = bb;
          }
          if (x[cc] > m) {
            m = x[cc];
            k = cc;
          }
          if (x[d] > m) k = d;
          dx[a] = 0;
          dx[bb] = 0;
          dx[cc] = 0;
          dx[d] = 0;
          if (k >= 0) dx[k] = g[gi];
        }
      }
    }
  }
  return out;
}

export const maxPoolGradFastConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGradFast as unknown as tf.KernelFunc,
};

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: tf.MaxPoolGrad,
  backendName: 'wasm',
  kernelFunc: maxPoolGrad as unknown as tf.KernelFunc,
};

/**
 * Known-answer check of the MaxPoolGrad kernel registered for wasm: a 2x2 window of negative values
 * [-4, -3; -1, -2] must send its gradient to the -1 (not at offset 0, where the bug sends it). True when
 * the kernel gets it wrong.
 */
export function nativeMaxPoolGradIsWrong(backend: BackendWasm): boolean {
  const kernel = tf.getKernel(tf.MaxPoolGrad, 'wasm');
  if (!kernel) return false;
  const make = (shape: number[], values: number[]) =>
    backend.makeOutput(shape, 'float32', undefined, Float32Array.from(values));
  const x = make([1, 2, 2, 1], [-4, -3, -1, -2]);
  const y = make([1, 1, 1, 1], [-1]);
  const dy = make([1, 1, 1, 1], [1]);
  const made = [x, y, dy];
  try {
    const dx = kernel.kernelFunc({
      inputs: { dy, input: x, output: y },
      backend,
      attrs: { filterSize: 2, strides: 2, pad: 'valid' },
    }) as TensorInfo;
    made.push(dx);
    const v = backend.readSync(dx.dataId) as Float32Array;
    return !(v[0] === 0 && v[1] === 0 && v[2] === 1 && v[3] === 0);
  } catch {
    return true;
  } finally {
    for (const t of made) backend.disposeData(t.dataId);
  }
}
