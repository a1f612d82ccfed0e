/**
 * Messages with typed arrays over byte transports (WebSocket), and the transfer lists for the
 * structured-clone transports (worker_threads, Electron utilityProcess / MessagePort).
 *
 * Frame layout (all little-endian), one frame per message:
 *   bytes 0..3   magic "CTA1"
 *   bytes 4..7   u32 length L of the header (UTF-8 JSON)
 *   bytes 8..    header, then zero padding to a multiple of 8
 *   then         each typed array's bytes, each padded to a multiple of 8
 * The header is `{ m, b }`: `m` is the message with every typed array replaced by `{ [BIN_KEY]: i }`,
 * `b[i] = [kind, byteOffset, length]` locates array i, offsets counted from the start of the data
 * (the first multiple of 8 after the header). Offsets are multiples of 8, so the receiver can view the
 * bytes in place (no copy) when the frame buffer itself is 8-aligned.
 * Pixel data therefore never travel as JSON number lists (DESIGN.md section 1).
 *
 * Pure TypeScript: runs in the renderer, the server and tests.
 */

const MAGIC = 0x31415443; // "CTA1" read as a little-endian u32
/** Placeholder key; a NUL keeps it apart from any key the app's own data could use. */
const BIN_KEY = '\u0000bin';

const KINDS = {
  f32: Float32Array,
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
} as const;
type Kind = keyof typeof KINDS;
export type WireTypedArray = InstanceType<(typeof KINDS)[Kind]>;

function kindOf(v: ArrayBufferView): Kind | undefined {
  if (v instanceof Float32Array) return 'f32';
  if (v instanceof Float64Array) return 'f64';
  if (v instanceof Int32Array) return 'i32';
  if (v instanceof Uint32Array) return 'u32';
  if (v instanceof Int16Array) return 'i16';
  if (v instanceof Uint16Array) return 'u16';
  if (v instanceof Int8Array) return 'i8';
  if (v instanceof Uint8Array) return 'u8'; // also Node's Buffer
  return undefined;
}

export class WireError extends Error {
  constructor(message: string) {
    super(`wire: ${message}`);
    this.name = 'WireError';
  }
}

const pad8 = (n: number): number => (n + 7) & ~7;

/** Message -> one binary frame. Typed arrays anywhere in plain objects/arrays are carried as bytes. */
export function encodeFrame(message: unknown): Uint8Array {
  const arrays: ArrayBufferView[] = [];
  const m = JSON.stringify(message, function (this: Record<string, unknown>, key, value: unknown) {
    // `this[key]` is the value before toJSON (Node's Buffer.toJSON would turn bytes into a number list).
    const original = this[key];
    if (ArrayBuffer.isView(original)) {
      if (!kindOf(original)) throw new WireError(`unsupported array type ${original.constructor.name}`);
      arrays.push(original);
      return { [BIN_KEY]: arrays.length - 1 };
    }
    return value;
  });
  // Offsets are relative to the data section, which starts at the first multiple of 8 after the header.
  const placements: [Kind, number, number][] = [];
  let offset = 0;
  for (const a of arrays) {
    placements.push([kindOf(a)!, offset, (a as WireTypedArray).length]);
    offset = pad8(offset + a.byteLength);
  }
  const headerBytes = new TextEncoder().encode(`{"m":${m ?? 'null'},"b":${JSON.stringify(placements)}}`);
  const dataStart = pad8(8 + headerBytes.length);
  const out = new Uint8Array(dataStart + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, headerBytes.length, true);
  out.set(headerBytes, 8);
  arrays.forEach((a, i) => {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), dataStart + placements[i][1]);
  });
  return out;
}

/**
 * One binary frame -> the message, with typed arrays viewing the frame's bytes (copied only when the
 * frame is not 8-byte aligned in its buffer, which Node's pooled Buffers can be).
 */
export function decodeFrame(frame: ArrayBuffer | ArrayBufferView): unknown {
  let bytes =
    frame instanceof ArrayBuffer
      ? new Uint8Array(frame)
      : new Uint8Array(frame.buffer, frame.byteOffset, frame.byteLength);
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  if (bytes.length < 8) throw new WireError(`frame of ${bytes.length} bytes is too short`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new WireError('not a CT Audit frame (bad magic)');
  const headerLength = view.getUint32(4, true);
  if (8 + headerLength > bytes.length) throw new WireError('header runs past the end of the frame');
  let header: { m: unknown; b: [Kind, number, number][] };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as typeof header;
  } catch {
    throw new WireError('header is not valid JSON');
  }
  if (!Array.isArray(header.b)) throw new WireError('header has no array table');
  const dataStart = pad8(8 + headerLength);
  const arrays = header.b.map(([kind, offset, length], i) => {
    const Ctor = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
    if (!Ctor || !Number.isInteger(offset) || !Number.isInteger(length) || offset % 8 !== 0 || length < 0)
      throw new WireError(`array ${i}: bad placement`);
    if (dataStart + offset + length * Ctor.BYTES_PER_ELEMENT > bytes.length)
      throw new WireError(`array ${i} runs past the end of the frame`);
    return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset + dataStart + offset, length);
  });
  return revive(header.m, arrays);
}

function revive(v: unknown, arrays: WireTypedArray[]): unknown {
  if (Array.isArray(v)) return v.map((x) => revive(x, arrays));
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (BIN_KEY in o) {
      const i = o[BIN_KEY];
      if (typeof i !== 'number' || !arrays[i]) throw new WireError(`unknown array index ${String(i)}`);
      return arrays[i];
    }
    for (const k of Object.keys(o)) o[k] = revive(o[k], arrays);
    return o;
  }
  return v;
}

/**
 * ArrayBuffers that can be transferred (moved, not copied) with `message` over postMessage: those
 * wholly owned by one typed array. Views into a larger buffer (Node's pooled Buffers, subarrays) are
 * left out: transferring them would detach memory something else still uses.
 */
export function transferables(message: unknown): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  const shared = new Set<ArrayBuffer>();
  const visit = (v: unknown, depth: number): void => {
    if (depth > 64 || v === null || typeof v !== 'object') return;
    if (ArrayBuffer.isView(v)) {
      const b = v.buffer;
      if (!(b instanceof ArrayBuffer)) return; // SharedArrayBuffer: shared, not transferred
      if (v.byteOffset !== 0 || v.byteLength !== b.byteLength) shared.add(b);
      seen.add(b);
      return;
    }
    if (Array.isArray(v)) v.forEach((x) => visit(x, depth + 1));
    else for (const x of Object.values(v as Record<string, unknown>)) visit(x, depth + 1);
  };
  visit(message, 0);
  return [...seen].filter((b) => !shared.has(b));
}
