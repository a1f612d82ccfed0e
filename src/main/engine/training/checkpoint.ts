/**
 * Training checkpoints: one file, written to a temporary name and renamed (so a checkpoint on disk is
 * always complete):
 *   'CTACKPT1' | uint32 LE header length | header JSON | zero padding to 4 bytes | tensor data (float32/int32 LE)
 * The header holds the trainer's state (step = data position, settings fingerprint, metrics so far, Adam's
 * iteration count and bias-correction powers) and a directory of named tensors: every model variable
 * (trainable and batch-norm moving statistics, by position), Adam's first and second moments (by position,
 * the order of the model's trainable variables) and the method's auxiliary state. RNG state needs no entry:
 * every random draw of step t comes from a generator seeded by (seed, t) (data/stream.ts, trainer.ts).
 */
import { promises as fs } from 'node:fs';
import { InputError } from '@shared/errors';
import { tf } from '../backend';
import { writeFileAtomic } from '../io/npy';

const MAGIC = 'CTACKPT1';
export const CHECKPOINT_FILE = 'checkpoint.ckpt';

interface TensorEntry {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  bytes: number;
}

export interface CheckpointContents<S> {
  state: S;
  tensors: Map<string, tf.Tensor>;
}

/** Writes `state` (plain JSON) and the tensors (read synchronously, not disposed) to `file`. */
export async function writeCheckpoint<S>(
  file: string,
  state: S,
  tensors: [string, tf.Tensor][],
): Promise<void> {
  const entries: TensorEntry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (t.dtype !== 'float32' && t.dtype !== 'int32') {
      throw new Error(`checkpoint: tensor ${name} has dtype ${t.dtype}; only float32 and int32 are stored`);
    }
    const data = t.dataSync() as Float32Array | Int32Array;
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    entries.push({ name, shape: [...t.shape], dtype: t.dtype, offset, bytes: bytes.length });
    chunks.push(bytes);
    offset += bytes.length;
  }
  const header = Buffer.from(JSON.stringify({ state, tensors: entries }), 'utf8');
  const pre = MAGIC.length + 4 + header.length;
  const pad = (4 - (pre % 4)) % 4;
  const out = Buffer.alloc(pre + pad + offset);
  out.write(MAGIC, 0, 'latin1');
  out.writeUInt32LE(header.length, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  let p = pre + pad;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  await writeFileAtomic(file, out);
}

/** Reads a checkpoint; tensors are created on the current backend (caller disposes them). */
export async function readCheckpoint<S>(file: string): Promise<CheckpointContents<S>> {
  let buf: Buffer;
  try {
    buf = await fs.readFile(file);
  } catch (e) {
    const code = (e as { code?: string }).code;
    throw new InputError(
      code === 'ENOENT'
        ? `${file}: no checkpoint to resume from`
        : `${file}: cannot be read (${code ?? String(e)})`,
      { file },
    );
  }
  if (buf.length < MAGIC.length + 4 || buf.toString('latin1', 0, MAGIC.length) !== MAGIC) {
    throw new InputError(`${file}: not a ct-audit checkpoint`, { file });
  }
  const headerLen = buf.readUInt32LE(MAGIC.length);
  const pre = MAGIC.length + 4 + headerLen;
  if (pre > buf.length) throw new InputError(`${file}: truncated checkpoint header`, { file });
  let header: { state: S; tensors: TensorEntry[] };
  try {
    header = JSON.parse(buf.toString('utf8', MAGIC.length + 4, pre)) as typeof header;
  } catch {
    throw new InputError(`${file}: damaged checkpoint header`, { file });
  }
  const dataStart = pre + ((4 - (pre % 4)) % 4);
  const tensors = new Map<string, tf.Tensor>();
  for (const e of header.tensors) {
    const start = dataStart + e.offset;
    if (start + e.bytes > buf.length) {
      tf.dispose([...tensors.values()]);
      throw new InputError(`${file}: truncated checkpoint (tensor ${e.name})`, { file });
    }
    // Copy into an aligned buffer of its own (the file buffer's offset need not be 4-aligned).
    const bytes = new Uint8Array(e.bytes);
    bytes.set(buf.subarray(start, start + e.bytes));
    const values = e.dtype === 'int32' ? new Int32Array(bytes.buffer) : new Float32Array(bytes.buffer);
    tensors.set(e.name, tf.tensor(values, e.shape, e.dtype));
  }
  return { state: header.state, tensors };
}
