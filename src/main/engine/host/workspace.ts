/**
 * The workspace layout (DESIGN.md section 5): `<workspace>/models/<name>/` holds a trained model (tfjs
 * model.json + weights + card.json, and the training checkpoint); `<workspace>/audits/<name>/` an audit
 * (spec.json, manifest.json, results.jsonl, summary.json, images/, report.pdf). No engine imports: Electron main and
 * the server resolve model names with it without loading tfjs.
 */
import path from 'node:path';

export const MODELS_FOLDER = 'models';
export const AUDITS_FOLDER = 'audits';
export const BATCHES_FOLDER = 'batches';
/** Series audits inside a batch folder (engine/audit/batch.ts SERIES_DIR). */
export const BATCH_SERIES_FOLDER = 'series';

export function modelDir(workspace: string, name: string): string {
  return path.join(workspace, MODELS_FOLDER, name);
}

export function auditDir(workspace: string, name: string): string {
  return path.join(workspace, AUDITS_FOLDER, name);
}

export function batchDir(workspace: string, name: string): string {
  return path.join(workspace, BATCHES_FOLDER, name);
}

/** The folder of an audit, a batch, or one series of a batch (names are checked by the IPC schemas). */
export function auditFolder(
  workspace: string,
  where: { name: string; kind?: 'audit' | 'batch'; series?: string },
): string {
  if (where.kind !== 'batch') return auditDir(workspace, where.name);
  const dir = batchDir(workspace, where.name);
  return where.series ? path.join(dir, BATCH_SERIES_FOLDER, where.series) : dir;
}
