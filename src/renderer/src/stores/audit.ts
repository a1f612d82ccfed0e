import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { ModelRef, RobustnessResult, RobustnessRunRequest } from '@shared/ipc';
import { toUiError, type UiError } from '../lib/errors';
import { useJobsStore } from './jobs';

export type RobustnessSettings = Omit<RobustnessRunRequest, 'jobId' | 'source' | 'model'>;

/**
 * The robustness check of one slice (attack over an eps grid + certification). The full audit over
 * folders, with its report, belongs to the audit runner; this is its single-slice, interactive form.
 */
export const useAuditStore = defineStore('audit', () => {
  const model = ref<ModelRef>({ kind: 'fbp' });
  const settings = ref<RobustnessSettings>({
    geometry: { preset: 'demo' },
    noise: 'none',
    seed: 0,
    attack: { kind: 'pga-y', eps: '0.5%,1%,2%', steps: 20 },
    certify: { space: 'x', sigmas: [0.02], samples: 50, confidence: 0.99, eps: '0.5%' },
  });
  const result = shallowRef<(RobustnessResult & { seriesKey: string; index: number }) | null>(null);
  const error = ref<UiError | null>(null);
  const note = ref('');
  const busy = ref(false);

  async function run(seriesKey: string, index: number): Promise<void> {
    busy.value = true;
    error.value = null;
    note.value = '';
    try {
      const r = await useJobsStore().run(
        'robustness:run',
        { ...settings.value, model: model.value, source: { seriesKey, index } },
        `Attack + certify slice ${index + 1}`,
      );
      result.value = Object.freeze({ ...r, seriesKey, index });
    } catch (e) {
      const ui = toUiError(e);
      if (ui.code === 'CANCELLED') note.value = 'Cancelled: no result was kept.';
      else error.value = ui;
    } finally {
      busy.value = false;
    }
  }

  return { model, settings, result, error, note, busy, run };
});
