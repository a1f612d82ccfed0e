import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { RobustnessResult, RobustnessRunRequest } from '@shared/ipc';
import { toUiError, type UiError } from '../lib/errors';
import { useAuditSettingsStore } from './audit-settings';
import { useJobsStore } from './jobs';

/** A one-slice result with the slice it belongs to and the settings it ran with. */
export interface SliceResult extends RobustnessResult {
  seriesKey: string;
  index: number;
  /** Slices in the series when it ran (for "slice i of n"). */
  sliceCount: number;
  file: string;
  /** The request's settings as JSON: a result is reused only for the same settings. */
  settingsKey: string;
}

/** Results kept for scrolling back and forth between slices. */
const CACHE_SIZE = 12;

function sliceKey(seriesKey: string, index: number, settingsKey: string): string {
  return `${seriesKey}\u0000${index}\u0000${settingsKey}`;
}

/**
 * The one-slice audit (`robustness:run`: the folder audit's evaluation unit on one slice, every selected model
 * and the FBP baseline) and the comparison view's state: results per slice and settings (scrolling keeps the
 * panes or recomputes them), the selected grid point, images or difference maps.
 */
export const useAuditStore = defineStore('audit', () => {
  const cache = shallowRef(new Map<string, SliceResult>());
  /** The result on screen (may belong to another slice than the Viewer's; the view says so). */
  const shown = shallowRef<SliceResult | null>(null);
  /** The Audit view's tab (kept when the user switches views). */
  const tab = ref<'slice' | 'folder'>('slice');
  /** The settings form folded away, so the comparison takes the width. */
  const formCollapsed = ref(false);
  const epsIndex = ref(0);
  const display = ref<'images' | 'difference'>('images');
  /** Recompute when the slice changes and no result of that slice (same settings) exists. */
  const auto = ref(false);
  const error = ref<UiError | null>(null);
  const note = ref('');
  const busy = ref(false);
  /** The slice being computed, and the one asked for while busy (run next). */
  const running = ref<{ seriesKey: string; index: number } | null>(null);
  let pending: { seriesKey: string; index: number; sliceCount: number; file: string } | null = null;

  const settingsKey = computed(() => {
    const s = useAuditSettingsStore();
    return JSON.stringify({
      models: s.modelRefs(8),
      geometry: s.geometry,
      noise: s.noise,
      seed: s.seed,
      attack: s.attack,
      certification: s.certification,
    });
  });

  function cached(seriesKey: string, index: number): SliceResult | null {
    return cache.value.get(sliceKey(seriesKey, index, settingsKey.value)) ?? null;
  }

  function remember(r: SliceResult): void {
    const next = new Map(cache.value);
    const key = sliceKey(r.seriesKey, r.index, r.settingsKey);
    next.delete(key);
    next.set(key, r);
    while (next.size > CACHE_SIZE) next.delete(next.keys().next().value as string);
    cache.value = next;
  }

  function show(r: SliceResult): void {
    shown.value = r;
    const grid = r.models[0]?.lines.length ?? 1;
    if (epsIndex.value >= grid) epsIndex.value = grid - 1;
  }

  async function run(seriesKey: string, index: number, sliceCount: number, file: string): Promise<void> {
    if (busy.value) {
      pending = { seriesKey, index, sliceCount, file };
      return;
    }
    const s = useAuditSettingsStore();
    busy.value = true;
    running.value = { seriesKey, index };
    error.value = null;
    note.value = '';
    const key = settingsKey.value;
    try {
      const request: Omit<RobustnessRunRequest, 'jobId'> = {
        models: s.modelRefs(8),
        geometry: s.geometry,
        source: { seriesKey, index },
        noise: s.noise,
        seed: s.seed,
        ...s.requestSettings(),
      };
      const r = await useJobsStore().run('robustness:run', request, `Audit slice ${index + 1}`);
      const result: SliceResult = Object.freeze({
        ...r,
        seriesKey,
        index,
        sliceCount,
        file,
        settingsKey: key,
      });
      remember(result);
      show(result);
    } catch (e) {
      const ui = toUiError(e);
      if (ui.code === 'CANCELLED') note.value = 'Cancelled: no result was kept for that slice.';
      else error.value = ui;
      pending = null;
    } finally {
      busy.value = false;
      running.value = null;
    }
    const next = pending;
    pending = null;
    if (next && !cached(next.seriesKey, next.index)) {
      await run(next.seriesKey, next.index, next.sliceCount, next.file);
    } else if (next) show(cached(next.seriesKey, next.index)!);
  }

  /**
   * The Viewer moved to another slice: show its result when there is one for the current settings, compute it
   * when `auto` is on, else keep the panes of the slice they show (the view labels them with their slice).
   */
  async function sliceChanged(
    seriesKey: string,
    index: number,
    sliceCount: number,
    file: string,
  ): Promise<void> {
    const hit = cached(seriesKey, index);
    if (hit) show(hit);
    else if (auto.value) await run(seriesKey, index, sliceCount, file);
  }

  return {
    cache,
    shown,
    tab,
    formCollapsed,
    epsIndex,
    display,
    auto,
    error,
    note,
    busy,
    running,
    settingsKey,
    cached,
    run,
    show,
    sliceChanged,
  };
});
