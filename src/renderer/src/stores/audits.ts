import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type {
  AuditListEntry,
  AuditRunRequest,
  AuditRunResult,
  AuditWhere,
  BatchRecordWire,
  BatchRunRequest,
} from '@shared/ipc';
import { connection } from '../api';
import { toUiError, type UiError } from '../lib/errors';
import { useJobsStore } from './jobs';
import { useViewerStore } from './viewer';

export type AuditForm = Omit<AuditRunRequest, 'jobId'>;
export type BatchForm = Omit<BatchRunRequest, 'jobId'>;

/**
 * Audits over data sets and batches (the audit runner): run/resume, the workspace's audits and batches,
 * their reports and worst slices.
 */
export const useAuditsStore = defineStore('audits', () => {
  const audits = ref<AuditListEntry[]>([]);
  const current = shallowRef<AuditRunResult | null>(null);
  /** Which folder `current` is (an audit, a batch's overall audit, or one series of a batch). */
  const where = shallowRef<AuditWhere>({ name: '' });
  /** The batch shown in the Batch view (files, series table). */
  const batch = shallowRef<{ name: string; record: BatchRecordWire } | null>(null);
  const error = ref<UiError | null>(null);
  const note = ref('');
  const busy = ref(false);
  const reportLink = ref<string | null>(null);
  /** The job of the batch started from this window (its progress shows in the Batch view). */
  const batchJobId = ref<string | null>(null);

  function client() {
    return connection.status === 'connected' ? connection.client : undefined;
  }

  function start(): void {
    busy.value = true;
    error.value = null;
    note.value = '';
    reportLink.value = null;
  }

  async function load(): Promise<void> {
    const c = client();
    if (!c) return;
    try {
      audits.value = (await c.invoke('audit:list', undefined)).audits;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function run(form: AuditForm): Promise<void> {
    start();
    try {
      const r = await useJobsStore().run(
        'audit:run',
        form,
        `${form.resume ? 'Resume' : 'Audit'} ${form.name}`,
      );
      current.value = Object.freeze(r);
      where.value = { name: form.name, kind: 'audit' };
      if (r.reportError && r.reportError !== 'not requested') note.value = `No PDF: ${r.reportError}.`;
    } catch (e) {
      const ui = toUiError(e);
      if (ui.code === 'CANCELLED')
        note.value = `Audit ${form.name} stopped; completed slices are kept: Resume continues it.`;
      else error.value = ui;
    } finally {
      busy.value = false;
      await load();
    }
  }

  async function runBatch(form: BatchForm): Promise<void> {
    start();
    try {
      const r = await useJobsStore().run(
        'batch:run',
        form,
        `${form.resume ? 'Resume' : 'Batch'} ${form.name}`,
        (id) => (batchJobId.value = id),
      );
      batch.value = Object.freeze({ name: r.name, record: r.record });
      current.value = r.overall ? Object.freeze(r.overall) : null;
      where.value = { name: form.name, kind: 'batch' };
      const err = r.overall?.reportError;
      if (err && err !== 'not requested') note.value = `No PDF: ${err}.`;
    } catch (e) {
      const ui = toUiError(e);
      if (ui.code === 'CANCELLED')
        note.value = `Batch ${form.name} stopped; finished series and slices are kept: Resume continues it.`;
      else error.value = ui;
    } finally {
      busy.value = false;
      await load();
    }
  }

  /** A finished audit, a batch (its record and overall audit), or one series of a batch. */
  async function open(w: AuditWhere): Promise<void> {
    const c = client();
    if (!c) return;
    error.value = null;
    reportLink.value = null;
    try {
      if (w.kind === 'batch' && !w.series) {
        const r = await c.invoke('batch:get', w);
        batch.value = Object.freeze({ name: r.name, record: r.record });
        current.value = r.overall ? Object.freeze(r.overall) : null;
      } else {
        current.value = Object.freeze(await c.invoke('audit:summary', w));
      }
      where.value = w;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** Electron: the system PDF viewer; web mode: a download link (token-protected). */
  async function openReport(w: AuditWhere): Promise<void> {
    const c = client();
    if (!c) return;
    try {
      const r = await c.invoke('audit:open-report', w);
      if (r.downloadUrl) {
        const token = sessionStorage.getItem('ct-audit-token') ?? '';
        reportLink.value = `${r.downloadUrl}?token=${encodeURIComponent(token)}`;
      } else note.value = `Opened ${r.path}.`;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** Builds report.pdf with the engine's report builder (same as the CLI), then opens it. */
  async function exportReport(w: AuditWhere): Promise<void> {
    error.value = null;
    note.value = '';
    try {
      const r = await useJobsStore().run('audit:report', w, `Report ${w.series ?? w.name}`);
      if (r.path && current.value) current.value = Object.freeze({ ...current.value, report: r.path });
      if (!r.path) note.value = `No PDF: ${r.error ?? 'unknown reason'}.`;
      else await openReport(w);
    } catch (e) {
      error.value = toUiError(e);
    } finally {
      await load();
    }
  }

  /** Shows a worst slice's reference / clean / perturbed / smoothed images in the Viewer. */
  async function viewWorst(w: AuditWhere, model: string, rank: number): Promise<boolean> {
    const c = client();
    if (!c) return false;
    try {
      useViewerStore().pin(Object.freeze(await c.invoke('audit:images', { ...w, model, rank })));
      return true;
    } catch (e) {
      error.value = toUiError(e);
      return false;
    }
  }

  return {
    audits,
    current,
    where,
    batch,
    error,
    note,
    busy,
    batchJobId,
    reportLink,
    load,
    run,
    runBatch,
    open,
    exportReport,
    openReport,
    viewWorst,
  };
});
