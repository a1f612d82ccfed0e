/** How a workspace model is described in lists (Train's model table, the audit form's model choice). */
import type { ModelSummary } from '@shared/ipc';

/** The network: "tiny" (a trained preset) or "imported onnx, white-box"; null when unknown. */
export function networkText(m: Pick<ModelSummary, 'preset' | 'imported'>): string | null {
  return m.imported ? `imported ${m.imported.format}, ${m.imported.access}` : m.preset;
}

/** Method and network: "ord, tiny"; an imported network has no training method. */
export function modelText(m: Pick<ModelSummary, 'method' | 'preset' | 'imported'>): string {
  return [m.imported ? null : m.method, networkText(m)].filter(Boolean).join(', ') || '–';
}
