/**
 * Files that repeat a SOP Instance UID. The UID names one image (PS3.3 C.12.1.1.1), so two files carrying it
 * should hold the same pixels: the same file copied twice, or one image in two transfer syntaxes. But a
 * corrupted or edited copy carries the UID too, and keeping "the first by path" would let it displace the
 * valid file. So the copies are decoded and compared, HU for HU (padding masks included):
 *  - all identical: the first by path is kept, the others are `duplicates` of it;
 *  - some differ: every decodable copy is a conflict error naming the others and how much they differ; none
 *    is audited, since which one is right cannot be told from the files;
 *  - a copy that cannot be decoded is an error of its own (its reason), and does not stop the comparison of
 *    the others.
 * Only files that share a UID are decoded, so a header-only scan stays header-only for normal folders.
 */
import path from 'node:path';
import { DicomError, JobCancelledError } from '@shared/errors';
import type { DicomHeader, DicomImage, DicomSeries } from '@shared/dicom-types';

export interface InstanceResolution {
  /** One header per SOP Instance UID (and every header without one), in the input order. */
  unique: DicomHeader[];
  duplicates: DicomSeries['duplicates'];
  /** Conflicting copies, and copies that could not be decoded for the comparison. */
  errors: DicomError[];
}

interface Difference {
  pixels: number;
  of: number;
  maxAbs: number;
}

/** null when the two images have the same frames, sizes, HU and padding; otherwise how they differ. */
export function compareImages(a: DicomImage, b: DicomImage): Difference | null {
  const of = a.meta.rows * a.meta.columns * a.frames.length;
  if (
    a.meta.rows !== b.meta.rows ||
    a.meta.columns !== b.meta.columns ||
    a.frames.length !== b.frames.length
  ) {
    return { pixels: of, of, maxAbs: Infinity };
  }
  let pixels = 0;
  let maxAbs = 0;
  for (let f = 0; f < a.frames.length; f++) {
    const fa = a.frames[f];
    const fb = b.frames[f];
    for (let i = 0; i < fa.hu.length; i++) {
      const pa = fa.paddingMask ? fa.paddingMask[i] : 0;
      const pb = fb.paddingMask ? fb.paddingMask[i] : 0;
      const d = Math.abs(fa.hu[i] - fb.hu[i]);
      if (d !== 0 || pa !== pb) {
        pixels++;
        if (d > maxAbs) maxAbs = d;
      }
    }
  }
  return pixels === 0 ? null : { pixels, of, maxAbs };
}

function describeDifference(d: Difference): string {
  if (!Number.isFinite(d.maxAbs)) return 'different image sizes or frame counts';
  return `${d.pixels} of ${d.of} pixels differ, by up to ${d.maxAbs} HU`;
}

/**
 * Resolves repeated SOP Instance UIDs among `headers` (see the file comment). `decode` reads a file's pixels
 * (readDicomFile with the scan's options).
 */
export async function resolveRepeatedInstances(
  headers: DicomHeader[],
  decode: (file: string) => Promise<DicomImage>,
  signal?: AbortSignal,
): Promise<InstanceResolution> {
  const byUid = new Map<string, DicomHeader[]>();
  for (const h of headers) {
    const uid = h.meta.sopInstanceUid;
    if (uid) byUid.set(uid, [...(byUid.get(uid) ?? []), h]);
  }
  const dropped = new Set<string>();
  const duplicates: DicomSeries['duplicates'] = [];
  const errors: DicomError[] = [];
  for (const group of byUid.values()) {
    if (group.length < 2) continue;
    const sorted = [...group].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
    // Classes of identical pixels; only each class's first image stays decoded.
    const classes: { image: DicomImage; files: string[]; diff: Difference | null }[] = [];
    for (const h of sorted) {
      if (signal?.aborted) throw new JobCancelledError('DICOM scan cancelled');
      let image: DicomImage;
      try {
        image = await decode(h.file);
      } catch (e) {
        if (!(e instanceof DicomError)) throw e;
        dropped.add(h.file);
        errors.push(e);
        continue;
      }
      const same = classes.find((c) => compareImages(c.image, image) === null);
      if (same) same.files.push(h.file);
      else
        classes.push({
          image,
          files: [h.file],
          diff: classes.length > 0 ? compareImages(classes[0].image, image) : null,
        });
    }
    if (classes.length === 1) {
      const [kept, ...copies] = classes[0].files;
      for (const file of copies) {
        dropped.add(file);
        duplicates.push({ file, duplicateOf: kept });
      }
      for (const h of sorted) if (h.file !== kept) dropped.add(h.file);
      continue;
    }
    const all = classes.flatMap((c) => c.files);
    const diffs = classes
      .slice(1)
      .map((c) => describeDifference(c.diff!))
      .join('; ');
    for (const file of all) {
      dropped.add(file);
      const others = all.filter((f) => f !== file).map((f) => path.basename(f));
      errors.push(
        new DicomError(
          file,
          `repeats the SOP Instance UID of ${others.join(', ')} but the pixel data differ (${diffs}): ` +
            'none of these copies is audited, since which one is right cannot be told; keep only the valid file',
          'DICOM',
          { category: 'sop-instance-conflict', others: all.filter((f) => f !== file) },
        ),
      );
    }
  }
  return { unique: headers.filter((h) => !dropped.has(h.file)), duplicates, errors };
}
