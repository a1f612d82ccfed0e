/**
 * `train:defaults`, `train:start` and `model:list` in the engine host. Models live in the workspace,
 * `<workspace>/models/<name>/` (DESIGN.md section 5); the owner (Electron main, the server) resolves the
 * folder, so the renderer never chooses where files are written.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseNoiseSpec } from '@shared/noise-spec';
import type { HostParamOverrides } from '@shared/host-protocol';
import type {
  ModelImportResult,
  ModelListResult,
  ModelSummary,
  TrainDefaults,
  TrainResult,
  ValidationPoint,
} from '@shared/ipc';
import { describeImportSource } from '@shared/model-import';
import { importModel } from '../../models/imported/import-model';
import { initBackend } from '../../backend';
import {
  CHECKPOINT_FILE,
  METHOD_HYPERS,
  METHOD_OPTIMIZER_DEFAULTS,
  TRAIN_DEFAULTS,
  train,
} from '../../training';
import { CARD_FILE, FBPCONVNET_PRESET_NAMES, readCard, type ModelCard } from '../../models';
import { UsageError } from '@shared/errors';
import { geometryOf } from './fbp';
import { MODELS_FOLDER } from '../workspace';
import type { MethodContext } from './context';

export function trainDefaults({ workspace }: { workspace: string }): TrainDefaults {
  const trainer: Record<string, number | string | boolean> = {};
  for (const [k, v] of Object.entries(TRAIN_DEFAULTS)) if (typeof v !== 'object') trainer[k] = v;
  return {
    methods: Object.entries(METHOD_HYPERS).map(([name, table]) => ({
      name,
      hypers: Object.entries(table).map(([key, spec]) => ({ key, ...spec })),
      optimizer: { ...((METHOD_OPTIMIZER_DEFAULTS as Record<string, object>)[name] ?? {}) } as Record<
        string,
        number | string | boolean
      >,
    })),
    presets: [...FBPCONVNET_PRESET_NAMES],
    trainer,
    workspace,
  };
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

export function summaryOf(name: string, card: ModelCard | null, resumable: boolean): ModelSummary {
  const arch = (card?.architecture ?? {}) as { preset?: string };
  return {
    name,
    kind: card?.kind ?? 'fbpconvnet',
    description: card?.description ?? 'training not finished (no model card yet)',
    createdAt: card?.createdAt ?? null,
    geometry: card?.geometry ?? null,
    method: card?.training?.method ?? null,
    preset: arch.preset ?? null,
    status: card?.training?.status ?? (card ? 'complete' : 'incomplete'),
    completedSteps: card?.training?.completedSteps ?? null,
    final: card?.metrics.final ?? null,
    resumable,
    imported: card?.imported
      ? {
          format: card.imported.source.format,
          access: card.imported.access,
          source: describeImportSource(card.imported),
          sha256: card.imported.source.sha256,
        }
      : null,
  };
}

/** `model:import`: the network and its card -> <workspace>/models/<name> (engine/models/imported). */
export async function modelImport(
  p: HostParamOverrides['model:import'],
  { job }: MethodContext,
): Promise<ModelImportResult> {
  job.progress({ phase: 'import', step: 0, total: 1, message: `importing ${p.source}` });
  await initBackend();
  const r = await importModel({
    source: p.source,
    card: p.card,
    cardFile: 'the import card',
    outDir: p.outDir,
    geometry: p.geometry ? geometryOf(p.geometry) : undefined,
  });
  job.progress({ phase: 'import', step: 1, total: 1 });
  return { model: summaryOf(p.name, r.card, false), notes: r.notes };
}

/** The models of the workspace: folders with a card (complete) or only a checkpoint (resumable). */
export async function modelList({ workspace }: { workspace: string }): Promise<ModelListResult> {
  const dir = path.join(workspace, MODELS_FOLDER);
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => !n.startsWith('.')).sort();
  } catch {
    return { workspace, models: [] };
  }
  const models: ModelSummary[] = [];
  for (const name of names) {
    const folder = path.join(dir, name);
    const resumable = await exists(path.join(folder, CHECKPOINT_FILE));
    let card: ModelCard | null = null;
    try {
      card = await readCard(folder);
    } catch {
      if (!resumable) continue; // not a model folder
    }
    models.push(summaryOf(name, card, resumable));
  }
  return { workspace, models };
}

export async function trainStart(
  p: HostParamOverrides['train:start'],
  { job }: MethodContext,
): Promise<TrainResult> {
  const geometry = geometryOf(p.geometry);
  const noise = parseNoiseSpec(p.noise);
  if (!p.resume && (await exists(path.join(p.outDir, CARD_FILE)))) {
    throw new UsageError(`a model named "${p.name}" exists already: choose another name (or resume it)`, {
      name: p.name,
    });
  }
  if (p.resume && !(await exists(path.join(p.outDir, CHECKPOINT_FILE)))) {
    throw new UsageError(`model "${p.name}" has no checkpoint to resume from: start a new training instead`, {
      name: p.name,
    });
  }
  job.progress({ phase: 'prepare', step: 0, total: 1, message: 'starting the backend' });
  await initBackend();
  const r = await train({
    data: p.data.kind === 'ellipses' ? 'ellipses' : p.data.path,
    geometry,
    method: p.method,
    hyper: p.hyper,
    preset: p.preset,
    fbp: { filter: p.filter, cutoff: p.cutoff },
    steps: p.steps,
    epochs: p.epochs,
    batchSize: p.batchSize,
    seed: p.seed,
    learningRate: p.learningRate,
    lrSchedule: p.lrSchedule,
    noise,
    stepsPerEpoch: p.stepsPerEpoch,
    outDir: p.outDir,
    resume: p.resume,
    job,
  });
  r.model.dispose();
  const validation: ValidationPoint[] = r.validation.map((v) => ({ ...v }));
  return {
    model: summaryOf(p.name, r.card ?? null, await exists(path.join(p.outDir, CHECKPOINT_FILE))),
    validation,
    completedSteps: r.training.completedSteps,
    durationSeconds: r.training.durationSeconds,
    medianStepMs: r.training.medianStepMs,
    notes: r.notes,
  };
}
