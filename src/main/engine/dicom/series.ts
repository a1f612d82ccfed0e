/**
 * Grouping decoded images into series (by Series Instance UID) and ordering their slices.
 *
 * Order: by position along the slice normal, normal = row cosines x column cosines of Image Orientation
 * (Patient), position = dot(Image Position (Patient), normal) (PS3.3 C.7.6.2.1.1), ascending. This is
 * right for tilted gantries and for files whose Instance Numbers run backwards, where sorting by z or by
 * Instance Number is not. When a slice lacks geometry or orientations differ, Instance Number is used,
 * then file order, and the series says so in `orderedBy` and `warnings`.
 */
import type { DicomImage, DicomSeries, DicomSlice } from '@shared/dicom-types';

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

function buildSeries(uid: string, images: DicomImage[]): DicomSeries {
  const warnings: string[] = [];
  if (uid === '') warnings.push('no Series Instance UID: each such file is its own series');
  // Drop repeated SOP instances (the same file copied twice) so a slice is not counted twice.
  const seen = new Map<string, string>();
  const unique: DicomImage[] = [];
  const duplicates: DicomSeries['duplicates'] = [];
  for (const img of images) {
    const sop = img.meta.sopInstanceUid;
    const kept = sop ? seen.get(sop) : undefined;
    if (kept !== undefined) {
      duplicates.push({ file: img.file, duplicateOf: kept });
      continue;
    }
    if (sop) seen.set(sop, img.file);
    unique.push(img);
  }
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
      `${duplicates.length} file(s) repeat the SOP Instance UID of another file and were left out`,
    );
  }
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

/** Groups images by Series Instance UID (in first-seen order) and orders each series' slices. */
export function groupIntoSeries(images: DicomImage[]): DicomSeries[] {
  const groups = new Map<string, { uid: string; images: DicomImage[] }>();
  for (const img of images) {
    const uid = img.meta.seriesInstanceUid ?? '';
    const key = uid === '' ? `\u0000${img.file}` : uid;
    const g = groups.get(key) ?? { uid, images: [] };
    g.images.push(img);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => buildSeries(g.uid, g.images));
}
