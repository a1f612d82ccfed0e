/** PNG output for people (DESIGN.md section 3): 8-bit greyscale images via pngjs. */
import { PNG } from 'pngjs';
import { InputError } from '@shared/errors';
import { writeFileAtomic } from './npy';

/** Encode an 8-bit greyscale image (row-major, `width * height` values). */
export function encodeGrayPng(gray: Uint8Array, width: number, height: number): Buffer {
  if (gray.length !== width * height) {
    throw new InputError(`png: ${width}x${height} needs ${width * height} values, got ${gray.length}`);
  }
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, bitDepth: 8, inputHasAlpha: false });
  png.data = Buffer.from(gray.buffer, gray.byteOffset, gray.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

export async function writeGrayPng(
  path: string,
  gray: Uint8Array,
  width: number,
  height: number,
): Promise<void> {
  await writeFileAtomic(path, encodeGrayPng(gray, width, height));
}
