/**
 * data: slices for training and audits, streamed (DESIGN.md sections 3-4).
 *   openDataSource(spec, { seed, allowNonCt })  'ellipses' | 'fashion-mnist[:train|:test]' | x.npy | folder of
 *                                                .npy | folder of IDX images | DICOM file/folder
 *   loadSlices(spec | source, N, { count })      AsyncIterable<{ id, x, group, source }>
 *   splitByGroup(refs, { validationFraction, seed })   train/validation by series (never by slice)
 *   SliceStream                                  deterministic batches of step t (resumable), LRU cache
 *   simulateMeasurements(op, x, { noise, rngs }) y = A x (+ Gaussian / Poisson noise)
 *   applyDihedral / randomDihedral               flips and 90-degree rotations
 */
export type { DataSource, DataSourceKind, SliceRef } from './source';
export { checkFiniteSlice } from './source';
export { openDataSource, type OpenDataOptions } from './open';
export { ellipsesSource, type EllipsesSourceOptions } from './ellipses-source';
export { npySource, listNpyFiles } from './npy-source';
export {
  idxSource,
  namedIdxSource,
  namedDatasetDir,
  isIdxFileName,
  decodeIdxImages,
  fitIdxImage,
  listIdxImageFiles,
  FASHION_MNIST_DIR,
  FASHION_MNIST_LICENCE,
  FASHION_MNIST_PACKAGE,
  PAPER_DATASETS,
  PAPER_DATASETS_NOTE,
} from './idx-source';
export { dicomSource, type DicomSourceOptions } from './dicom-source';
export { loadSlices, type LoadedSlice, type LoadSlicesOptions } from './slices';
export {
  splitByGroup,
  DEFAULT_VALIDATION_FRACTION,
  type DataSplit,
  type SplitMode,
  type SplitOptions,
} from './split';
export { SliceStream, validationRefs, DEFAULT_GENERATED_STEPS_PER_EPOCH, type StreamOptions } from './stream';
export { simulateMeasurements, type MeasureOptions } from './measure';
export { applyDihedral, randomDihedral, IDENTITY, type Dihedral } from './augment';
export { LruCache } from './lru';
