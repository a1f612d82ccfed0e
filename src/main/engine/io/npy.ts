/**
 * NumPy `.npy` files (format versions 1.0-3.0), the exchange format for arrays (DESIGN.md section 3).
 * Written by hand because the format is a 10-line spec and the npm packages for it either lack big-endian /
 * Fortran-order reading or pull in a whole ndarray library. Spec:
 * https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html
 * We always write float32, C order, little endian; we read any real numeric dtype and convert to Float32Array.
 */
import { promises as fs } from 'node:fs';
import { InputError } from '@shared/errors';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Reader = (view: DataView, offset: number, little: boolean) => number;
const READERS: Record<string, { size: number; read: Reader }> = {
  f4: { size: 4, read: (v, o, l) => v.getFloat32(o, l) },
  f8: { size: 8, read: (v, o, l) => v.getFloat64(o, l) },
  i1: { size: 1, read: (v, o) => v.getInt8(o) },
  u1: { size: 1, read: (v, o) => v.getUint8(o) },
  i2: { size: 2, read: (v, o, l) => v.getInt16(o, l) },
  u2: { size: 2, read: (v, o, l) => v.getUint16(o, l) },
  i4: { size: 4, read: (v, o, l) => v.getInt32(o, l) },
  u4: { size: 4, read: (v, o, l) => v.getUint32(o, l) },
  i8: { size: 8, read: (v, o, l) => Number(v.getBigInt64(o, l)) },
  u8: { size: 8, read: (v, o, l) => Number(v.getBigUint64(o, l)) },
  b1: { size: 1, read: (v, o) => v.getUint8(o) },
};

/** Parse the Python-literal header dict, e.g. {'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }. */
function parseHeader(header: string, name: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new InputError(`${name}: malformed .npy header: ${header.trim()}`);
  }
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => Number(s.replace(/L$/, '')));
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new InputError(`${name}: malformed .npy shape (${shapeText})`);
  }
  return { descr, fortran: fortran === 'True', shape };
}

/** Decode an in-memory .npy file. `name` is used in error messages. */
export function decodeNpy(bytes: Uint8Array, name = 'array'): NpyArray {
  if (bytes.length < 10 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new InputError(`${name}: not a .npy file (missing \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen: number;
  let headerStart: number;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new InputError(`${name}: truncated .npy header`);
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new InputError(`${name}: unsupported .npy format version ${major}.${bytes[7]}`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) throw new InputError(`${name}: truncated .npy header`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataStart),
  );
  const { descr, fortran, shape } = parseHeader(header, name);
  const order = descr[0];
  const kind = descr.slice(1);
  const reader = READERS[kind === '?' ? 'b1' : kind];
  if (!reader || !['<', '>', '|', '='].includes(order)) {
    throw new InputError(
      `${name}: unsupported .npy dtype '${descr}' (use a real numeric dtype such as float32)`,
    );
  }
  const little = order !== '>';
  const count = shape.reduce((a, b) => a * b, 1);
  const need = count * reader.size;
  if (bytes.length - dataStart < need) {
    throw new InputError(
      `${name}: truncated .npy data: shape (${shape.join(', ')}) needs ${need} bytes, file has ${bytes.length - dataStart}`,
    );
  }
  const data = new Float32Array(count);
  if (kind === 'f4' && little && (bytes.byteOffset + dataStart) % 4 === 0) {
    data.set(new Float32Array(bytes.buffer, bytes.byteOffset + dataStart, count));
  } else {
    for (let k = 0; k < count; k++) data[k] = reader.read(view, dataStart + k * reader.size, little);
  }
  return { shape, data: fortran && shape.length > 1 ? fortranToC(data, shape) : data };
}

/** Reorder column-major (Fortran) data into row-major (C) order. */
function fortranToC(src: Float32Array, shape: number[]): Float32Array {
  const n = shape.length;
  const out = new Float32Array(src.length);
  const fStrides = new Array<number>(n);
  fStrides[0] = 1;
  for (let d = 1; d < n; d++) fStrides[d] = fStrides[d - 1] * shape[d - 1];
  const idx = new Array<number>(n).fill(0);
  for (let c = 0; c < src.length; c++) {
    let f = 0;
    for (let d = 0; d < n; d++) f += idx[d] * fStrides[d];
    out[c] = src[f];
    for (let d = n - 1; d >= 0; d--) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Encode float32, C order, little endian, format 1.0 (header padded so data starts on a 64-byte boundary). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new InputError(`npy: shape (${shape.join(', ')}) holds ${count} values, data has ${data.length}`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const le = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  out.set(le, 10 + header.length); // every platform Node runs on is little endian
  return out;
}

export async function readNpy(path: string): Promise<NpyArray> {
  let bytes: Buffer;
  try {
    bytes = await fs.readFile(path);
  } catch (e) {
    throw new InputError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return decodeNpy(bytes, path);
}

/** Write atomically: to a temporary name in the same folder, then rename (DESIGN.md section 5). */
export async function writeNpy(path: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  await writeFileAtomic(path, encodeNpy(data, shape));
}

export async function writeFileAtomic(path: string, bytes: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  await fs.writeFile(tmp, bytes);
  await fs.rename(tmp, path);
}
