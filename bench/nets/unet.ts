/**
 * The benchmark net of issue 3, in raw tfjs ops (bench/py/unet_torch.py defines the same net in PyTorch;
 * bench/unet.bench.ts checks on shared weights that both compute the same loss, output and gradients):
 *
 *   residual U-Net: images [B,N,N,1] -> images [B,N,N,1], N divisible by 4
 *   enc1   3x3 conv + ReLU, 1 -> 16, then 16 -> 16                       (N x N)
 *   enc2   2x2 max-pool, 3x3 conv + ReLU 16 -> 32, 32 -> 32              (N/2)
 *   mid    2x2 max-pool, 3x3 conv + ReLU 32 -> 64, 64 -> 64              (N/4)
 *   up2    3x3 stride-2 transposed conv 64 -> 32 (+ bias, no activation), concat [up2, enc2],
 *          3x3 conv + ReLU 64 -> 32, 32 -> 32                            (N/2)
 *   up1    3x3 stride-2 transposed conv 32 -> 16, concat [up1, enc1], 3x3 conv + ReLU 32 -> 16, 16 -> 16
 *   head   1x1 conv 16 -> 1, plus the input (residual)
 * Every convolution has a bias; 'same' padding everywhere (TensorFlow's: for the transposed conv, the
 * extra row/column of the stride-2 'same' conv it inverts is at the bottom/right).
 *
 * Convolutions use tf.fused.conv2d (bias + ReLU), as tf.layers does: inference runs them as one fused
 * kernel; under a gradient tape tfjs unfuses them (conv, add, relu), so training costs the same either way.
 */
import { tf } from '../../src/main/engine/backend';
import { createRng } from '../../src/main/engine/random';

export type LayerKind = 'conv' | 'tconv';

export interface LayerSpec {
  name: string;
  kind: LayerKind;
  k: number;
  inC: number;
  outC: number;
}

/** The layers in forward order. Filters are tfjs layouts: conv [k,k,in,out], tconv [k,k,out,in]. */
export const BENCH_UNET_LAYERS: readonly LayerSpec[] = [
  { name: 'enc1a', kind: 'conv', k: 3, inC: 1, outC: 16 },
  { name: 'enc1b', kind: 'conv', k: 3, inC: 16, outC: 16 },
  { name: 'enc2a', kind: 'conv', k: 3, inC: 16, outC: 32 },
  { name: 'enc2b', kind: 'conv', k: 3, inC: 32, outC: 32 },
  { name: 'mida', kind: 'conv', k: 3, inC: 32, outC: 64 },
  { name: 'midb', kind: 'conv', k: 3, inC: 64, outC: 64 },
  { name: 'up2', kind: 'tconv', k: 3, inC: 64, outC: 32 },
  { name: 'dec2a', kind: 'conv', k: 3, inC: 64, outC: 32 },
  { name: 'dec2b', kind: 'conv', k: 3, inC: 32, outC: 32 },
  { name: 'up1', kind: 'tconv', k: 3, inC: 32, outC: 16 },
  { name: 'dec1a', kind: 'conv', k: 3, inC: 32, outC: 16 },
  { name: 'dec1b', kind: 'conv', k: 3, inC: 16, outC: 16 },
  { name: 'head', kind: 'conv', k: 1, inC: 16, outC: 1 },
];

/** Parameter name -> shape: `<layer>_w` (filter, tfjs layout) and `<layer>_b` (bias [out]). */
export function benchUnetShapes(): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const l of BENCH_UNET_LAYERS) {
    out[`${l.name}_w`] = l.kind === 'conv' ? [l.k, l.k, l.inC, l.outC] : [l.k, l.k, l.outC, l.inC];
    out[`${l.name}_b`] = [l.outC];
  }
  return out;
}

/** Seeded He-normal filters (fan-in k*k*in) and small random biases, as host arrays. */
export function benchUnetInit(seed: string | number): Record<string, Float32Array> {
  const rng = createRng(seed);
  const out: Record<string, Float32Array> = {};
  for (const l of BENCH_UNET_LAYERS) {
    const shapes = benchUnetShapes();
    const w = new Float32Array(tf.util.sizeFromShape(shapes[`${l.name}_w`]));
    rng.fork(`${l.name}_w`).fillNormal(w, 0, Math.sqrt(2 / (l.k * l.k * l.inC)));
    out[`${l.name}_w`] = w;
    out[`${l.name}_b`] = rng.fork(`${l.name}_b`).fillNormal(new Float32Array(l.outC), 0, 0.01);
  }
  return out;
}

export type BenchUnetParams = Record<string, tf.Variable>;

export function benchUnetVariables(host: Record<string, Float32Array>): BenchUnetParams {
  const shapes = benchUnetShapes();
  return Object.fromEntries(
    Object.entries(shapes).map(([k, s]) => [k, tf.variable(tf.tensor(host[k], s), true, `bench_unet/${k}`)]),
  );
}

/** The forward pass (see the file comment). */
export function benchUnet(p: BenchUnetParams, x: tf.Tensor4D): tf.Tensor4D {
  const [b, n] = x.shape;
  const conv = (t: tf.Tensor4D, l: string, activation: 'relu' | 'linear' = 'relu') =>
    tf.fused.conv2d({
      x: t,
      filter: p[`${l}_w`] as tf.Tensor4D,
      strides: 1,
      pad: 'same',
      bias: p[`${l}_b`],
      activation,
    });
  const pool = (t: tf.Tensor4D) => tf.maxPool(t, 2, 2, 'valid');
  const up = (t: tf.Tensor4D, l: string, size: number, outC: number) =>
    tf.add(
      tf.conv2dTranspose(t, p[`${l}_w`] as tf.Tensor4D, [b, size, size, outC], 2, 'same'),
      p[`${l}_b`],
    ) as tf.Tensor4D;
  const e1 = conv(conv(x, 'enc1a'), 'enc1b');
  const e2 = conv(conv(pool(e1), 'enc2a'), 'enc2b');
  const m = conv(conv(pool(e2), 'mida'), 'midb');
  const d2 = conv(conv(tf.concat([up(m, 'up2', n / 2, 32), e2], 3), 'dec2a'), 'dec2b');
  const d1 = conv(conv(tf.concat([up(d2, 'up1', n, 16), e1], 3), 'dec1a'), 'dec1b');
  return tf.add(x, conv(d1, 'head', 'linear'));
}

/** Mean squared error, the training loss. */
export function mseLoss(yHat: tf.Tensor, y: tf.Tensor): tf.Scalar {
  return tf.mean(tf.squaredDifference(yHat, y));
}

/** Multiply-accumulates of one forward pass at batch b, size n (convolutions only). */
export function benchUnetForwardMacs(b: number, n: number): number {
  const side: Record<string, number> = {
    enc1a: n,
    enc1b: n,
    enc2a: n / 2,
    enc2b: n / 2,
    mida: n / 4,
    midb: n / 4,
    up2: n / 4, // a transposed conv's MACs are those of the conv it transposes: input side n/4
    dec2a: n / 2,
    dec2b: n / 2,
    up1: n / 2,
    dec1a: n,
    dec1b: n,
    head: n,
  };
  let macs = 0;
  for (const l of BENCH_UNET_LAYERS) macs += b * side[l.name] ** 2 * l.k * l.k * l.inC * l.outC;
  return macs;
}
