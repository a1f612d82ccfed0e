/**
 * FBPConvNet (Jin et al. 2017; DESIGN.md section 4): f(y) = U(FBP(y)), a fixed, differentiable FBP
 * (physics module) followed by the residual U-Net U of unet.ts. Sinograms [B,A,D,1] -> images [B,N,N,1]
 * in canonical units.
 *
 * FBP stays outside the layers graph: the saved `model.json` holds only the U-Net (standard layers, no
 * custom layers), so a model saved on one backend loads on any other; the model card records the FBP
 * filter, cutoff and backprojector, and loading rebuilds the same FBP. The U-Net sees
 * (FBP(y) - offset) / scale and its output is mapped back (`normalization`; identity by default, since
 * canonical units are already O(1)).
 */
import type { Geometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import { tf } from '../backend';
import { makeOperator, type FbpOptions, type MeasurementOperator } from '../physics';
import type { ApplyOptions, ReconstructorOrigin, TrainableReconstructor } from './reconstructor';
import { buildResidualUnet, checkUnetConfig, type UnetConfig } from './unet';

export type FbpConvNetPresetName = 'paper' | 'small' | 'tiny';
export const FBPCONVNET_PRESET_NAMES: readonly FbpConvNetPresetName[] = ['paper', 'small', 'tiny'];

/** Architecture presets: `paper` as Jin et al. (64 channels, 4 poolings); CPU-sized `small` and test-sized `tiny`. */
export const FBPCONVNET_PRESETS: Readonly<
  Record<FbpConvNetPresetName, Omit<UnetConfig, 'size' | 'bnMomentum'>>
> = {
  paper: { baseChannels: 64, depth: 4, convsPerBlock: 2 },
  small: { baseChannels: 16, depth: 3, convsPerBlock: 2 },
  tiny: { baseChannels: 4, depth: 2, convsPerBlock: 1 },
};

/**
 * Batch-norm momentum 0.9 (PyTorch's default, 0.1 in its convention) rather than Keras' 0.99: the moving
 * statistics used at inference follow the weights within ~10 steps, which matters for short CPU runs.
 */
export const DEFAULT_BN_MOMENTUM = 0.9;

export interface FbpSettings {
  filter: NonNullable<FbpOptions['filter']>;
  cutoff: number;
  backprojector: NonNullable<FbpOptions['backprojector']>;
}

export const DEFAULT_FBP_SETTINGS: FbpSettings = { filter: 'ram-lak', cutoff: 1, backprojector: 'pixel' };

export interface Normalization {
  /** U-Net input = (FBP(y) - offset) / scale; output mapped back by * scale + offset. */
  offset: number;
  scale: number;
}

export interface FbpConvNetConfig {
  preset: FbpConvNetPresetName | 'custom';
  unet: UnetConfig;
  fbp: FbpSettings;
  normalization: Normalization;
}

export interface CreateFbpConvNetOptions {
  preset?: FbpConvNetPresetName;
  /** Run seed: layer initializers are seeded from it (deterministic initialization). */
  seed?: string | number;
  fbp?: Partial<FbpSettings>;
  normalization?: Partial<Normalization>;
  /** Overrides of the preset (e.g. baseChannels); the preset becomes 'custom'. */
  unet?: Partial<Omit<UnetConfig, 'size'>>;
}

export function fbpConvNetConfig(geometry: Geometry, o: CreateFbpConvNetOptions = {}): FbpConvNetConfig {
  const presetName = o.preset ?? 'small';
  const preset = FBPCONVNET_PRESETS[presetName];
  if (!preset) {
    throw new UsageError(
      `unknown FBPConvNet preset "${String(presetName)}": choose one of ${FBPCONVNET_PRESET_NAMES.join(', ')}`,
    );
  }
  const overrides = o.unet ?? {};
  const unet: UnetConfig = {
    ...preset,
    bnMomentum: DEFAULT_BN_MOMENTUM,
    ...overrides,
    size: geometry.size,
  };
  checkUnetConfig(unet);
  const normalization = { offset: 0, scale: 1, ...o.normalization };
  if (!(normalization.scale > 0) || !Number.isFinite(normalization.offset)) {
    throw new UsageError(`FBPConvNet: normalization scale must be > 0 and offset finite`);
  }
  const custom = Object.keys(overrides).some((k) => k !== 'bnMomentum');
  return {
    preset: custom ? 'custom' : presetName,
    unet,
    fbp: { ...DEFAULT_FBP_SETTINGS, ...o.fbp },
    normalization,
  };
}

/** Training-mode batch norm layers of a model (for applying it without updating their moving statistics). */
function batchNormLayers(model: tf.LayersModel): { momentum: number }[] {
  return model.layers.filter((l) => l.getClassName() === 'BatchNormalization') as unknown as {
    momentum: number;
  }[];
}

export class FbpConvNet implements TrainableReconstructor {
  readonly kind = 'fbpconvnet' as const;
  readonly geometry: Geometry;
  readonly op: MeasurementOperator;
  readonly config: FbpConvNetConfig;
  readonly unet: tf.LayersModel;
  /** Set by loadModel for a model read from a folder (its weights may be read again by worker threads). */
  origin?: ReconstructorOrigin;
  private readonly bnLayers: { momentum: number }[];

  /** Wraps an existing U-Net (e.g. loaded from model.json); takes ownership of it. */
  constructor(geometry: Geometry, config: FbpConvNetConfig, unet: tf.LayersModel, op?: MeasurementOperator) {
    this.op = op ?? makeOperator(geometry);
    this.geometry = this.op.geometry;
    this.config = config;
    this.unet = unet;
    this.bnLayers = batchNormLayers(unet);
    const shape = unet.inputs[0].shape;
    if (shape[1] !== geometry.size || shape[2] !== geometry.size) {
      throw new UsageError(
        `FBPConvNet: the U-Net takes ${shape[1]}x${shape[2]} images but the geometry is ${geometry.size}x${geometry.size}`,
      );
    }
  }

  static create(geometry: Geometry, o: CreateFbpConvNetOptions = {}): FbpConvNet {
    const config = fbpConvNetConfig(geometry, o);
    return new FbpConvNet(geometry, config, buildResidualUnet(config.unet, o.seed ?? 0));
  }

  /**
   * The U-Net's input before normalization: FBP(y) with the model's filter settings for CT, the operator's
   * initial reconstruction for other physics (y for denoising, A^+ y for compressed sensing). Differentiable.
   */
  fbp(y: tf.Tensor4D): tf.Tensor4D {
    return this.op.initialReconstruction(y, this.config.fbp);
  }

  apply(y: tf.Tensor4D, training: boolean, opts: ApplyOptions = {}): tf.Tensor4D {
    const { offset, scale } = this.config.normalization;
    const identity = offset === 0 && scale === 1;
    const freeze = training && opts.updateStats === false;
    // momentum 1 makes the moving-average update a no-op (moving - (moving - batch) * 0), so the layer
    // normalizes with batch statistics without touching its moving statistics.
    const saved = freeze ? this.bnLayers.map((l) => l.momentum) : [];
    if (freeze) for (const l of this.bnLayers) l.momentum = 1;
    try {
      return tf.tidy(() => {
        const img = this.fbp(y);
        const u = identity ? img : tf.div(tf.sub(img, offset), scale);
        const out = this.unet.apply(u, { training }) as tf.Tensor4D;
        return identity ? out : (tf.add(tf.mul(out, scale), offset) as tf.Tensor4D);
      });
    } finally {
      if (freeze) this.bnLayers.forEach((l, i) => (l.momentum = saved[i]));
    }
  }

  reconstruct(y: tf.Tensor4D): tf.Tensor4D {
    return this.apply(y, false);
  }

  trainableVariables(): tf.Variable[] {
    return this.unet.trainableWeights.map((w) => w.read() as tf.Variable);
  }

  /** Convolution and transposed-convolution kernels (rank 4): what weight decay and Parseval act on. */
  kernelVariables(): tf.Variable[] {
    return this.unet.trainableWeights.filter((w) => w.shape.length === 4).map((w) => w.read() as tf.Variable);
  }

  /** Every variable of the model, trainable or not (batch-norm moving statistics), in a fixed order. */
  stateVariables(): tf.Variable[] {
    return this.unet.weights.map((w) => w.read() as tf.Variable);
  }

  parameterCount(): number {
    return this.unet.countParams();
  }

  describe(): string {
    const u = this.config.unet;
    return (
      `FBPConvNet ${this.config.preset} (U-Net ${u.baseChannels} base channels, ${u.depth} poolings, ` +
      `${this.parameterCount()} parameters) on ${this.op.describeInitialReconstruction(this.config.fbp)}`
    );
  }

  dispose(): void {
    this.unet.dispose();
  }
}
