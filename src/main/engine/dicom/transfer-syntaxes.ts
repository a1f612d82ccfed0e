/**
 * Transfer syntax UIDs (PS3.6 Annex A) -> human name and how this reader decodes them.
 * Decoders are chosen by UID (as in Cornerstone3D); a UID that is known but not decodable, or unknown,
 * is an `UnsupportedTransferSyntaxError` naming the UID and its name.
 */

export type PixelCodec =
  'native' | 'rle' | 'jpeg-baseline' | 'jpeg-extended' | 'jpeg-lossless' | 'jpeg-ls' | 'jpeg-2000';

export interface TransferSyntaxInfo {
  uid: string;
  name: string;
  /** How the pixel data is decoded; null when this reader cannot decode it. */
  codec: PixelCodec | null;
  /** Pixel Data is encapsulated (fragments) rather than native. */
  encapsulated: boolean;
  littleEndian: boolean;
  /** Decoding may not reproduce the stored values exactly. */
  lossy: boolean;
  retired: boolean;
}

function ts(
  uid: string,
  name: string,
  codec: PixelCodec | null,
  opts: { encapsulated?: boolean; bigEndian?: boolean; lossy?: boolean; retired?: boolean } = {},
): TransferSyntaxInfo {
  return {
    uid,
    name,
    codec,
    encapsulated: opts.encapsulated ?? codec !== 'native',
    littleEndian: !opts.bigEndian,
    lossy: opts.lossy ?? false,
    retired: opts.retired ?? false,
  };
}

const E = { encapsulated: true };
const RETIRED = { encapsulated: true, retired: true, lossy: true };

const TABLE: TransferSyntaxInfo[] = [
  ts('1.2.840.10008.1.2', 'Implicit VR Little Endian', 'native'),
  ts('1.2.840.10008.1.2.1', 'Explicit VR Little Endian', 'native'),
  ts('1.2.840.10008.1.2.1.98', 'Encapsulated Uncompressed Explicit VR Little Endian', null, E),
  ts('1.2.840.10008.1.2.1.99', 'Deflated Explicit VR Little Endian', 'native'),
  ts('1.2.840.10008.1.2.2', 'Explicit VR Big Endian (retired)', 'native', { bigEndian: true, retired: true }),
  ts('1.2.840.10008.1.2.4.50', 'JPEG Baseline (Process 1)', 'jpeg-baseline', { lossy: true }),
  ts('1.2.840.10008.1.2.4.51', 'JPEG Extended (Process 2 & 4)', 'jpeg-extended', { lossy: true }),
  ts('1.2.840.10008.1.2.4.52', 'JPEG Extended (Process 3 & 5) (retired)', null, RETIRED),
  ts(
    '1.2.840.10008.1.2.4.53',
    'JPEG Spectral Selection, Non-Hierarchical (Process 6 & 8) (retired)',
    null,
    RETIRED,
  ),
  ts(
    '1.2.840.10008.1.2.4.54',
    'JPEG Spectral Selection, Non-Hierarchical (Process 7 & 9) (retired)',
    null,
    RETIRED,
  ),
  ts(
    '1.2.840.10008.1.2.4.55',
    'JPEG Full Progression, Non-Hierarchical (Process 10 & 12) (retired)',
    null,
    RETIRED,
  ),
  ts(
    '1.2.840.10008.1.2.4.56',
    'JPEG Full Progression, Non-Hierarchical (Process 11 & 13) (retired)',
    null,
    RETIRED,
  ),
  ts('1.2.840.10008.1.2.4.57', 'JPEG Lossless, Non-Hierarchical (Process 14)', 'jpeg-lossless'),
  ts('1.2.840.10008.1.2.4.58', 'JPEG Lossless, Non-Hierarchical (Process 15) (retired)', null, RETIRED),
  ts('1.2.840.10008.1.2.4.59', 'JPEG Extended, Hierarchical (Process 16 & 18) (retired)', null, RETIRED),
  ts('1.2.840.10008.1.2.4.60', 'JPEG Extended, Hierarchical (Process 17 & 19) (retired)', null, RETIRED),
  ts(
    '1.2.840.10008.1.2.4.61',
    'JPEG Spectral Selection, Hierarchical (Process 20 & 22) (retired)',
    null,
    RETIRED,
  ),
  ts(
    '1.2.840.10008.1.2.4.62',
    'JPEG Spectral Selection, Hierarchical (Process 21 & 23) (retired)',
    null,
    RETIRED,
  ),
  ts(
    '1.2.840.10008.1.2.4.63',
    'JPEG Full Progression, Hierarchical (Process 24 & 26) (retired)',
    null,
    RETIRED,
  ),
  ts(
    '1.2.840.10008.1.2.4.64',
    'JPEG Full Progression, Hierarchical (Process 25 & 27) (retired)',
    null,
    RETIRED,
  ),
  ts('1.2.840.10008.1.2.4.65', 'JPEG Lossless, Hierarchical (Process 28) (retired)', null, RETIRED),
  ts('1.2.840.10008.1.2.4.66', 'JPEG Lossless, Hierarchical (Process 29) (retired)', null, RETIRED),
  ts(
    '1.2.840.10008.1.2.4.70',
    'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
    'jpeg-lossless',
  ),
  ts('1.2.840.10008.1.2.4.80', 'JPEG-LS Lossless Image Compression', 'jpeg-ls'),
  ts('1.2.840.10008.1.2.4.81', 'JPEG-LS Lossy (Near-Lossless) Image Compression', 'jpeg-ls', { lossy: true }),
  ts('1.2.840.10008.1.2.4.90', 'JPEG 2000 Image Compression (Lossless Only)', 'jpeg-2000'),
  ts('1.2.840.10008.1.2.4.91', 'JPEG 2000 Image Compression', 'jpeg-2000', { lossy: true }),
  ts('1.2.840.10008.1.2.4.92', 'JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)', null, E),
  ts('1.2.840.10008.1.2.4.93', 'JPEG 2000 Part 2 Multi-component Image Compression', null, E),
  ts('1.2.840.10008.1.2.4.94', 'JPIP Referenced', null, E),
  ts('1.2.840.10008.1.2.4.95', 'JPIP Referenced Deflate', null, E),
  ts('1.2.840.10008.1.2.4.100', 'MPEG2 Main Profile / Main Level', null, E),
  ts('1.2.840.10008.1.2.4.101', 'MPEG2 Main Profile / High Level', null, E),
  ts('1.2.840.10008.1.2.4.102', 'MPEG-4 AVC/H.264 High Profile / Level 4.1', null, E),
  ts('1.2.840.10008.1.2.4.103', 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1', null, E),
  ts('1.2.840.10008.1.2.4.104', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video', null, E),
  ts('1.2.840.10008.1.2.4.105', 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video', null, E),
  ts('1.2.840.10008.1.2.4.106', 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2', null, E),
  ts('1.2.840.10008.1.2.4.107', 'HEVC/H.265 Main Profile / Level 5.1', null, E),
  ts('1.2.840.10008.1.2.4.108', 'HEVC/H.265 Main 10 Profile / Level 5.1', null, E),
  ts('1.2.840.10008.1.2.4.110', 'JPEG XL Lossless', null, E),
  ts('1.2.840.10008.1.2.4.111', 'JPEG XL JPEG Recompression', null, E),
  ts('1.2.840.10008.1.2.4.112', 'JPEG XL', null, E),
  ts('1.2.840.10008.1.2.4.201', 'High-Throughput JPEG 2000 Image Compression (Lossless Only)', null, E),
  ts(
    '1.2.840.10008.1.2.4.202',
    'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
    null,
    E,
  ),
  ts('1.2.840.10008.1.2.4.203', 'High-Throughput JPEG 2000 Image Compression', null, E),
  ts('1.2.840.10008.1.2.5', 'RLE Lossless', 'rle'),
  ts('1.2.840.10008.1.2.6.1', 'RFC 2557 MIME encapsulation (retired)', null, { retired: true }),
  ts('1.2.840.10008.1.2.6.2', 'XML Encoding (retired)', null, { retired: true }),
  ts('1.2.840.10008.1.2.7.1', 'SMPTE ST 2110-20 Uncompressed Progressive Active Video', null, E),
  ts('1.2.840.10008.1.2.7.2', 'SMPTE ST 2110-20 Uncompressed Interlaced Active Video', null, E),
  ts('1.2.840.10008.1.2.7.3', 'SMPTE ST 2110-30 PCM Digital Audio', null, E),
  ts('1.2.840.10008.1.2.8.1', 'Deflated Image Frame Compression', null, E),
];

const BY_UID = new Map(TABLE.map((t) => [t.uid, t]));

/** The table entry for a UID, or an entry with codec null and name 'unknown transfer syntax'. */
export function transferSyntaxInfo(uid: string): TransferSyntaxInfo {
  return (
    BY_UID.get(uid) ?? {
      uid,
      name: 'unknown transfer syntax',
      codec: null,
      encapsulated: true,
      littleEndian: true,
      lossy: false,
      retired: false,
    }
  );
}

/** Every transfer syntax this reader knows by name (for documentation and UIs). */
export function knownTransferSyntaxes(): readonly TransferSyntaxInfo[] {
  return TABLE;
}

export const DEFLATED_EXPLICIT_LE = '1.2.840.10008.1.2.1.99';
export const EXPLICIT_BE = '1.2.840.10008.1.2.2';
export const IMPLICIT_LE = '1.2.840.10008.1.2';
