/**
 * A training run's settings, resolved from the caller's options and the defaults (defaults.ts). The
 * resolved settings are written into every checkpoint; `--resume` compares them field by field with the
 * requested ones, so a run is never continued under different settings by accident.
 */
import type { NoiseSpec } from '@shared/noise-spec';
import type { Geometry } from '@shared/geometry';
import { UsageError } from '@shared/errors';
import type { FbpConvNetPresetName, FbpSettings } from '../models/fbpconvnet';
import type { HyperValue } from './defaults';

export interface TrainSettings {
  geometry: Geometry;
  method: string;
  hyper: Record<string, HyperValue>;
  /** FBPConvNet preset, or the describe() line of a caller-supplied model. */
  model: string;
  preset: FbpConvNetPresetName | null;
  fbp: FbpSettings | null;
  batchSize: number;
  seed: string;
  learningRate: number;
  lrSchedule: 'cosine' | 'constant';
  minLearningRateFraction: number;
  beta1: number;
  beta2: number;
  noise: NoiseSpec;
  augment: boolean;
  validationFraction: number;
  validationSlices: number;
  data: string;
  stepsPerEpoch: number;
  totalSteps: number;
}

/** Fields that may change on resume: the run length (the cosine schedule then stretches; a warning says so). */
const MAY_CHANGE: ReadonlySet<keyof TrainSettings> = new Set(['totalSteps']);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Throws a UsageError naming the first setting where the checkpoint and the request differ. */
export function checkResumable(saved: TrainSettings, now: TrainSettings, file: string): string[] {
  for (const k of Object.keys(now) as (keyof TrainSettings)[]) {
    if (MAY_CHANGE.has(k)) continue;
    if (!same(saved[k], now[k])) {
      throw new UsageError(
        `--resume: ${file} was written with ${k} = ${JSON.stringify(saved[k])}, but this run asks for ${JSON.stringify(now[k])}; ` +
          'use the same settings (or a new --out folder to start over)',
        { field: k },
      );
    }
  }
  const notes: string[] = [];
  if (saved.totalSteps !== now.totalSteps && now.lrSchedule === 'cosine') {
    notes.push(
      `run length changed from ${saved.totalSteps} to ${now.totalSteps} steps: the cosine learning-rate schedule follows the new length`,
    );
  }
  return notes;
}

/** Learning rate at step t (0-based) of T. */
export function learningRateAt(s: TrainSettings, t: number): number {
  if (s.lrSchedule === 'constant' || s.totalSteps <= 1) return s.learningRate;
  const lo = s.learningRate * s.minLearningRateFraction;
  return lo + ((s.learningRate - lo) * (1 + Math.cos((Math.PI * t) / (s.totalSteps - 1)))) / 2;
}
