/**
 * Generates many DICOM files for benchmarks by copying the CT files of the test set with new UIDs (never
 * committed: written to a temporary folder and deleted by the caller). Each copy gets its own SOP Instance
 * UID (and Media Storage SOP Instance UID); a series is `perSeries` copies of one source file with a new
 * Series and Study Instance UID (the sources taken in turn), in folders of `perFolder` files. UIDs are rewritten in place with values of
 * the same length (`2.25.<digits>`, PS3.5 B.2), so offsets and group lengths stay valid. Deflated files are
 * left out (their UIDs are inside the compressed data set).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { listFiles, readDicomHeader } from '../src/main/engine/dicom';
import { dicomParser } from '../src/main/engine/dicom/parse-part10';

const SOP = 'x00080018';
const MEDIA_SOP = 'x00020003';
const SERIES = 'x0020000e';
const STUDY = 'x0020000d';

interface Source {
  file: string;
  bytes: Buffer;
  /** Offset and length of each UID value to rewrite. */
  at: Partial<Record<string, { offset: number; length: number }>>;
}

function uidOfLength(length: number, seed: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(seed).digest('hex')}`).toString(10);
  const n = Math.max(1, length - 5);
  let d = digits.repeat(Math.ceil(n / digits.length)).slice(0, n);
  if (d[0] === '0') d = `1${d.slice(1)}`;
  return `2.25.${d}`.slice(0, length);
}

/** The CT files of `dir` a header-only read accepts, with the positions of their UIDs. */
export async function copySources(dir: string): Promise<Source[]> {
  const out: Source[] = [];
  for (const file of (await listFiles([dir])).files) {
    try {
      const h = await readDicomHeader(file);
      if (h.meta.deflated) continue;
    } catch {
      continue;
    }
    const bytes = readFileSync(file);
    const meta = dicomParser.readPart10Header(bytes);
    const ds = dicomParser.parseDicom(bytes, { untilTag: 'x7fe00010' });
    const at: Source['at'] = {};
    for (const [tag, set] of [
      [MEDIA_SOP, meta],
      [SOP, ds],
      [SERIES, ds],
      [STUDY, ds],
    ] as const) {
      const el = set.elements[tag];
      if (el && el.length >= 8) at[tag] = { offset: el.dataOffset, length: el.length };
    }
    if (at[SOP] && at[SERIES]) out.push({ file, bytes, at });
  }
  return out;
}

/** Writes `count` copies into `outDir`; returns their total size in bytes. */
export function writeCopies(
  sources: Source[],
  outDir: string,
  count: number,
  o: { perSeries?: number; perFolder?: number; seed?: string } = {},
): number {
  const perSeries = o.perSeries ?? 50;
  const perFolder = o.perFolder ?? 500;
  const seed = o.seed ?? `${Date.now()}`;
  let total = 0;
  for (let i = 0; i < count; i++) {
    // A series is `perSeries` copies of one source file (UIDs of one length, one image size).
    const series = Math.floor(i / perSeries);
    const src = sources[series % sources.length];
    const b = Buffer.from(src.bytes);
    const values: Record<string, string> = {
      [SOP]: `${seed}/sop/${i}`,
      [MEDIA_SOP]: `${seed}/sop/${i}`,
      [SERIES]: `${seed}/series/${series}`,
      [STUDY]: `${seed}/study/${series}`,
    };
    for (const [tag, key] of Object.entries(values)) {
      const a = src.at[tag];
      if (!a) continue;
      b.write(uidOfLength(a.length, key).padEnd(a.length, '\0'), a.offset, a.length, 'latin1');
    }
    const folder = path.join(outDir, `part-${String(Math.floor(i / perFolder)).padStart(3, '0')}`);
    if (i % perFolder === 0) mkdirSync(folder, { recursive: true });
    writeFileSync(path.join(folder, `img-${String(i).padStart(6, '0')}.dcm`), b);
    total += b.length;
  }
  return total;
}
