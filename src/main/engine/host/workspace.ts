/**
 * The workspace layout (DESIGN.md section 5): `<workspace>/models/<name>/` holds a trained model (tfjs
 * model.json + weights + card.json, and the training checkpoint); `<workspace>/audits/<name>/` an audit
 * (spec.json, manifest.json, results.jsonl, summary.json, images/, report.pdf). No engine imports: Electron main and
 * the server resolve model names with it without loading tfjs.
 */
import path from 'node:path';

export const MODELS_FOLDER = 'models';
export const AUDITS_FOLDER = 'audits';

export function modelDir(workspace: string, name: string): string {
  return path.join(workspace, MODELS_FOLDER, name);
}

export function auditDir(workspace: string, name: string): string {
  return path.join(workspace, AUDITS_FOLDER, name);
}
