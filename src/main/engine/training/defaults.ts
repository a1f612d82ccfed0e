/**
 * Every training default in one place, each with the paper value it comes from (papers/000 = Raj et al.,
 * min-max training with a perturbation generator; papers/002 = certified randomized smoothing for inverse
 * problems, appendix B). Where we deviate (CPU budgets, our units), the comment says why.
 *
 * Units and conventions (they decide what a number means):
 *  - the data loss is the per-pixel MSE l(f(y), x) = (1/n) ||f(y) - x||^2 of papers/002 eq. (1), averaged over
 *    the batch; images are in canonical units (water = 1);
 *  - perturbation budgets are relative l2 sizes per slice, eps_b = epsRelative * ||y_b|| (measurement space)
 *    or epsRelative * ||x_b|| (image space): the papers' absolute eps (e.g. eps = 5 on 0..255 images) have no
 *    meaning for sinograms in pixel-length units, while a relative size is what DESIGN.md reports anyway.
 */
import { UsageError } from '@shared/errors';
import type { MethodName } from './method';

/** Shared by all methods (the trainer's own settings). */
export const TRAIN_DEFAULTS = {
  /** papers/002 B: 32 (DPDNN) and 64 (ISTA-Net); papers/000: 128. 4 fits CPU step times (~2.6 s at 128x128, `small`). */
  batchSize: 4,
  /**
   * Adam learning rate. papers/002 B: 5e-4 (denoising) and 1e-4 (CS); papers/000: 1e-4. We take 1e-3 with a
   * cosine decay: runs here are hundreds of steps, not 100 epochs.
   */
  learningRate: 1e-3,
  /** 'cosine' (to minLearningRateFraction * learningRate at the last step) or 'constant'. */
  lrSchedule: 'cosine' as 'cosine' | 'constant',
  minLearningRateFraction: 0.05,
  /** Adam moments: the usual 0.9 / 0.999 (papers/000 uses beta1 0.5 for its min-max game; see minmax). */
  beta1: 0.9,
  beta2: 0.999,
  /** papers/002 B: 100 epochs; ours 10 (CPU). */
  epochs: 10,
  /** Unlimited sources (ellipses) have no natural epoch: this many steps make one. */
  generatedStepsPerEpoch: 50,
  /** Slices held out by series (papers: separate test sets). */
  validationFraction: 0.1,
  /** At most this many validation slices are evaluated per epoch (ellipses: exactly this many). */
  validationSlices: 16,
  /** A checkpoint every this many steps (and at the end, on cancellation, and at each epoch end). */
  checkpointEvery: 25,
  /** FBPConvNet preset (models/fbpconvnet.ts). */
  preset: 'small' as const,
};

export type HyperValue = number | string | boolean;

export interface HyperSpec {
  default: HyperValue;
  /** Numbers: inclusive bounds; integer when set. */
  min?: number;
  max?: number;
  integer?: boolean;
  choices?: readonly string[];
  doc: string;
  /** The paper value and where it is stated. */
  paper: string;
}

/** Per-method hyperparameters (`--hp key=value` on the command line). */
export const METHOD_HYPERS: Record<MethodName, Record<string, HyperSpec>> = {
  // ord: plain MSE, eq. (5) of papers/000 with mu = 0; "Ord" of papers/002 section 4.1.
  ord: {},

  // l2: eq. (5) of papers/000, mu ||theta||^2 (weight decay) over the kernels.
  l2: {
    mu: {
      default: 1e-6,
      min: 0,
      doc: 'weight-decay factor mu of eq. (5), on the conv/dense kernels',
      paper: 'papers/000 section 4: "mu > 1e-6, chosen empirically"',
    },
  },

  // parseval: eq. (11) of papers/000 (Cisse et al. 2017), beta/2 sum ||W^T W - I/k||^2.
  parseval: {
    beta: {
      default: 1e-5,
      min: 0,
      doc: 'weight of the Parseval penalty of eq. (11)',
      paper: 'papers/000 section 4: "we picked beta to be 1e-5"',
    },
  },

  // pgd: adversarial training, eq. (2) of papers/002 ("Adv"), inner maximization by l2 PGD.
  pgd: {
    epsRelative: {
      default: 0.01,
      min: 0,
      max: 1,
      doc: 'l2 budget per slice relative to ||y|| (measurement space) or ||x|| (image space)',
      paper: 'papers/002 B: eps = 5 (denoising, 0..255 images) and 1 (CS); no relative value is given',
    },
    epsAbsolute: {
      default: 0,
      min: 0,
      doc: 'when > 0: the l2 budget per slice in absolute units (of x for space image, of y otherwise), replacing epsRelative',
      paper: 'papers/002 B: one absolute eps for every image (eps = 5 denoising, 1 CS)',
    },
    steps: {
      default: 5,
      min: 1,
      max: 1000,
      integer: true,
      doc: 'PGD iterations T_itr',
      paper: 'papers/002 B: 100 (denoising), 150 (CS); 5 here keeps a step affordable on CPU',
    },
    stepSize: {
      default: 0.5,
      min: 0,
      doc: 'l2 length of each PGD step as a fraction of eps (normalized-gradient steps)',
      paper:
        'papers/002 B: r = 0.4 and 0.2 (absolute, unnormalized); 2.5 eps / T_itr (Madry et al.) = 0.5 at T_itr 5',
    },
    space: {
      default: 'measurement',
      choices: ['measurement', 'image'],
      doc: "'measurement': y + delta (papers/000); 'image': y = A(x + xi) (papers/002 eq. 2)",
      paper: 'papers/002 eq. (2) perturbs x; papers/000 argues for y (section 2.2)',
    },
  },

  // minmax: Algorithm 1 of papers/000 with eq. (7). (Owned by the generator/minmax implementation.)
  minmax: {
    lambda1: {
      default: 1,
      doc: 'weight lambda1 of the adversarial term in eq. (7)',
      paper: 'papers/000 section 4: 1 (MNIST), 3 (CelebA)',
    },
    lambda2: {
      default: -0.1,
      max: 0,
      doc: 'hinge-penalty weight lambda2 < 0 of eq. (7)',
      paper: 'papers/000 section 4: -0.1 (MNIST), -1 (CelebA)',
    },
    epsRelative: {
      default: 0.01,
      min: 0,
      max: 1,
      doc: 'perturbation budget eps of eq. (7), relative to ||y||',
      paper: 'papers/000 section 4: eps = 2 (MNIST), 3 (CelebA), absolute',
    },
    subBatches: {
      default: 4,
      min: 1,
      integer: true,
      doc: 'K: generator updates per iteration, one per sub-batch (Algorithm 1)',
      paper: 'papers/000 section 4: K = 4',
    },
    warmupEpochs: {
      default: 1,
      min: 0,
      integer: true,
      doc: 'epochs with the clean term only (section 2.3.1)',
      paper: 'papers/000 section 2.3.1: "during initial epochs" (no number given)',
    },
    generatorLearningRate: {
      default: 1e-4,
      min: 0,
      doc: 'Adam learning rate of G (beta1 0.5, beta2 0.999)',
      paper: 'papers/000 section 4: 1e-4, Adam(0.5, 0.999)',
    },
    generatorArchitecture: {
      default: 'conv',
      choices: ['conv', 'dense'],
      doc: "G's architecture (models/generator.ts): 'conv' (3x3 convolutions with coordinate channels) or 'dense' (fully connected, small sinograms only)",
      paper:
        'papers/000 section 4: fully-connected G (vector measurements); a sinogram calls for convolutions',
    },
    generatorChannels: {
      default: 16,
      min: 1,
      max: 1024,
      integer: true,
      doc: "G's hidden channels (conv) or hidden width (dense)",
      paper: 'papers/000: not stated',
    },
    generatorLayers: {
      default: 4,
      min: 1,
      max: 32,
      integer: true,
      doc: "G's layers, the linear output layer included",
      paper: 'papers/000 section 4: 5 (MNIST) and 6 (CelebA) fully-connected layers',
    },
  },

  // jacobian: eq. (4) of papers/002 ("Jcb"): MSE + beta * max over the batch of ||J(y) A||_2.
  jacobian: {
    beta: {
      default: 1e-3,
      min: 0,
      doc: 'weight of the spectral-norm penalty of eq. (4)',
      paper: 'papers/002 section 4.1: set by Algorithm 4 of its ref. [2]; no value given',
    },
    powerIterations: {
      default: 3,
      min: 1,
      max: 100,
      integer: true,
      doc: 'power iterations per step for ||J(y) A||_2 (random start each step)',
      paper: 'papers/002 eq. (4) via ref. [2]; not stated',
    },
    fdStep: {
      default: 1e-3,
      min: 1e-7,
      max: 0.1,
      doc: 'finite-difference step of the Jacobian-vector product, relative to ||y||',
      paper: '(implementation detail, see methods/jacobian.ts)',
    },
  },

  // smt-adv: Algorithm 1 of papers/002. (Owned by the smoothing-methods implementation.)
  'smt-adv': {
    epsRelative: {
      default: 0.01,
      min: 0,
      max: 1,
      doc: 'l2 budget per slice relative to ||x||',
      paper: 'papers/002 B: eps = 5 (denoising), 1 (CS), absolute',
    },
    epsAbsolute: {
      default: 0,
      min: 0,
      doc: 'when > 0: the l2 budget per slice in image units, replacing epsRelative',
      paper: 'papers/002 B: one absolute eps for every image',
    },
    steps: {
      default: 5,
      min: 1,
      integer: true,
      doc: 'PGD iterations T_itr',
      paper: 'papers/002 B: 100 / 150',
    },
    stepSize: {
      default: 0.5,
      min: 0,
      doc: 'step length as a fraction of eps',
      paper: 'papers/002 B: r = 0.4 / 0.2 (absolute)',
    },
    sigmaRelative: {
      default: 0.02,
      min: 0,
      doc: 'smoothing noise sigma relative to the RMS of x',
      paper: 'papers/002 B: sigma = 10 (0..255 images)',
    },
    sigmaAbsolute: {
      default: 0,
      min: 0,
      doc: 'when > 0: the smoothing noise sigma per pixel in image units, replacing sigmaRelative',
      paper: 'papers/002 B: one sigma for every image (10 on the 0..255 scale)',
    },
    samples: {
      default: 4,
      min: 1,
      integer: true,
      doc: 'Monte-Carlo samples S of eq. (9)',
      paper: 'papers/002 B: S = 15',
    },
  },

  // smt-grad: Algorithm 2 of papers/002. (Owned by the smoothing-methods implementation.)
  'smt-grad': {
    sigmaMaxRelative: {
      default: 0.02,
      min: 0,
      doc: 'sigma_max relative to the RMS of x',
      paper: 'papers/002 B: sigma_max = 10 (0..255 images)',
    },
    sigmaMaxAbsolute: {
      default: 0,
      min: 0,
      doc: 'when > 0: sigma_max per pixel in image units, replacing sigmaMaxRelative',
      paper: 'papers/002 B: one sigma_max for every image (10 on the 0..255 scale)',
    },
    samples: {
      default: 4,
      min: 1,
      integer: true,
      doc: 'noisy copies S per gradient',
      paper: 'papers/002 B: S = 15',
    },
    tStep: {
      default: 6,
      min: 1,
      integer: true,
      doc: 'T_step: sigma ramps from sigma_max / T_step to sigma_max within each epoch',
      paper: 'papers/002 B: T_step = 6',
    },
  },
};

/** Optimizer settings a method needs that differ from TRAIN_DEFAULTS (papers/000 trains with beta1 0.5). */
export const METHOD_OPTIMIZER_DEFAULTS: Partial<
  Record<MethodName, { learningRate?: number; beta1?: number; beta2?: number }>
> = {
  minmax: { beta1: 0.5, beta2: 0.999 },
};

function parseValue(method: string, key: string, spec: HyperSpec, raw: unknown): HyperValue {
  const where = `--hp ${key} (method ${method})`;
  if (typeof spec.default === 'number') {
    const v = typeof raw === 'number' ? raw : Number(raw);
    if (typeof raw === 'string' && raw.trim() === '') throw new UsageError(`${where}: empty value`);
    if (!Number.isFinite(v)) throw new UsageError(`${where} must be a number, got "${String(raw)}"`);
    if (spec.integer && !Number.isInteger(v)) throw new UsageError(`${where} must be an integer, got ${v}`);
    if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
      throw new UsageError(`${where} must be in [${spec.min ?? '-inf'}, ${spec.max ?? 'inf'}], got ${v}`);
    }
    return v;
  }
  if (typeof spec.default === 'boolean') {
    if (raw === true || raw === 'true' || raw === '1') return true;
    if (raw === false || raw === 'false' || raw === '0') return false;
    throw new UsageError(`${where} must be true or false, got "${String(raw)}"`);
  }
  const s = String(raw);
  if (spec.choices && !spec.choices.includes(s)) {
    throw new UsageError(`${where} must be one of ${spec.choices.join(', ')}, got "${s}"`);
  }
  return s;
}

/** Fills defaults and validates `given` against the method's table; unknown keys are usage errors. */
export function resolveHyper(
  method: MethodName,
  given: Record<string, unknown> = {},
): Record<string, HyperValue> {
  const table = METHOD_HYPERS[method];
  if (!table) throw new UsageError(`unknown training method "${method}"`);
  for (const key of Object.keys(given)) {
    if (!(key in table)) {
      const known = Object.keys(table);
      throw new UsageError(
        `--hp ${key}: method ${method} has no such hyperparameter (${known.length ? `known: ${known.join(', ')}` : 'it has none'})`,
      );
    }
  }
  const out: Record<string, HyperValue> = {};
  for (const [key, spec] of Object.entries(table)) {
    out[key] = key in given ? parseValue(method, key, spec, given[key]) : spec.default;
  }
  return out;
}
