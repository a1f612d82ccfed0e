/**
 * DICOM data as the rest of the app sees it (plain data, usable in every process; the reader itself
 * lives in src/main/engine/dicom). Metadata is kept apart from pixel buffers (as in Cornerstone3D);
 * pixels are typed arrays, one per frame, so they can be transferred across processes without copies.
 *
 * Privacy by construction (DESIGN.md section 7): `DicomMeta` never holds patient or institution
 * identifiers (name, ID, birth date, accession number, institution, physicians, dates/times); the reader
 * does not extract them. UIDs and the series description are kept in-process (grouping needs UIDs), and
 * `publicMeta` (engine/dicom) removes or hashes them for anything that leaves the process.
 */
import { DicomError } from './errors';

/** A file that is not DICOM at all (README, JSON, images...): a category of its own in folder scans. */
export class NotDicomFileError extends DicomError {
  constructor(file: string, reason = "not a DICOM file (no 'DICM' marker at byte 128)") {
    super(file, reason, 'DICOM', { category: 'not-dicom' });
  }
}

/** Where a frame's Rescale Slope/Intercept came from (Enhanced CT keeps them in functional groups). */
export type RescaleSource =
  'top-level' | 'shared-functional-groups' | 'per-frame-functional-groups' | 'absent';

export interface Rescale {
  slope: number;
  intercept: number;
  /** Rescale Type (0028,1054) when present, e.g. 'HU'. */
  type: string | null;
  source: RescaleSource;
  /**
   * The assumption made where the header does not give both values (e.g. a missing Rescale Slope taken as
   * 1), in words; absent when both were read. Readers report it as a warning: it is never silent.
   */
  assumed?: string;
}

/** Plane geometry of one frame, in the patient coordinate system (mm). */
export interface FramePlane {
  /** Image Position (Patient) (0020,0032): centre of the first transmitted pixel. */
  imagePositionPatient: [number, number, number] | null;
  /** Image Orientation (Patient) (0020,0037): row then column direction cosines. */
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  /** Pixel Spacing (0028,0030): [between rows, between columns] in mm. */
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
}

export interface DisplayWindow {
  center: number;
  width: number;
  /** Window Center & Width Explanation (0028,1055), when given. */
  explanation: string | null;
}

/** Header facts needed to decode, convert and group an image. No patient identifiers (see file comment). */
export interface DicomMeta {
  sopClassUid: string | null;
  sopInstanceUid: string | null;
  studyInstanceUid: string | null;
  seriesInstanceUid: string | null;
  modality: string | null;
  manufacturer: string | null;
  manufacturerModelName: string | null;
  /** May contain free text typed at the scanner (sometimes names): never exported unless opted in. */
  seriesDescription: string | null;
  seriesNumber: number | null;
  instanceNumber: number | null;
  imageType: string[];
  transferSyntaxUid: string;
  transferSyntaxName: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  samplesPerPixel: number;
  photometricInterpretation: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 unsigned, 1 two's complement. */
  pixelRepresentation: 0 | 1;
  /** Pixel Padding Value (0028,0120), read with the pixel data's signedness. */
  pixelPaddingValue: number | null;
  /** Pixel Padding Range Limit (0028,0121): padding is the closed range between the two values. */
  pixelPaddingRangeLimit: number | null;
  /** Rescale of frame 0 (see `DicomFrame.rescale` for every frame). */
  rescale: Rescale;
  /** Geometry of frame 0 (see `DicomFrame.plane` for every frame). */
  plane: FramePlane;
  kvp: number | null;
  convolutionKernel: string | null;
  gantryDetectorTilt: number | null;
  /** Window Center/Width pairs stored in the file, first is the default. */
  windows: DisplayWindow[];
  /** The whole data set was deflated (transfer syntax 1.2.840.10008.1.2.1.99). */
  deflated: boolean;
}

/** What the header says about one frame (Enhanced CT keeps it per frame in functional groups). */
export interface DicomFrameHeader {
  index: number;
  rescale: Rescale;
  plane: FramePlane;
}

/** One decoded frame: HU (or, for non-CT loaded with allowNonCt, rescaled stored values), row-major. */
export interface DicomFrame extends DicomFrameHeader {
  hu: Float32Array;
  /** 1 where the pixel is padding (Pixel Padding Value / Range), else 0; null when the file has none. */
  paddingMask: Uint8Array | null;
  /** The stored values before the modality LUT; only with `keepStoredValues: true`. */
  stored?: Int32Array | Uint32Array;
}

/**
 * A file read up to its Pixel Data (header-only scanning): everything needed to group series, order
 * slices and decide whether the file is usable, without decoding a pixel.
 */
export interface DicomHeader {
  file: string;
  meta: DicomMeta;
  frames: DicomFrameHeader[];
  /** Things a careful reader accepted but wants the caller to know (e.g. a truncated trailing element). */
  warnings: string[];
}

/** A decoded file: the header and every frame's pixels. */
export interface DicomImage extends DicomHeader {
  frames: DicomFrame[];
}

/** One slice of a series: a frame of a file and its position along the series' slice normal. */
export interface DicomSlice {
  /** The header of the file holding the slice (scans do not decode pixels). */
  image: DicomHeader;
  frameIndex: number;
  /** dot(Image Position (Patient), normal) in mm; null when the geometry is missing. */
  position: number | null;
  instanceNumber: number | null;
}

export interface DicomSeries {
  seriesInstanceUid: string;
  modality: string | null;
  rows: number;
  columns: number;
  /** Sorted along the slice normal (or by Instance Number, see `orderedBy`). */
  slices: DicomSlice[];
  orderedBy: 'position' | 'instance-number' | 'file-order';
  /** Slice normal: row cosines x column cosines (null when ordered without geometry). */
  normal: [number, number, number] | null;
  /** Distances in mm between consecutive slices along the normal (length slices - 1; empty without geometry). */
  stepsMm: number[];
  /**
   * Files left out because they repeat the SOP Instance UID of a kept file with identical pixels (the same
   * image twice, possibly in another transfer syntax). Copies whose pixels differ are conflicts: every such
   * file is an error of the scan, none is kept.
   */
  duplicates: { file: string; duplicateOf: string }[];
  /** Non-fatal problems: mixed orientations, duplicated instances, uneven spacing, gaps. */
  warnings: string[];
}

/** Statistics of HU over the non-padding pixels, and (`all`) over every pixel. */
export interface HuStats {
  count: number;
  paddingCount: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation (divides by count). */
  std: number;
  all: { count: number; min: number; max: number; mean: number; std: number };
}

/** De-identified header (allow-list): what may appear in reports, logs, manifests and exports. */
export interface PublicDicomMeta {
  modality: string | null;
  sopClassUid: string | null;
  manufacturer: string | null;
  manufacturerModelName: string | null;
  transferSyntaxUid: string;
  transferSyntaxName: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: 0 | 1;
  photometricInterpretation: string;
  pixelSpacing: [number, number] | null;
  sliceThickness: number | null;
  imageOrientationPatient: [number, number, number, number, number, number] | null;
  imagePositionPatient: [number, number, number] | null;
  kvp: number | null;
  convolutionKernel: string | null;
  gantryDetectorTilt: number | null;
  rescaleSlope: number;
  rescaleIntercept: number;
  rescaleSource: RescaleSource;
  seriesNumber: number | null;
  instanceNumber: number | null;
  /** UIDs replaced by `2.25.<decimal>` derived from SHA-256 (PS3.15 basic profile replaces UIDs). */
  studyUidHash: string | null;
  seriesUidHash: string | null;
  sopInstanceUidHash: string | null;
  /** Only with `includeSeriesDescription: true` (free text can contain names). */
  seriesDescription?: string | null;
}

/** Result of a folder/file-list scan: every input file ends up in exactly one of these. */
export interface DicomScanResult {
  series: DicomSeries[];
  /**
   * DICOM files that cannot be used (not CT, not HU, no pixels, truncated, unsupported, malformed, or one
   * of several files with the same SOP Instance UID and different pixels).
   */
  errors: DicomError[];
  /** Files that are not DICOM at all (README, JSON, ...): callers may choose to ignore these. */
  notDicom: NotDicomFileError[];
}
