/**
 * The engine host's memory of what the user opened: series found by `dicom:scan`, addressed by opaque
 * keys, and a small cache of decoded images so that paging through a series does not decode a file
 * twice. Pixels are read again from disk on demand: a scan keeps only file names and slice order, so a
 * large folder does not stay decoded in memory.
 */
import { InputError } from '@shared/errors';
import type { DicomImage, DicomSeries } from '@shared/dicom-types';
import { readDicomFile } from '../dicom';
import { LruCache } from '../data/lru';

export interface StoredSlice {
  file: string;
  frameIndex: number;
  positionMm: number | null;
}

export interface StoredSeries {
  key: string;
  /** The folder the scan started from, for file names relative to it. */
  base: string;
  slices: StoredSlice[];
}

/** How many series the host remembers (oldest forgotten first) and how many decoded images it caches. */
const MAX_SERIES = 256;
const MAX_IMAGES = 48;

export class SeriesStore {
  private readonly series = new LruCache<string, StoredSeries>(MAX_SERIES);
  private readonly images = new LruCache<string, Promise<DicomImage> | undefined>(MAX_IMAGES);
  private counter = 0;

  /** Remembers a scanned series (file names and slice order; the scan decoded no pixel). */
  add(s: DicomSeries, base: string): StoredSeries {
    this.counter += 1;
    const key = `s${this.counter}`;
    const stored: StoredSeries = {
      key,
      base,
      slices: s.slices.map((sl) => ({
        file: sl.image.file,
        frameIndex: sl.frameIndex,
        positionMm: sl.position,
      })),
    };
    this.series.set(key, stored);
    return stored;
  }

  get(key: string): StoredSeries {
    const s = this.series.get(key);
    if (!s) {
      throw new InputError(
        `series ${key} is not open any more (the engine was restarted or many series were opened since): open its folder again`,
        { seriesKey: key },
      );
    }
    return s;
  }

  slice(key: string, index: number): { series: StoredSeries; slice: StoredSlice } {
    const series = this.get(key);
    const slice = series.slices[index];
    if (!slice) {
      throw new InputError(
        `series ${key} has ${series.slices.length} slice(s); slice ${index + 1} does not exist`,
        {
          seriesKey: key,
          index,
        },
      );
    }
    return { series, slice };
  }

  /** The decoded image of a file, from the cache or read again (a failed read is not cached). */
  async image(file: string): Promise<DicomImage> {
    const cached = this.images.get(file);
    if (cached) return cached;
    const p = readDicomFile(file);
    this.images.set(file, p);
    // Forget a failed read, so that a file fixed on disk is read again next time.
    p.catch(() => {
      if (this.images.get(file) === p) this.images.set(file, undefined);
    });
    return p;
  }
}
