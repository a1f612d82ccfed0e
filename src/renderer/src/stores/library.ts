import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { IpcEvent, type DicomScanResult, type DicomSeriesSummary, type FsListResult } from '@shared/ipc';
import { connection } from '../api';
import { toUiError, type UiError } from '../lib/errors';
import { useJobsStore } from './jobs';

export interface ScanView {
  id: number;
  paths: string[];
  state: 'scanning' | 'done' | 'failed';
  result: DicomScanResult | null;
  error: UiError | null;
}

/** What the user opened: scans (newest first), their series and per-file problems. */
export const useLibraryStore = defineStore('library', () => {
  const scans = ref<ScanView[]>([]);
  const browser = shallowRef<FsListResult | null>(null);
  const browserError = ref<UiError | null>(null);
  let nextId = 1;

  const series = computed<DicomSeriesSummary[]>(() => scans.value.flatMap((s) => s.result?.series ?? []));

  function seriesByKey(key: string): DicomSeriesSummary | undefined {
    return series.value.find((s) => s.key === key);
  }

  /** Scans files/folders (already picked: dialog, drop, or inside the server's folders). */
  async function open(paths: string[]): Promise<ScanView | undefined> {
    const clean = paths.map((p) => p.trim()).filter((p) => p !== '');
    if (clean.length === 0) return undefined;
    const scan: ScanView = { id: nextId++, paths: clean, state: 'scanning', result: null, error: null };
    scans.value.unshift(scan);
    const view = scans.value[0];
    const label = clean.length === 1 ? `Scan ${clean[0].split(/[\\/]/).pop()}` : `Scan ${clean.length} items`;
    try {
      view.result = Object.freeze(await useJobsStore().run('dicom:scan', { paths: clean }, label));
      view.state = 'done';
    } catch (e) {
      view.state = 'failed';
      view.error = toUiError(e);
    }
    return view;
  }

  /** Electron: the native dialog, then a scan of what was picked. */
  async function openDialog(kind: 'files' | 'folder'): Promise<void> {
    if (connection.status !== 'connected') return;
    try {
      const r = await connection.client.invoke('dialog:open-dicom', { kind });
      if (r.paths.length > 0) await open(r.paths);
    } catch (e) {
      browserError.value = toUiError(e);
    }
  }

  /** Web mode's server-side picker: lists a folder inside the shared roots (no path: the roots). */
  async function browse(path?: string): Promise<void> {
    if (connection.status !== 'connected') return;
    browserError.value = null;
    try {
      browser.value = await connection.client.invoke('fs:list', path === undefined ? {} : { path });
    } catch (e) {
      browserError.value = toUiError(e);
    }
  }

  function remove(id: number): void {
    scans.value = scans.value.filter((s) => s.id !== id);
  }

  function start(): void {
    if (connection.status !== 'connected') return;
    connection.client.on(IpcEvent.PathsOpened, (r) => void open(r.paths));
    connection.client.onDroppedPaths?.((paths) => void open(paths));
  }

  return { scans, series, seriesByKey, browser, browserError, open, openDialog, browse, remove, start };
});
