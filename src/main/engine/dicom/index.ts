/**
 * DICOM module: reading, decoding, HU conversion, series grouping, display windows, resampling,
 * de-identification. Node only (fs, zlib, crypto, WebAssembly codecs); types are in
 * src/shared/dicom-types.ts so every process can use them.
 *
 * Reading
 *   readDicomFile(path, { allowNonCt?, keepStoredValues? }) -> Promise<DicomImage>
 *       one file, every frame decoded to HU (Float32Array per frame) with its padding mask; metadata
 *       (DicomMeta, no patient identifiers) apart from pixels. Throws DicomError subclasses:
 *       NotDicomFileError, NotCtError (DICOM_NOT_CT), NotHuError (DICOM_NOT_HU: display values, missing or
 *       empty rescale), UnsupportedTransferSyntaxError, and DicomError with DICOM_NO_PIXEL_DATA /
 *       DICOM_TRUNCATED / DICOM; every error names the file and the reason.
 *   readDicomBuffer(name, bytes, opts) -> Promise<DicomImage>       the same for bytes in memory
 *   readDicomHeader(path, { allowNonCt?, onDataSet? }) -> Promise<DicomHeader>
 *       the same checks up to Pixel Data, no pixel decoded (dicom-parser untilTag; read-header.ts)
 *   scanDicom(paths, { allowNonCt?, onProgress?, signal?, cache?, sha256?, identifiers? }) -> Promise<DicomScan>
 *       files and folders (recursive), header-only -> { series (grouped by Series Instance UID, slices
 *       sorted along the slice normal), errors (DICOM but unusable; copies of one SOP instance whose pixels
 *       differ), notDicom (not DICOM at all), files }; progress with files/s and ETA; cancellable
 *   ScanCache.open(file), defaultScanCachePath()   answers for files with unchanged path, size and mtime
 *   groupIntoSeries(headers, duplicates?) -> DicomSeries[]; sliceNormal(iop)
 *   resolveRepeatedInstances(headers, decode) -> { unique, duplicates, errors }   pixel comparison
 *   knownTransferSyntaxes(), transferSyntaxInfo(uid)                 UID -> name and decoder
 *
 * Pixels
 *   huStats(image | frame | hu[, mask]) -> HuStats                    padding excluded (and `all`)
 *   applyWindow(hu, { center, width }, { paddingMask? }) -> Uint8Array  DICOM linear VOI to 0..255
 *   windowFromFile(meta, i?) -> Window | null; windowPreset(name) -> Window (presets in shared/units)
 *   resampleSquare(hu, rows, cols, spacingMm, N, { fillHu?, paddingMask? }) -> { hu, size, spacingMm }
 *       pad to square with air, centred; exact area averaging to N x N
 *   frameToCanonical(frame, rows, cols, N) -> { x, size, spacingMm }   the above, then huArrayToX
 *
 * Privacy
 *   publicMeta(meta, { includeSeriesDescription?, uidSalt? }) -> PublicDicomMeta   allow-listed fields,
 *       UIDs replaced by 2.25.<SHA-256-derived> UIDs; use it for anything that leaves the process.
 *   hashUid(uid, salt?)
 */
export { readDicomFile, readDicomBuffer, type ReadDicomOptions } from './read-file';
export { readDicomHeader, readDicomHeaderSync, type ReadHeaderOptions } from './read-header';
export {
  scanDicom,
  listFiles,
  type DicomScan,
  type ScanOptions,
  type ScanProgress,
  type ScannedFile,
} from './scan';
export { ScanCache, defaultScanCachePath, type CachedScan } from './scan-cache';
export { resolveRepeatedInstances, compareImages } from './instances';
export { identifiersOf, IDENTIFYING_TAGS, type Identifiers } from './identifiers';
export { checkHuHeader, checkHuValues, isSecondaryCapture } from './hu-checks';
export { groupIntoSeries, sliceNormal } from './series';
export { knownTransferSyntaxes, transferSyntaxInfo, type TransferSyntaxInfo } from './transfer-syntaxes';
export { huStats } from './hu-stats';
export { applyWindow, windowFromFile, windowPreset, type WindowOptions } from './display-window';
export {
  resampleSquare,
  frameToCanonical,
  type ResampleOptions,
  type ResampledSlice,
  type CanonicalSlice,
} from './resample';
export { publicMeta, hashUid, type PublicMetaOptions } from './public-meta';
export type {
  DicomFrame,
  DicomFrameHeader,
  DicomHeader,
  DicomImage,
  DicomMeta,
  DicomScanResult,
  DicomSeries,
  DicomSlice,
  HuStats,
  PublicDicomMeta,
} from '@shared/dicom-types';
export { NotDicomFileError } from '@shared/dicom-types';
