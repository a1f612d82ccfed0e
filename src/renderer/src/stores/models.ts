import { defineStore } from 'pinia';
import { reactive, ref, shallowRef } from 'vue';
import {
  IpcEvent,
  type ModelImportRequest,
  type ModelImportResult,
  type ModelSummary,
  type TrainDefaults,
  type TrainResult,
  type TrainStartRequest,
  type ValidationPoint,
} from '@shared/ipc';
import { connection } from '../api';
import { toUiError, type UiError } from '../lib/errors';
import { useJobsStore } from './jobs';

export type TrainForm = Omit<TrainStartRequest, 'jobId'>;

/** Training runs and the models of the workspace; the Train form (kept when the user switches views). */
export const useModelsStore = defineStore('models', () => {
  const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  const form = reactive<TrainForm>({
    name: `model-${stamp}`,
    data: { kind: 'ellipses' },
    method: 'ord',
    preset: 'tiny',
    geometry: { preset: 'demo', size: 64, views: 18 },
    steps: 40,
    batchSize: 2,
    hyper: {},
    noise: 'none',
    seed: 0,
    filter: 'ram-lak',
    cutoff: 1,
    stepsPerEpoch: 10,
    resume: false,
  });
  /** The data folder typed for `data.kind === 'path'`, and the hyperparameters as typed, by method. */
  const dataPath = ref('');
  const hyperText = reactive<Record<string, Record<string, string>>>({});
  const defaults = shallowRef<TrainDefaults | null>(null);
  const models = ref<ModelSummary[]>([]);
  const workspace = ref('');
  const error = ref<UiError | null>(null);
  const note = ref('');
  const running = ref<string | null>(null);
  /** Live curves of the current (or last) run. */
  const loss = shallowRef<[number, number][]>([]);
  const validation = shallowRef<ValidationPoint[]>([]);
  const last = shallowRef<TrainResult | null>(null);
  /** A resumed run: the checkpoint step it continued from (seen in its first progress event). */
  const resumedFrom = ref<number | null>(null);
  let currentJob: string | null = null;
  let resuming = false;
  let listening = false;

  function listen(): void {
    if (listening || connection.status !== 'connected') return;
    listening = true;
    connection.client.on(IpcEvent.JobProgress, (p) => {
      if (p.jobId !== currentJob || !p.metrics) return;
      if (p.phase === 'train' && resuming) {
        resuming = false;
        resumedFrom.value = p.step - 1;
      }
      if (p.phase === 'train' && Number.isFinite(p.metrics.loss)) {
        loss.value = [...loss.value, [p.step, p.metrics.loss]];
      } else if (p.phase === 'validate') {
        const m = p.metrics;
        validation.value = [
          ...validation.value.filter((v) => v.step !== m.step),
          {
            epoch: m.epoch,
            step: m.step,
            psnr: m.psnr,
            ssim: m.ssim,
            fbpPsnr: m.fbpPsnr,
            fbpSsim: m.fbpSsim,
            slices: m.slices,
          },
        ];
      }
    });
  }

  async function load(): Promise<void> {
    if (connection.status !== 'connected') return;
    listen();
    try {
      defaults.value ??= Object.freeze(await connection.client.invoke('train:defaults', undefined));
      const list = await connection.client.invoke('model:list', undefined);
      models.value = list.models;
      workspace.value = list.workspace;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** The last import's result (its notes, e.g. why a model is black-box). */
  const imported = shallowRef<ModelImportResult | null>(null);
  const importing = ref(false);
  const importError = ref<UiError | null>(null);

  /** Imports a network with its card into the workspace (model:import); true when it worked. */
  async function importNetwork(request: Omit<ModelImportRequest, 'jobId'>): Promise<boolean> {
    importError.value = null;
    imported.value = null;
    importing.value = true;
    try {
      imported.value = Object.freeze(
        await useJobsStore().run('model:import', request as never, `Import ${request.name}`),
      );
      return true;
    } catch (e) {
      importError.value = toUiError(e);
      return false;
    } finally {
      importing.value = false;
      await load();
    }
  }

  async function train(form: TrainForm): Promise<void> {
    listen();
    error.value = null;
    note.value = '';
    if (!form.resume) {
      loss.value = [];
      validation.value = [];
    }
    running.value = form.name;
    resuming = form.resume;
    resumedFrom.value = null;
    const jobs = useJobsStore();
    try {
      const r = await jobs.run(
        'train:start',
        form,
        `${form.resume ? 'Resume' : 'Train'} ${form.name}`,
        (id) => {
          currentJob = id;
        },
      );
      last.value = Object.freeze(r);
      validation.value = r.validation;
    } catch (e) {
      const ui = toUiError(e);
      if (ui.code === 'CANCELLED')
        note.value = `Training of ${form.name} stopped; its checkpoint is kept: press Resume to continue.`;
      else error.value = ui;
    } finally {
      running.value = null;
      await load();
    }
  }

  return {
    form,
    dataPath,
    hyperText,
    defaults,
    models,
    workspace,
    error,
    note,
    running,
    loss,
    validation,
    last,
    resumedFrom,
    imported,
    importing,
    importError,
    load,
    train,
    importNetwork,
  };
});
