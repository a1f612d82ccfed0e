import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { WINDOW_PRESETS } from '@shared/units';
import type {
  AuditImagesResult,
  DicomSliceResult,
  FbpReconstructResult,
  FbpSeriesResult,
  FilterNameWire,
  GeometryChoice,
} from '@shared/ipc';
import { connection } from '../api';
import { difference, type FloatImage, type WindowLevel } from '@shared/display/image';
import { toUiError, type UiError } from '../lib/errors';
import { DEFAULT_VIEWPORT, type Viewport } from '@shared/display/viewport';
import { useJobsStore } from './jobs';

export type Tool = 'window' | 'pan' | 'zoom' | 'roi';

export interface NamedWindow extends WindowLevel {
  name: string;
}

export interface FbpSettings {
  geometry: GeometryChoice;
  filter: FilterNameWire;
  cutoff: number;
  noise: string;
  seed: number;
}

/** A rectangle in FOV fractions (see lib/viewport.ts), shared by every pane. */
export interface FovRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Half-range of a symmetric colour scale for `v`: its largest magnitude, to two significant digits (1 if 0). */
export function peakOf(v: ArrayLike<number>): number {
  let peak = 0;
  for (let i = 0; i < v.length; i++) peak = Math.max(peak, Math.abs(v[i]));
  return peak > 0 ? Number(peak.toPrecision(2)) : 1;
}

/** The viewer: one slice, its reconstructions, and the shared view state (window, zoom/pan, cursor, ROI). */
export const useViewerStore = defineStore('viewer', () => {
  const seriesKey = ref<string | null>(null);
  const sliceCount = ref(0);
  const index = ref(0);
  const slice = shallowRef<DicomSliceResult | null>(null);
  /** The index of the slice whose pixels are on screen (index is the one asked for; they differ while loading). */
  const shownIndex = computed(() =>
    slice.value && slice.value.seriesKey === seriesKey.value ? slice.value.index : null,
  );
  const loading = ref(false);
  const error = ref<UiError | null>(null);

  const win = ref<NamedWindow>({ ...WINDOW_PRESETS['soft-tissue'] });
  const viewport = ref<Viewport>({ ...DEFAULT_VIEWPORT });
  const tool = ref<Tool>('window');
  /** Cursor position in FOV fractions (null: not over a pane). */
  const hover = ref<{ fx: number; fy: number } | null>(null);
  const roi = ref<FovRect | null>(null);
  /** Half-range of the difference map's colour scale, HU. */
  const diffRange = ref(200);

  const settings = ref<FbpSettings>({
    geometry: { preset: 'demo' },
    filter: 'ram-lak',
    cutoff: 1,
    noise: 'none',
    seed: 0,
  });
  const fbp = shallowRef<(FbpReconstructResult & { seriesKey: string; index: number }) | null>(null);
  const fbpError = ref<UiError | null>(null);
  /** A neutral note about the last FBP run (e.g. that it was cancelled). */
  const fbpNote = ref('');
  const seriesResult = shallowRef<(FbpSeriesResult & { seriesKey: string }) | null>(null);
  const busy = ref(false);
  /** Which panes: the FBP baseline, or a pinned audit slice (clean / perturbed / smoothed). */
  const layout = ref<'fbp' | 'robustness'>('fbp');

  /** The FBP result belongs to the slice on screen. */
  const fbpCurrent = computed(
    () => fbp.value !== null && fbp.value.seriesKey === seriesKey.value && fbp.value.index === index.value,
  );

  const native = computed<FloatImage | null>(() =>
    slice.value
      ? {
          width: slice.value.columns,
          height: slice.value.rows,
          data: slice.value.hu,
          mask: slice.value.paddingMask,
          unit: 'HU',
        }
      : null,
  );
  const reference = computed<FloatImage | null>(() => {
    const f = fbp.value;
    if (!f || !fbpCurrent.value) return null;
    const n = f.geometry.size;
    return { width: n, height: n, data: f.reference, unit: 'HU' };
  });
  const fbpImage = computed<FloatImage | null>(() => {
    const f = fbp.value;
    if (!f || !fbpCurrent.value) return null;
    const n = f.geometry.size;
    return { width: n, height: n, data: f.fbp, unit: 'HU' };
  });
  const diffImage = computed<FloatImage | null>(() =>
    reference.value && fbpImage.value ? difference(fbpImage.value, reference.value) : null,
  );
  const sinogram = computed<FloatImage | null>(() => {
    const f = fbp.value;
    if (!f || !fbpCurrent.value) return null;
    return { width: f.geometry.detectors, height: f.geometry.views, data: f.sinogram, unit: 'line integral' };
  });

  /** A worst slice of an audit shown in the robustness panes, whatever the Library slice on screen. */
  const pinned = shallowRef<AuditImagesResult | null>(null);

  function pin(im: AuditImagesResult): void {
    pinned.value = im;
    layout.value = 'robustness';
  }

  /** The images of the pinned worst slice (reference, clean, perturbed, smoothed, change, perturbation). */
  const robustnessImages = computed(() => {
    const p = pinned.value;
    if (!p) return null;
    const img = (data: Float32Array): FloatImage => ({ width: p.size, height: p.size, data, unit: 'HU' });
    const clean = img(p.clean);
    const perturbed = img(p.perturbed);
    return {
      reference: img(p.reference),
      clean,
      perturbed,
      smoothed: p.smoothed ? img(p.smoothed) : null,
      change: difference(perturbed, clean),
      perturbation: {
        width: p.detectors,
        height: p.views,
        data: p.perturbation,
        unit: 'line integral' as const,
      },
      perturbationRange: peakOf(p.perturbation),
    };
  });

  async function loadSlice(key: string, i: number, count?: number): Promise<void> {
    if (connection.status !== 'connected') return;
    const changedSeries = key !== seriesKey.value;
    pinned.value = null;
    seriesKey.value = key;
    if (count !== undefined) sliceCount.value = count;
    index.value = i;
    loading.value = true;
    error.value = null;
    try {
      const s = await connection.client.invoke('dicom:slice', { seriesKey: key, index: i });
      // A newer request may have moved on while this one was in flight.
      if (seriesKey.value !== key || index.value !== i) return;
      slice.value = Object.freeze(s);
      if (changedSeries) {
        viewport.value = { ...DEFAULT_VIEWPORT };
        roi.value = null;
        if (s.window) win.value = { name: 'file', center: s.window.center, width: s.window.width };
      }
    } catch (e) {
      error.value = toUiError(e);
    } finally {
      loading.value = false;
    }
  }

  function step(delta: number): void {
    if (!seriesKey.value || sliceCount.value === 0) return;
    const next = Math.max(0, Math.min(sliceCount.value - 1, index.value + delta));
    if (next !== index.value) void loadSlice(seriesKey.value, next);
  }

  function setPreset(name: string): void {
    if (name === 'file' && slice.value?.window) {
      win.value = { name: 'file', center: slice.value.window.center, width: slice.value.window.width };
      return;
    }
    const p = WINDOW_PRESETS[name];
    if (p) win.value = { name, center: p.center, width: p.width };
  }

  function adjustWindow(dCenter: number, dWidth: number): void {
    win.value = {
      name: 'custom',
      center: Math.round(win.value.center + dCenter),
      width: Math.max(1, Math.round(win.value.width + dWidth)),
    };
  }

  /** A cancel is the user's own choice: a note, not an error. */
  function failed(e: unknown): void {
    const ui = toUiError(e);
    if (ui.code === 'CANCELLED') fbpNote.value = 'Cancelled: nothing was computed for the remaining slices.';
    else fbpError.value = ui;
  }

  async function reconstruct(): Promise<void> {
    if (!seriesKey.value) return;
    const key = seriesKey.value;
    const i = index.value;
    busy.value = true;
    fbpError.value = null;
    fbpNote.value = '';
    try {
      const r = await useJobsStore().run(
        'fbp:reconstruct',
        { source: { seriesKey: key, index: i }, ...settings.value },
        `FBP of slice ${i + 1}`,
      );
      fbp.value = Object.freeze({ ...r, seriesKey: key, index: i });
    } catch (e) {
      failed(e);
    } finally {
      busy.value = false;
    }
  }

  async function reconstructSeries(): Promise<void> {
    if (!seriesKey.value) return;
    const key = seriesKey.value;
    busy.value = true;
    fbpError.value = null;
    fbpNote.value = '';
    try {
      const r = await useJobsStore().run(
        'fbp:series',
        { seriesKey: key, ...settings.value },
        `FBP of ${sliceCount.value} slices`,
      );
      seriesResult.value = Object.freeze({ ...r, seriesKey: key });
    } catch (e) {
      failed(e);
    } finally {
      busy.value = false;
    }
  }

  function resetView(): void {
    viewport.value = { ...DEFAULT_VIEWPORT };
  }

  return {
    seriesKey,
    sliceCount,
    index,
    slice,
    loading,
    error,
    win,
    viewport,
    tool,
    hover,
    roi,
    diffRange,
    settings,
    fbp,
    fbpError,
    fbpNote,
    fbpCurrent,
    seriesResult,
    busy,
    layout,
    pinned,
    pin,
    robustnessImages,
    shownIndex,
    native,
    reference,
    fbpImage,
    diffImage,
    sinogram,
    loadSlice,
    step,
    setPreset,
    adjustWindow,
    reconstruct,
    reconstructSeries,
    resetView,
  };
});
