/**
 * The command catalog: every `ct-audit` command with a one-line summary (what `ct-audit --help` lists) and a
 * loader for its module. A command's module (its options, its long description and the engine it imports,
 * tfjs included) is loaded only when that command runs or its own help is asked for, so `ct-audit --help`
 * starts without loading the engine.
 */
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<Register>;
}

export const COMMANDS: readonly CommandEntry[] = [
  {
    name: 'info',
    summary: 'backend and versions; DICOM series, slices and unusable files',
    load: async () => (await import('./info')).registerInfo,
  },
  {
    name: 'dicom',
    summary: 'one DICOM slice to Hounsfield units (.npy)',
    load: async () => (await import('./dicom')).registerDicom,
  },
  {
    name: 'phantom',
    summary: 'a phantom image in canonical units (.npy)',
    load: async () => (await import('./phantom')).registerPhantom,
  },
  {
    name: 'radon',
    summary: 'projector A, adjoint A^T and FBP on .npy arrays',
    load: async () => (await import('./radon')).registerRadon,
  },
  {
    name: 'reconstruct',
    summary: 'DICOM slice -> sinogram -> FBP, with PSNR/SSIM',
    load: async () => (await import('./reconstruct')).registerReconstruct,
  },
  {
    name: 'attack',
    summary: 'worst-case perturbations of a reconstructor (rho-hat)',
    load: async () => (await import('./attack')).registerAttack,
  },
  {
    name: 'certify',
    summary: 'randomized-smoothing certificates',
    load: async () => (await import('./certify')).registerCertify,
  },
  {
    name: 'train',
    summary: 'train an FBPConvNet with one of the training methods',
    load: async () => (await import('./train')).registerTrain,
  },
  {
    name: 'import',
    summary: 'import your own network (ONNX, TensorFlow.js) with its import card',
    load: async () => (await import('./import')).registerImport,
  },
  {
    name: 'audit',
    summary: 'the robustness audit of models on slices, with its PDF report',
    load: async () => (await import('./audit')).registerAudit,
  },
  {
    name: 'batch',
    summary: 'one audit per CT series under DICOM folders',
    load: async () => (await import('./batch')).registerBatch,
  },
  {
    name: 'worker',
    summary: 'run the units of `batch --queue` batches from a Redis queue',
    load: async () => (await import('./worker')).registerWorker,
  },
  {
    name: 'report',
    summary: 'rebuild summary.json and report.pdf of an audit folder',
    load: async () => (await import('./report')).registerReport,
  },
  {
    name: 'demo',
    summary: 'the main job on bundled data (train, audit, report)',
    load: async () => (await import('./demo')).registerDemo,
  },
  {
    name: 'reproduce',
    summary: "re-run the papers' experiments next to their numbers",
    load: async () => {
      const [base, ct, smoothing] = await Promise.all([
        import('./reproduce'),
        import('./reproduce-ct-robustness'),
        import('./reproduce-smoothing'),
      ]);
      return (program) => {
        base.registerReproduce(program);
        ct.registerReproduceCtRobustness(program);
        smoothing.registerReproduceSmoothing(program);
      };
    },
  },
  {
    name: 'serve',
    summary: 'web mode: the app in a browser',
    load: async () => (await import('./serve')).registerServe,
  },
];
