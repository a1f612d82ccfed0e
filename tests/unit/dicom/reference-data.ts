/**
 * The DICOM reference set and its expected.json (pydicom/GDCM reference values): the shared set when present,
 * else the vendored subset in tests/fixtures/dicom (tests/helpers/dicom-data.ts decides).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DICOM_DIR, dicomPath } from '../../helpers/dicom-data';

export const DATA_DIR = DICOM_DIR;

export interface RefSample {
  frame: number;
  row: number;
  col: number;
  raw: number;
  hu: number;
}

export interface RefHu {
  decoder: string;
  frames: number;
  min: number;
  max: number;
  mean: number;
  std: number;
  n_pixels: number;
  raw_min: number;
  raw_max: number;
  raw_sha256_int32le: string;
  samples: RefSample[];
  per_frame?: { frame: number; min: number; max: number; mean: number }[];
  padding?: {
    pixel_padding_value: number;
    pixel_padding_range_limit: number | null;
    n_padding_pixels: number;
    min_excluding_padding: number;
    max_excluding_padding: number;
    mean_excluding_padding: number;
  };
  identical_pixels_to?: string[];
}

export interface RefEntry {
  category: 'ct-single' | 'ct-series' | 'non-ct' | 'broken';
  note: string;
  header?: {
    modality: string | null;
    transfer_syntax_uid: string | null;
    rows: number | null;
    columns: number | null;
    instance_number: number | null;
    image_position_patient: number[] | null;
    image_orientation_patient: number[] | null;
    series_instance_uid: string | null;
    pixel_spacing: number[] | null;
    window_center: number[] | number | null;
    window_width: number[] | number | null;
  };
  hu?: RefHu | null;
  hu_gdcm?: RefHu | null;
  family_reference?: string;
}

export const EXPECTED = JSON.parse(readFileSync(join(DATA_DIR, 'expected.json'), 'utf8')) as Record<
  string,
  RefEntry
>;

export const dataPath = dicomPath;

/** Relative error |a - b| / max(1, |b|). */
export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(1, Math.abs(b));
}
