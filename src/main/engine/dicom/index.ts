/**
 * DICOM module: reading, decoding, HU conversion, series grouping, display windows, resampling,
 * de-identification. Node only (fs, zlib, crypto, WebAssembly codecs); types are in
 * src/shared/dicom-types.ts so every process can use them.
 *
 * Reading
 *   readDicomFile(path, { allowNonCt?, keepStoredValues? }) -> Promise<DicomImage>
 *       one file, every frame decoded to HU (Float32Array per frame) with its padding mask; metadata
 *       (DicomMeta, no patient identifiers) apart from pixels. Throws DicomError subclasses:
 *       NotDicomFileError, NotCtError (DICOM_NOT_CT), UnsupportedTransferSyntaxError, and DicomError with
 *       DICOM_NO_PIXEL_DATA / DICOM_TRUNCATED / DICOM; every error names the file and the reason.
 *   readDicomBuffer(name, bytes, opts) -> Promise<DicomImage>       the same for bytes in memory
 *   scanDicom(paths, { allowNonCt?, onProgress?, signal? }) -> Promise<DicomScanResult>
 *       files and folders (recursive) -> { series (grouped by Series Instance UID, slices sorted along
 *       the slice normal), errors (DICOM but unusable), notDicom (not DICOM at all) }
 *   groupIntoSeries(images) -> DicomSeries[]; sliceNormal(iop)
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
export { scanDicom, listFiles, type ScanOptions } from './scan';
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
  DicomImage,
  DicomMeta,
  DicomScanResult,
  DicomSeries,
  DicomSlice,
  HuStats,
  PublicDicomMeta,
} from '@shared/dicom-types';
export { NotDicomFileError } from '@shared/dicom-types';
