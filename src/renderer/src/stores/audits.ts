import { defineStore } from 'pinia';
import { ref, shallowRef } from 'vue';
import type { AuditListEntry, AuditRunRequest, AuditRunResult } from '@shared/ipc';
import { connection } from '../api';
import { toUiError, type UiError } from '../lib/errors';
import { useJobsStore } from './jobs';
import { useViewerStore } from './viewer';

export type AuditForm = Omit<AuditRunRequest, 'jobId'>;

/** Audits over folders (the audit runner): run/resume, the workspace's audits, their reports and worst slices. */
export const useAuditsStore = defineStore('audits', () => {
  const audits = ref<AuditListEntry[]>([]);
  const current = shallowRef<AuditRunResult | null>(null);
  const error = ref<UiError | null>(null);
  const note = ref('');
  const busy = ref(false);
  const reportLink = ref<string | null>(null);

  async function load(): Promise<void> {
    if (connection.status !== 'connected') return;
    try {
      audits.value = (await connection.client.invoke('audit:list', undefined)).audits;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  async function run(form: AuditForm): Promise<void> {
    busy.value = true;
    error.value = null;
    note.value = '';
    reportLink.value = null;
    try {
      const r = await useJobsStore().run(
        'audit:run',
        form,
        `${form.resume ? 'Resume' : 'Audit'} ${form.name}`,
      );
      current.value = Object.freeze(r);
      if (r.reportError) note.value = `No PDF: ${r.reportError}.`;
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

  async function open(name: string): Promise<void> {
    if (connection.status !== 'connected') return;
    error.value = null;
    reportLink.value = null;
    try {
      current.value = Object.freeze(await connection.client.invoke('audit:summary', { name }));
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** Builds report.pdf with the engine's report builder (same as the CLI). */
  async function exportReport(name: string): Promise<void> {
    error.value = null;
    note.value = '';
    try {
      const r = await useJobsStore().run('audit:report', { name }, `Report ${name}`);
      if (r.path && current.value?.name === name)
        current.value = Object.freeze({ ...current.value, report: r.path });
      if (!r.path) note.value = `No PDF: ${r.error ?? 'unknown reason'}.`;
      else await openReport(name);
    } catch (e) {
      error.value = toUiError(e);
    } finally {
      await load();
    }
  }

  /** Electron: the system PDF viewer; web mode: a download link (token-protected). */
  async function openReport(name: string): Promise<void> {
    if (connection.status !== 'connected') return;
    try {
      const r = await connection.client.invoke('audit:open-report', { name });
      if (r.downloadUrl) {
        const token = sessionStorage.getItem('ct-audit-token') ?? '';
        reportLink.value = `${r.downloadUrl}?token=${encodeURIComponent(token)}`;
      } else note.value = `Opened ${r.path}.`;
    } catch (e) {
      error.value = toUiError(e);
    }
  }

  /** Shows a worst slice's reference / clean / perturbed / smoothed images in the Viewer. */
  async function viewWorst(name: string, model: string, rank: number): Promise<boolean> {
    if (connection.status !== 'connected') return false;
    try {
      const im = await connection.client.invoke('audit:images', { name, model, rank });
      useViewerStore().pin(Object.freeze(im));
      return true;
    } catch (e) {
      error.value = toUiError(e);
      return false;
    }
  }

  return {
    audits,
    current,
    error,
    note,
    busy,
    reportLink,
    load,
    run,
    open,
    exportReport,
    openReport,
    viewWorst,
  };
});
