/**
 * Presets of `reproduce smoothing` (papers/002 Tables 1-2). Values in papers/002's own units (grey levels on
 * 0..255, smoothing-paper.ts) where they transfer; what does not transfer (network, data, step counts, inner
 * iterations) is sized for the machine and listed by the run as a difference.
 *
 *   quick  2 CPU cores, a few minutes per task: 32 x 32 images, the tiny U-Net, batch 8, ord from 100 steps
 *          until +1 dB over the initial reconstruction (at most 400) and every other model as many steps;
 *          smt-adv with 2 PGD steps and 2 samples, pgd with 3 steps; Smt-Grad at sigma_tr 10, 5, 1 and Smt-Adv
 *          at 10; 8 test images, 10 attack steps per radius, S = 50 (papers/002's test S), 3 test sigmas
 *   full   a GPU: CT at 64 x 64 with 18 views, the small U-Net, batch 32, ord from 1000 steps (at most 16000), Smt-Adv and Smt-Grad at
 *          sigma_tr 10, 5, 1, inner steps 20 / samples 8 (papers/002: 100 / 15), 64 test images, 50 attack
 *          steps, S = 50 and 8 test sigmas
 */
import type { FbpConvNetPresetName } from '../models/fbpconvnet';

export const SMOOTHING_PRESET_NAMES = ['quick', 'full'] as const;
export type SmoothingPresetName = (typeof SMOOTHING_PRESET_NAMES)[number];
export const SMOOTHING_TASKS = ['denoise', 'ct'] as const;
export type SmoothingTask = (typeof SMOOTHING_TASKS)[number];

export interface SmoothingPreset {
  name: string;
  /** CT image side and views (the denoising task is 32 x 32: Fashion-MNIST's 28 x 28 padded). */
  size: number;
  views: number;
  model: FbpConvNetPresetName;
  batchSize: number;
  learningRate: number;
  initialSteps: number;
  maxSteps: number;
  minGainDb: number;
  /** Denoising: training images taken from the start of Fashion-MNIST train (epoch length for smt-grad's ramp). */
  trainImages: number;
  /** CT: steps per epoch of the generated phantoms. */
  stepsPerEpoch: number;
  /** Training sigmas (grey levels) of Smt-Adv and Smt-Grad. */
  smtAdvSigmas: readonly number[];
  smtGradSigmas: readonly number[];
  /** Adv (pgd) and Jcb (jacobian) rows. */
  baselines: boolean;
  smtAdv: { steps: number; samples: number };
  smtGradSamples: number;
  pgdSteps: number;
  testImages: number;
  /** CT audit: held-out phantoms next to the 4 bundled CT slices. */
  ctPhantoms: number;
  attackSteps: number;
  samples: number;
  /** Test sigmas in grey levels per task (the paper's best sigmas among them). */
  testSigmas: Record<SmoothingTask, readonly number[]>;
  alpha: number;
}

export const SMOOTHING_PRESETS: Readonly<Record<SmoothingPresetName, SmoothingPreset>> = {
  quick: {
    name: 'quick',
    size: 32,
    views: 9,
    model: 'tiny',
    batchSize: 8,
    learningRate: 1e-3,
    initialSteps: 100,
    maxSteps: 400,
    minGainDb: 1,
    trainImages: 800,
    stepsPerEpoch: 25,
    smtAdvSigmas: [10],
    smtGradSigmas: [10, 5, 1],
    baselines: true,
    smtAdv: { steps: 2, samples: 2 },
    smtGradSamples: 4,
    pgdSteps: 3,
    testImages: 8,
    ctPhantoms: 4,
    attackSteps: 10,
    samples: 50,
    testSigmas: { denoise: [10, 14, 18], ct: [3, 21, 35] },
    alpha: 0.05,
  },
  full: {
    name: 'full',
    size: 64,
    views: 18,
    model: 'small',
    batchSize: 32,
    learningRate: 5e-4,
    initialSteps: 1000,
    maxSteps: 16000,
    minGainDb: 1,
    trainImages: 60000,
    stepsPerEpoch: 100,
    smtAdvSigmas: [10, 5, 1],
    smtGradSigmas: [10, 5, 1],
    baselines: true,
    smtAdv: { steps: 20, samples: 8 },
    smtGradSamples: 15,
    pgdSteps: 20,
    testImages: 64,
    ctPhantoms: 28,
    attackSteps: 50,
    samples: 50,
    testSigmas: { denoise: [2, 5, 8, 10, 12, 14, 16, 18], ct: [3, 9, 15, 21, 27, 35, 41, 45] },
    alpha: 0.05,
  },
};
