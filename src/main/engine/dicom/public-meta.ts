/**
 * The de-identified view of a header for anything that leaves the process (reports, logs, manifests,
 * exports, IPC to the renderer): an explicit allow-list (DESIGN.md section 7).
 *
 * - Patient / institution / physician identifiers and dates never get here: DicomMeta does not hold them.
 * - UIDs are replaced, as the PS3.15 basic profile does (action U), by a deterministic derived UID
 *   `2.25.<decimal of the first 128 bits of SHA-256(salt + UID)>` (PS3.5 B.2: UUID-derived root), so
 *   grouping by study/series still works while the original UID cannot be read back. An optional salt
 *   (e.g. per project) stops linking across exports by recomputing hashes of known UIDs.
 * - Series Description is free text typed at the scanner and can hold names: only with an explicit opt-in.
 */
import { createHash } from 'node:crypto';
import type { DicomMeta, PublicDicomMeta } from '@shared/dicom-types';

export interface PublicMetaOptions {
  /** Include Series Description (free text; may contain names). Default false. */
  includeSeriesDescription?: boolean;
  /** Mixed into every UID hash. Default '' (the same UID always maps to the same replacement). */
  uidSalt?: string;
}

/** `2.25.<decimal>` from the first 128 bits of SHA-256(salt + uid); null stays null. */
export function hashUid(uid: string | null, salt = ''): string | null {
  if (uid === null) return null;
  const digest = createHash('sha256').update(salt).update(uid).digest();
  return '2.25.' + BigInt('0x' + digest.subarray(0, 16).toString('hex')).toString(10);
}

export function publicMeta(meta: DicomMeta, opts: PublicMetaOptions = {}): PublicDicomMeta {
  const salt = opts.uidSalt ?? '';
  const out: PublicDicomMeta = {
    modality: meta.modality,
    sopClassUid: meta.sopClassUid, // a standard class UID (e.g. CT Image Storage), not an instance
    manufacturer: meta.manufacturer,
    manufacturerModelName: meta.manufacturerModelName,
    transferSyntaxUid: meta.transferSyntaxUid,
    transferSyntaxName: meta.transferSyntaxName,
    rows: meta.rows,
    columns: meta.columns,
    numberOfFrames: meta.numberOfFrames,
    bitsAllocated: meta.bitsAllocated,
    bitsStored: meta.bitsStored,
    pixelRepresentation: meta.pixelRepresentation,
    photometricInterpretation: meta.photometricInterpretation,
    pixelSpacing: meta.plane.pixelSpacing,
    sliceThickness: meta.plane.sliceThickness,
    imageOrientationPatient: meta.plane.imageOrientationPatient,
    imagePositionPatient: meta.plane.imagePositionPatient,
    kvp: meta.kvp,
    convolutionKernel: meta.convolutionKernel,
    gantryDetectorTilt: meta.gantryDetectorTilt,
    rescaleSlope: meta.rescale.slope,
    rescaleIntercept: meta.rescale.intercept,
    rescaleSource: meta.rescale.source,
    seriesNumber: meta.seriesNumber,
    instanceNumber: meta.instanceNumber,
    studyUidHash: hashUid(meta.studyInstanceUid, salt),
    seriesUidHash: hashUid(meta.seriesInstanceUid, salt),
    sopInstanceUidHash: hashUid(meta.sopInstanceUid, salt),
  };
  if (opts.includeSeriesDescription) out.seriesDescription = meta.seriesDescription;
  return out;
}
