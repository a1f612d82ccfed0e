/**
 * Grouping headers into series (by Series Instance UID) and ordering their slices. Repeated SOP Instance
 * UIDs are resolved before (instances.ts compares their pixels); the copies left out are attached to the
 * series of the file kept. The warnings of the files (assumptions, lossy compression...) are repeated in
 * the series' warnings, with how many files they concern, so no listing hides them.
 *
 * Order: by position along the slice normal, normal = row cosines x column cosines of Image Orientation
 * (Patient), position = dot(Image Position (Patient), normal) (PS3.3 C.7.6.2.1.1), ascending. This is
 * right for tilted gantries and for files whose Instance Numbers run backwards, where sorting by z or by
 * Instance Number is not. When a slice lacks geometry or orientations differ, Instance Number is used,
 * then file order, and the series says so in `orderedBy` and `warnings`.
 */
import type { DicomHeader, DicomSeries, DicomSlice } from '@shared/dicom-types';

type Vec3 = [number, number, number];

/** Unit normal of an Image Orientation (Patient), or null when degenerate. */
export function sliceNormal(iop: readonly number[]): Vec3 | null {
  const [a, b, c, d, e, f] = iop;
  const n: Vec3 = [b * f - c * e, c * d - a * f, a * e - b * d];
  const len = Math.hypot(n[0], n[1], n[2]);
  if (!(len > 1e-6)) return null;
  return [n[0] / len, n[1] / len, n[2] / len];
}

/** Orientations within ~0.8 degrees count as parallel. */
const PARALLEL_COS = Math.cos((0.8 * Math.PI) / 180);
/** Steps differing by more than this fraction from the median are reported as uneven spacing. */
const SPACING_TOLERANCE = 0.1;

function compareTies(a: DicomSlice, b: DicomSlice): number {
  const ia = a.instanceNumber ?? Infinity;
  const ib = b.instanceNumber ?? Infinity;
  if (ia !== ib) return ia - ib;
  if (a.image.file !== b.image.file) return a.image.file < b.image.file ? -1 : 1;
  return a.frameIndex - b.frameIndex;
}

function fileWarnings(images: DicomHeader[]): string[] {
  const counts = new Map<string, number>();
  for (const img of images) for (const w of new Set(img.warnings)) counts.set(w, (counts.get(w) ?? 0) + 1);
  return [...counts].map(([w, n]) =>
    images.length === 1
      ? w
      : `${n === images.length ? 'every file' : `${n} of ${images.length} files`}: ${w}`,
  );
}

function buildSeries(uid: string, unique: DicomHeader[], duplicates: DicomSeries['duplicates']): DicomSeries {
  const warnings: string[] = [];
  if (uid === '') warnings.push('no Series Instance UID: each such file is its own series');
  const slices: DicomSlice[] = unique.flatMap((image) =>
    image.frames.map((f) => ({
      image,
      frameIndex: f.index,
      position: null,
      instanceNumber: image.meta.instanceNumber,
    })),
  );
  if (duplicates.length > 0) {
    warnings.push(
      `${duplicates.length} file(s) repeat the SOP Instance UID of another file with identical pixels and were left out`,
    );
  }
  warnings.push(...fileWarnings(unique));
  const first = unique[0];
  const sizes = new Set(unique.map((i) => `${i.meta.rows}x${i.meta.columns}`));
  if (sizes.size > 1) warnings.push(`mixed image sizes in one series: ${[...sizes].join(', ')}`);

  const planes = slices.map((s) => s.image.frames[s.frameIndex].plane);
  const refIop = planes.find((p) => p.imageOrientationPatient)?.imageOrientationPatient ?? null;
  const normal = refIop ? sliceNormal(refIop) : null;
  let orderedBy: DicomSeries['orderedBy'] = 'position';
  let reason = '';
  if (!normal) reason = 'no usable Image Orientation (Patient)';
  else {
    for (const p of planes) {
      const n = p.imageOrientationPatient ? sliceNormal(p.imageOrientationPatient) : null;
      if (!n || !p.imagePositionPatient) {
        reason = 'a slice lacks Image Position/Orientation (Patient)';
        break;
      }
      if (Math.abs(n[0] * normal[0] + n[1] * normal[1] + n[2] * normal[2]) < PARALLEL_COS) {
        reason = 'slices have different orientations';
        break;
      }
    }
  }
  if (!reason && normal) {
    slices.forEach((s, i) => {
      const ipp = planes[i].imagePositionPatient as Vec3;
      s.position = ipp[0] * normal[0] + ipp[1] * normal[1] + ipp[2] * normal[2];
    });
    slices.sort((a, b) => (a.position as number) - (b.position as number) || compareTies(a, b));
  } else {
    orderedBy = slices.every((s) => s.instanceNumber !== null) ? 'instance-number' : 'file-order';
    warnings.push(
      `${reason}: ordered by ${orderedBy === 'instance-number' ? 'Instance Number' : 'file name'}`,
    );
    slices.sort(compareTies);
  }

  const stepsMm: number[] = [];
  if (orderedBy === 'position') {
    for (let i = 1; i < slices.length; i++)
      stepsMm.push((slices[i].position as number) - (slices[i - 1].position as number));
    const dup = stepsMm.filter((s) => Math.abs(s) < 1e-3).length;
    if (dup > 0)
      warnings.push(`${dup} pair(s) of slices share a position (duplicates or overlapping frames)`);
    const positive = stepsMm.filter((s) => Math.abs(s) >= 1e-3);
    if (positive.length > 1) {
      const sorted = [...positive].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      const lo = sorted[0];
      const hi = sorted[sorted.length - 1];
      if (hi - lo > SPACING_TOLERANCE * median) {
        warnings.push(
          `uneven slice spacing: steps along the normal range ${lo.toFixed(3)}..${hi.toFixed(3)} mm`,
        );
      }
    }
  }
  return {
    seriesInstanceUid: uid,
    modality: first.meta.modality,
    rows: first.meta.rows,
    columns: first.meta.columns,
    slices,
    orderedBy,
    normal: orderedBy === 'position' ? normal : null,
    stepsMm,
    duplicates,
    warnings,
  };
}

/**
 * Groups headers by Series Instance UID (in first-seen order) and orders each series' slices. `duplicates`:
 * files left out as identical copies of a kept file (instances.ts), attached to that file's series.
 */
export function groupIntoSeries(
  images: DicomHeader[],
  duplicates: DicomSeries['duplicates'] = [],
): DicomSeries[] {
  const groups = new Map<string, { uid: string; images: DicomHeader[] }>();
  const keyOfFile = new Map<string, string>();
  for (const img of images) {
    const uid = img.meta.seriesInstanceUid ?? '';
    const key = uid === '' ? `\u0000${img.file}` : uid;
    const g = groups.get(key) ?? { uid, images: [] };
    g.images.push(img);
    groups.set(key, g);
    keyOfFile.set(img.file, key);
  }
  const dups = new Map<string, DicomSeries['duplicates']>();
  for (const d of duplicates) {
    const key = keyOfFile.get(d.duplicateOf);
    if (key === undefined) continue;
    dups.set(key, [...(dups.get(key) ?? []), d]);
  }
  return [...groups].map(([key, g]) => buildSeries(g.uid, g.images, dups.get(key) ?? []));
}
