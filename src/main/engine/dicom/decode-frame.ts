/**
 * One encoded (encapsulated) frame -> stored values, choosing the decoder by transfer syntax.
 * Every decoder failure becomes a DicomError naming the file, the frame and the transfer syntax.
 */
import { DicomError } from '@shared/errors';
import { CodecError, decodeJpeg2000, decodeJpeg8, decodeJpegLs, type DecodedFrame } from './codecs';
import { decodeJpegDct, JpegError, readJpegFrameInfo } from './decode-jpeg-dct';
import { decodeJpegLossless } from './decode-jpeg-lossless';
import { decodeRleFrame, RleError } from './decode-rle';
import type { PixelModule } from './extract-meta';
import { codecSamplesToStored, readNativeSamples, type StoredValues } from './stored-values';
import type { TransferSyntaxInfo } from './transfer-syntaxes';

async function decodeJpegFamily(encoded: Uint8Array): Promise<DecodedFrame> {
  const info = readJpegFrameInfo(encoded);
  if (info.precision <= 8) return decodeJpeg8(encoded);
  const img = decodeJpegDct(encoded);
  return {
    width: img.width,
    height: img.height,
    components: 1,
    bitsPerSample: img.precision,
    samples: img.samples,
    signed: null,
  };
}

export async function decodeEncapsulatedFrame(
  file: string,
  ts: TransferSyntaxInfo,
  encoded: Uint8Array,
  pixel: PixelModule,
  frameIndex: number,
): Promise<StoredValues> {
  const where = `frame ${frameIndex + 1} (${ts.name})`;
  const pixels = pixel.rows * pixel.columns;
  const signed = pixel.pixelRepresentation === 1;
  try {
    if (ts.codec === 'rle') {
      const bytes = pixel.bitsAllocated / 8;
      const raw = decodeRleFrame(encoded, pixels, bytes);
      return readNativeSamples(raw, 0, pixels, pixel.bitsAllocated as 8 | 16 | 32, signed, true);
    }
    let decoded: DecodedFrame;
    switch (ts.codec) {
      case 'jpeg-baseline':
      case 'jpeg-extended':
        decoded = await decodeJpegFamily(encoded);
        break;
      case 'jpeg-lossless': {
        const img = decodeJpegLossless(encoded);
        decoded = { ...img, components: 1, bitsPerSample: img.precision, signed: null };
        break;
      }
      case 'jpeg-ls':
        decoded = await decodeJpegLs(encoded);
        break;
      case 'jpeg-2000':
        decoded = await decodeJpeg2000(encoded);
        break;
      default:
        throw new DicomError(file, `${where}: no decoder for codec ${String(ts.codec)}`);
    }
    if (decoded.width !== pixel.columns || decoded.height !== pixel.rows || decoded.components !== 1) {
      throw new DicomError(
        file,
        `${where}: the codestream is ${decoded.width} x ${decoded.height} with ${decoded.components} component(s), ` +
          `but the header says ${pixel.columns} x ${pixel.rows} with 1 sample`,
      );
    }
    return codecSamplesToStored(decoded, pixel.pixelRepresentation, pixel.bitsStored);
  } catch (e) {
    if (e instanceof DicomError) throw e;
    if (
      e instanceof CodecError ||
      e instanceof JpegError ||
      e instanceof RleError ||
      e instanceof RangeError
    ) {
      throw new DicomError(file, `${where} cannot be decoded: ${e.message}`, 'DICOM', { frame: frameIndex });
    }
    throw new DicomError(file, `${where} cannot be decoded: ${String(e)}`, 'DICOM', { frame: frameIndex });
  }
}
