/**
 * The residual U-Net of FBPConvNet (Jin et al., "Deep convolutional neural network for inverse problems in
 * imaging", IEEE TIP 2017) as a standard tf.layers functional model: images [B,N,N,1] -> images [B,N,N,1].
 *
 *   encoder level i (i = 0..depth-1):  [3x3 conv + BN + ReLU] x convsPerBlock at c 2^i channels, 2x2 max-pool
 *   bottom:                            [3x3 conv + BN + ReLU] x convsPerBlock at c 2^depth channels
 *   decoder level i (depth-1..0):      3x3 stride-2 transposed conv + BN + ReLU to c 2^i channels,
 *                                      concatenation with encoder level i, [3x3 conv + BN + ReLU] x convsPerBlock
 *   head:                              1x1 conv to 1 channel, plus the input image (residual learning)
 *
 * Only built-in layers are used, so `model.json` is the standard tfjs layers format and loads on every
 * backend. Convolutions followed by batch norm have no bias (BN's beta replaces it). Every layer has a
 * fixed name (so checkpoints and saved models match weights by name) and a seeded initializer derived from
 * the run seed (so initialization is deterministic). The head starts at zero: the untrained network is the
 * identity, i.e. the FBPConvNet starts as plain FBP and can only improve on it from the first step.
 */
import { createHash } from 'node:crypto';
import { ShapeError, UsageError } from '@shared/errors';
import { tf } from '../backend';
import { FusedBatchNormalization } from './batch-norm';

export interface UnetConfig {
  /** Image side N; must be divisible by 2^depth. */
  size: number;
  /** Channels of the first level (doubling at each pooling). */
  baseChannels: number;
  /** Number of 2x2 poolings. */
  depth: number;
  /** 3x3 conv + BN + ReLU blocks per level. */
  convsPerBlock: number;
  /** Batch-norm moving-average momentum (tfjs convention: moving = m * moving + (1 - m) * batch). */
  bnMomentum: number;
}

/** A 31-bit initializer seed from the run seed and the layer name (stable across processes and platforms). */
export function layerSeed(seed: string | number, layer: string): number {
  return createHash('sha256').update(`${seed}/${layer}`).digest().readUInt32LE(0) >>> 1;
}

export function checkUnetConfig(c: UnetConfig): void {
  for (const [k, v, min] of [
    ['baseChannels', c.baseChannels, 1],
    ['depth', c.depth, 0],
    ['convsPerBlock', c.convsPerBlock, 1],
  ] as const) {
    if (!Number.isInteger(v) || v < min || v > 1024) {
      throw new UsageError(`U-Net: ${k} must be an integer >= ${min}, got ${v}`);
    }
  }
  if (!(c.bnMomentum >= 0 && c.bnMomentum < 1)) {
    throw new UsageError(`U-Net: bnMomentum must be in [0, 1), got ${c.bnMomentum}`);
  }
  const f = 2 ** c.depth;
  if (!Number.isInteger(c.size) || c.size % f !== 0 || c.size < f) {
    throw new ShapeError(
      `U-Net: image size ${c.size} must be a multiple of 2^depth = ${f} (${c.depth} poolings); choose another size or preset`,
      { size: c.size, depth: c.depth },
    );
  }
}

export function buildResidualUnet(c: UnetConfig, seed: string | number): tf.LayersModel {
  checkUnetConfig(c);
  const input = tf.input({ shape: [c.size, c.size, 1], name: 'fbp_image' });
  const conv = (name: string, filters: number, t: tf.SymbolicTensor) =>
    tf.layers
      .conv2d({
        name,
        filters,
        kernelSize: 3,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(seed, name) }),
      })
      .apply(t) as tf.SymbolicTensor;
  const bnRelu = (name: string, t: tf.SymbolicTensor) => {
    // tf.layers' BatchNormalization with a closed-form training gradient (batch-norm.ts); same model.json.
    const b = new FusedBatchNormalization({ name: `${name}_bn`, momentum: c.bnMomentum }).apply(t);
    return tf.layers.reLU({ name: `${name}_relu` }).apply(b) as tf.SymbolicTensor;
  };
  const block = (name: string, filters: number, t: tf.SymbolicTensor) => {
    let y = t;
    for (let k = 0; k < c.convsPerBlock; k++)
      y = bnRelu(`${name}_${k}`, conv(`${name}_${k}_conv`, filters, y));
    return y;
  };

  const skips: tf.SymbolicTensor[] = [];
  let t: tf.SymbolicTensor = input;
  for (let i = 0; i < c.depth; i++) {
    t = block(`enc${i}`, c.baseChannels * 2 ** i, t);
    skips.push(t);
    t = tf.layers.maxPooling2d({ name: `pool${i}`, poolSize: 2, strides: 2 }).apply(t) as tf.SymbolicTensor;
  }
  t = block('bottom', c.baseChannels * 2 ** c.depth, t);
  for (let i = c.depth - 1; i >= 0; i--) {
    const name = `up${i}`;
    const up = tf.layers
      .conv2dTranspose({
        name: `${name}_tconv`,
        filters: c.baseChannels * 2 ** i,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        useBias: false,
        kernelInitializer: tf.initializers.heNormal({ seed: layerSeed(seed, `${name}_tconv`) }),
      })
      .apply(t) as tf.SymbolicTensor;
    const cat = tf.layers.concatenate({ name: `${name}_concat` }).apply([bnRelu(name, up), skips[i]]);
    t = block(`dec${i}`, c.baseChannels * 2 ** i, cat as tf.SymbolicTensor);
  }
  const head = tf.layers
    .conv2d({ name: 'head', filters: 1, kernelSize: 1, kernelInitializer: 'zeros', biasInitializer: 'zeros' })
    .apply(t) as tf.SymbolicTensor;
  const out = tf.layers.add({ name: 'residual' }).apply([input, head]) as tf.SymbolicTensor;
  return tf.model({ name: 'fbpconvnet_unet', inputs: input, outputs: out });
}
