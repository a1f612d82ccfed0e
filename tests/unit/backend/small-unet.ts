/**
 * The small residual U-Net the backend tests train, in two forms: raw tf ops on named variables, and a
 * tf.layers functional model. One level down and back: [conv3x3 + ReLU] x2 -> maxPool 2x2 ->
 * [conv3x3 + ReLU] x2 at 2c channels -> conv2dTranspose 3x3 stride 2 -> concat skip -> [conv3x3 + ReLU]
 * x2 -> 1x1 head, plus the input (residual). The layers form adds batch normalisation to each block.
 */
import { tf } from '../../../src/main/engine/backend';
import { randomHost, type HostTensor } from './compare-backends';

/** Parameter shapes of the raw U-Net with c base channels (filters are [kh, kw, in, out]). */
export function rawUnetShapes(c: number): Record<string, number[]> {
  return {
    e1: [3, 3, 1, c],
    e1b: [c],
    e2: [3, 3, c, c],
    m1: [3, 3, c, 2 * c],
    m2: [3, 3, 2 * c, 2 * c],
    up: [3, 3, c, 2 * c], // conv2dTranspose filter: [kh, kw, out, in]
    d1: [3, 3, 2 * c, c],
    d2: [3, 3, c, c],
    head: [1, 1, c, 1],
    headb: [1],
  };
}

/** Seeded He-normal filters and small biases, as host data. */
export function rawUnetHostParams(c: number, seed: string): Record<string, HostTensor> {
  const out: Record<string, HostTensor> = {};
  for (const [name, shape] of Object.entries(rawUnetShapes(c))) {
    const h = randomHost(`${seed}/${name}`, shape);
    const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : 100;
    const scale = Math.sqrt(2 / fanIn);
    out[name] = { ...h, values: h.values.map((v) => v * scale) };
  }
  return out;
}

export type RawParams = Record<string, tf.Variable>;

export function rawUnet(p: RawParams, x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w] = x.shape;
  const c = p.e1.shape[3] as number;
  const conv = (t: tf.Tensor4D, f: tf.Variable) => tf.conv2d(t, f as tf.Tensor4D, 1, 'same');
  let e = tf.relu(tf.add(conv(x, p.e1), p.e1b)) as tf.Tensor4D;
  e = tf.relu(conv(e, p.e2));
  let m = tf.relu(conv(tf.maxPool(e, 2, 2, 'valid'), p.m1));
  m = tf.relu(conv(m, p.m2));
  const u = tf.conv2dTranspose(m, p.up as tf.Tensor4D, [b, h, w, c], 2, 'same');
  let d = tf.relu(conv(tf.concat([u, e], 3), p.d1));
  d = tf.relu(conv(d, p.d2));
  return tf.add(x, tf.add(conv(d, p.head), p.headb));
}

/** The same architecture as a tf.layers model, with batch normalisation after each 3x3 conv. */
export function layersUnet(c: number, size: number): tf.LayersModel {
  const input = tf.input({ shape: [size, size, 1] });
  const block = (t: tf.SymbolicTensor, filters: number) => {
    let y = tf.layers.conv2d({ filters, kernelSize: 3, padding: 'same' }).apply(t) as tf.SymbolicTensor;
    y = tf.layers.batchNormalization().apply(y) as tf.SymbolicTensor;
    return tf.layers.reLU().apply(y) as tf.SymbolicTensor;
  };
  const e = block(block(input, c), c);
  const pooled = tf.layers.maxPooling2d({ poolSize: 2, strides: 2 }).apply(e) as tf.SymbolicTensor;
  const m = block(block(pooled, 2 * c), 2 * c);
  const up = tf.layers
    .conv2dTranspose({ filters: c, kernelSize: 3, strides: 2, padding: 'same' })
    .apply(m) as tf.SymbolicTensor;
  const cat = tf.layers.concatenate().apply([up, e]) as tf.SymbolicTensor;
  const d = block(block(cat, c), c);
  const head = tf.layers.conv2d({ filters: 1, kernelSize: 1 }).apply(d) as tf.SymbolicTensor;
  const out = tf.layers.add().apply([input, head]) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}
