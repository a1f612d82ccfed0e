/**
 * Training and audit data as slices: a DataSource lists slices (finite sources) or generates them
 * (random-ellipse phantoms, unlimited) and loads one on demand as canonical x (DESIGN.md section 3:
 * x = max(0, 1 + HU/1000), N x N row-major). Nothing is loaded until asked for, so a folder of any size
 * streams through a small cache.
 */
import { InputError } from '@shared/errors';

export type DataSourceKind = 'ellipses' | 'npy' | 'dicom' | 'idx';

/** One slice of a source. */
export interface SliceRef {
  /** Stable, human-readable id, e.g. `ellipses:7/train/12`, `stack.npy#3`, `<series hash>/03.dcm#0`. */
  readonly id: string;
  /**
   * The unit the train/validation split keeps together: the series (DICOM), the file (npy), the phantom
   * (ellipses). Never split: two slices of one group are always on the same side.
   */
  readonly group: string;
}

export interface DataSource {
  readonly kind: DataSourceKind;
  /** What the user passed (`--data`), for messages and the model card. */
  readonly spec: string;
  /** One line for logs and the model card; no patient identifiers. */
  readonly description: string;
  /** Every slice of a finite source, in a deterministic order; undefined for an unlimited source. */
  readonly refs: readonly SliceRef[] | undefined;
  /** Problems found while indexing (files skipped and why), in order. */
  readonly warnings: readonly string[];
  /**
   * The slice as canonical x resampled to N x N (row-major). Throws InputError naming the source and the
   * slice when it holds NaN or infinite values.
   */
  load(ref: SliceRef, N: number): Promise<Float32Array>;
  /** Unlimited sources: the i-th generated slice of a named stream ('train', 'validation', ...). */
  generated?(stream: string, index: number): SliceRef;
}

/** Throws InputError unless every value is finite; names the source, the slice and the first bad pixel. */
export function checkFiniteSlice(where: string, x: Float32Array, N: number): void {
  for (let k = 0; k < x.length; k++) {
    if (!Number.isFinite(x[k])) {
      const i = Math.floor(k / N);
      const j = k % N;
      throw new InputError(
        `${where}: pixel (row ${i}, column ${j}) is ${x[k]}; training data must be finite (fix or remove this slice)`,
        { where, row: i, column: j },
      );
    }
  }
}
