/**
 * Presets of `reproduce ct-robustness` (issue 12). Both train every method on random-ellipse phantoms for the
 * same number of robust optimisation steps as ord takes (step-accounting.ts), with a constant Adam learning
 * rate (papers/000 and papers/002 use constant rates; it also lets ord's run be extended round by round until
 * it has clearly left FBP), then audit all of them with FBP on the bundled CT slices and held-out phantoms.
 *
 *   quick  2 shared CPU cores, ~10 minutes: 32 x 32 pixels, 9 views (the demo's views per pixel, 36 / 128), the
 *          tiny U-Net, batch 4, ord from 200 steps until +1 dB over FBP (at most 800); pgd and smt-adv with
 *          fewer inner steps / samples than their defaults so that their steps stay affordable; 16 audit slices
 *          (4 CT slices + 12 phantoms), 20 attack steps per radius, S = 50 smoothing samples. Measured: 100
 *          steps, 12 slices and 10 attack steps took 81 s at load 4.8 -> 3.3 (ord cleared FBP by 2.7 dB in its first
 *          round), so this preset doubles training, attack steps and adds slices: ~3 min at load ~4, ~10 min
 *          when other sessions load the cores (ord 30 ms/step at load 3, 100 ms/step at load ~18)
 *   full   a GPU (or hours of CPU): the demo geometry (128 x 128, 36 views), the small U-Net, batch 8, ord from
 *          2000 steps until +1 dB (at most 16000), every method's default hyperparameters, 36 audit slices,
 *          100 attack steps, S = 100
 */
import type { MethodName } from '../training';
import type { FbpConvNetPresetName } from '../models/fbpconvnet';

export const CT_ROBUSTNESS_PRESET_NAMES = ['quick', 'full'] as const;
export type CtRobustnessPresetName = (typeof CT_ROBUSTNESS_PRESET_NAMES)[number];

export interface CtRobustnessPreset {
  name: string;
  size: number;
  views: number;
  model: FbpConvNetPresetName;
  batchSize: number;
  /** Steps per epoch of the generated phantoms (validation runs at every epoch end; minmax warms up one). */
  stepsPerEpoch: number;
  learningRate: number;
  /** ord: first round, cap, and the clean validation gain over FBP that ends the rounds. */
  initialSteps: number;
  maxSteps: number;
  minGainDb: number;
  methods: readonly MethodName[];
  hyper: Partial<Record<MethodName, Record<string, number | string>>>;
  /** Audit: held-out phantoms next to the 4 bundled CT slices; radii; attack steps; smoothing. */
  phantoms: number;
  eps: readonly string[];
  attackSteps: number;
  samples: number;
  sigma: readonly string[];
  pdf: boolean;
  /** Level of the paired tests. */
  alpha: number;
}

const ALL: readonly MethodName[] = [
  'ord',
  'l2',
  'parseval',
  'pgd',
  'minmax',
  'jacobian',
  'smt-adv',
  'smt-grad',
];

export const CT_ROBUSTNESS_PRESETS: Readonly<Record<CtRobustnessPresetName, CtRobustnessPreset>> = {
  quick: {
    name: 'quick',
    size: 32,
    views: 9,
    model: 'tiny',
    batchSize: 4,
    stepsPerEpoch: 25,
    learningRate: 1e-3,
    initialSteps: 200,
    maxSteps: 800,
    minGainDb: 1,
    methods: ALL,
    // Measured at 32 x 32 (load ~18 on 2 cores): ord 100 ms/step, smt-adv with 5 steps x 4 samples 1 s/step.
    hyper: { pgd: { steps: 3 }, 'smt-adv': { steps: 3, samples: 2 }, 'smt-grad': { samples: 2 } },
    phantoms: 12,
    eps: ['0.5%', '1%', '2%'],
    attackSteps: 20,
    samples: 50,
    sigma: ['eps/0.5', 'eps/1'],
    pdf: false,
    alpha: 0.05,
  },
  full: {
    name: 'full',
    size: 128,
    views: 36,
    model: 'small',
    batchSize: 8,
    stepsPerEpoch: 100,
    learningRate: 1e-3,
    initialSteps: 2000,
    maxSteps: 16000,
    minGainDb: 1,
    methods: ALL,
    hyper: {},
    phantoms: 32,
    eps: ['0.5%', '1%', '2%'],
    attackSteps: 100,
    samples: 100,
    sigma: ['eps/0.5', 'eps/1', 'eps/1.5'],
    pdf: true,
    alpha: 0.05,
  },
};
