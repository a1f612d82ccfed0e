/**
 * The third-party pixel codecs, loaded lazily in Node:
 * - JPEG 2000: @cornerstonejs/codec-openjpeg, JPEG-LS: @cornerstonejs/codec-charls, 8-bit JPEG:
 *   @cornerstonejs/codec-libjpeg-turbo-8bit. These are Emscripten modules in CommonJS: the package's
 *   `decodewasmjs` export is a factory returning a Promise of the module; in Node it finds its .wasm next
 *   to itself (__dirname). Stdout printing (OpenJPEG logs [INFO] lines) is silenced via print/printErr.
 *   An Emscripten module that aborts on bad data is unusable afterwards, so after any failure the cached
 *   instance is dropped and the next call builds a fresh one.
 * (JPEG lossless and 12-bit JPEG are decoded by this module's own decoders: decode-jpeg-*.ts.)
 */
import { createRequire } from 'node:module';
import type { CodecSamples } from './stored-values';

const require = createRequire(import.meta.url);

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface EmscriptenDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  delete(): void;
}

type CodecModule = Record<string, new () => EmscriptenDecoder>;
type CodecFactory = (options: { print: () => void; printErr: () => void }) => Promise<CodecModule>;

export interface DecodedFrame extends CodecSamples {
  width: number;
  height: number;
  components: number;
  bitsPerSample: number;
}

export class CodecError extends Error {}

interface CodecSpec {
  module: string;
  decoderClass: string;
  label: string;
}

const SPECS = {
  j2k: {
    module: '@cornerstonejs/codec-openjpeg/decodewasmjs',
    decoderClass: 'J2KDecoder',
    label: 'OpenJPEG',
  },
  jls: { module: '@cornerstonejs/codec-charls/decodewasmjs', decoderClass: 'JpegLSDecoder', label: 'CharLS' },
  jpeg8: {
    module: '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs',
    decoderClass: 'JPEGDecoder',
    label: 'libjpeg-turbo',
  },
} satisfies Record<string, CodecSpec>;

type CodecName = keyof typeof SPECS;

const cache = new Map<CodecName, Promise<CodecModule>>();

function loadModule(name: CodecName): Promise<CodecModule> {
  let p = cache.get(name);
  if (!p) {
    const factory = require(SPECS[name].module) as CodecFactory;
    const silent = () => {};
    p = factory({ print: silent, printErr: silent });
    cache.set(name, p);
  }
  return p;
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'number') return `native exception ${e}`;
  return String(e);
}

function typedSamples(bytes: Uint8Array, bitsPerSample: number, signed: boolean): DecodedFrame['samples'] {
  const buf = bytes.buffer as ArrayBuffer;
  if (bitsPerSample <= 8) return signed ? new Int8Array(buf) : bytes;
  if (bitsPerSample <= 16) return signed ? new Int16Array(buf) : new Uint16Array(buf);
  return signed ? new Int32Array(buf) : new Uint32Array(buf);
}

async function decodeWith(name: CodecName, encoded: Uint8Array): Promise<DecodedFrame> {
  const spec = SPECS[name];
  let mod: CodecModule;
  try {
    mod = await loadModule(name);
  } catch (e) {
    cache.delete(name);
    throw new CodecError(`cannot load the ${spec.label} codec (${describe(e)})`);
  }
  let decoder: EmscriptenDecoder | null = null;
  try {
    decoder = new mod[spec.decoderClass]();
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    if (info.width === 0 || info.height === 0) {
      // OpenJPEG reports failure on a cut codestream this way instead of throwing.
      throw new CodecError(`${spec.label} returned an empty image (truncated or corrupt codestream)`);
    }
    const bytesPer = info.bitsPerSample <= 8 ? 1 : info.bitsPerSample <= 16 ? 2 : 4;
    const expected = info.width * info.height * info.componentCount * bytesPer;
    const decoded = decoder.getDecodedBuffer();
    if (decoded.length !== expected) {
      throw new CodecError(`${spec.label} returned ${decoded.length} bytes, expected ${expected}`);
    }
    const copy = decoded.slice(); // the decoded buffer lives in WebAssembly memory
    const signed = typeof info.isSigned === 'boolean' ? info.isSigned : null;
    return {
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bitsPerSample: info.bitsPerSample,
      samples: typedSamples(copy, info.bitsPerSample, name === 'j2k' && signed === true),
      signed: name === 'j2k' ? signed : null,
    };
  } catch (e) {
    cache.delete(name);
    if (e instanceof CodecError) throw e;
    throw new CodecError(`${spec.label} could not decode the frame (${describe(e)})`);
  } finally {
    try {
      decoder?.delete();
    } catch {
      // an aborted module cannot free; it is dropped from the cache above
    }
  }
}

export const decodeJpeg2000 = (encoded: Uint8Array) => decodeWith('j2k', encoded);
export const decodeJpegLs = (encoded: Uint8Array) => decodeWith('jls', encoded);
export const decodeJpeg8 = (encoded: Uint8Array) => decodeWith('jpeg8', encoded);
