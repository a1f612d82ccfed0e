/**
 * De-identification: for every readable file of the reference set, no identifying value that the file
 * holds (read here independently with dicom-parser) appears anywhere in JSON.stringify(publicMeta(...)),
 * nor do the original UIDs; the allow-list is exactly the documented one.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { DicomMeta } from '@shared/dicom-types';
import { hashUid, publicMeta, readDicomFile } from '../../../src/main/engine/dicom';
import { dicomParser } from '../../../src/main/engine/dicom/parse-part10';
import { dataPath, EXPECTED } from './reference-data';

/** Identifying attributes (PS3.15 Table E.1-1 basic profile, the ones these files use). */
const IDENTIFYING: Record<string, string> = {
  x00100010: 'PatientName',
  x00100020: 'PatientID',
  x00100030: 'PatientBirthDate',
  x00100032: 'PatientBirthTime',
  x00101000: 'OtherPatientIDs',
  x00101040: 'PatientAddress',
  x00080050: 'AccessionNumber',
  x00080080: 'InstitutionName',
  x00080081: 'InstitutionAddress',
  x00081040: 'InstitutionalDepartmentName',
  x00080090: 'ReferringPhysicianName',
  x00081050: 'PerformingPhysicianName',
  x00081060: 'NameOfPhysiciansReadingStudy',
  x00081070: 'OperatorsName',
  x00081010: 'StationName',
  x00181000: 'DeviceSerialNumber',
  x00200010: 'StudyID',
  x00080020: 'StudyDate',
  x00080021: 'SeriesDate',
  x00080022: 'AcquisitionDate',
  x00080023: 'ContentDate',
  x00080030: 'StudyTime',
  x00080031: 'SeriesTime',
  x00080032: 'AcquisitionTime',
  x00080033: 'ContentTime',
  x0008103e: 'SeriesDescription',
  x00081030: 'StudyDescription',
  x0020000d: 'StudyInstanceUID',
  x0020000e: 'SeriesInstanceUID',
  x00080018: 'SOPInstanceUID',
  x00020003: 'MediaStorageSOPInstanceUID',
  x00200052: 'FrameOfReferenceUID',
};

function identifyingValues(path: string): { name: string; value: string }[] {
  const ds = dicomParser.parseDicom(readFileSync(path));
  const out: { name: string; value: string }[] = [];
  for (const [tag, name] of Object.entries(IDENTIFYING)) {
    const el = ds.elements[tag];
    if (!el || el.length === 0) continue;
    const raw = (ds.string(tag) ?? '').replace(/\0/g, '').trim();
    // Parts of person names too (Family^Given); values of 4+ characters, to avoid matching digits by chance.
    for (const part of [raw, ...raw.split(/[\^=\\]/)]) {
      if (part.trim().length >= 4) out.push({ name, value: part.trim() });
    }
  }
  return out;
}

const readable = Object.entries(EXPECTED)
  .filter(([rel, e]) => e.category === 'ct-single' || e.category === 'ct-series' || rel.startsWith('non-ct/'))
  .map(([rel]) => rel);

describe('publicMeta', () => {
  it.each(readable)('%s: no identifier in the public view', async (rel) => {
    let meta: DicomMeta;
    try {
      meta = (await readDicomFile(dataPath(rel), { allowNonCt: true })).meta;
    } catch {
      return; // files that cannot be read have no meta to leak (checked in errors.test.ts)
    }
    const json = JSON.stringify(publicMeta(meta));
    // A sample MR names its vendor as the institution ('TOSHIBA' in Manufacturer 'TOSHIBA_MEC'); the
    // manufacturer is allow-listed, so such values are not a leak.
    const allowed = [meta.manufacturer ?? '', meta.manufacturerModelName ?? ''];
    for (const { name, value } of identifyingValues(dataPath(rel))) {
      if (allowed.some((a) => a.includes(value))) continue;
      expect(json.includes(value), `${rel}: ${name} '${value}' leaked into ${json}`).toBe(false);
    }
  });

  it('the reference set does contain identifiers to hide (the test is not vacuous)', () => {
    const names = new Set(readable.flatMap((rel) => identifyingValues(dataPath(rel)).map((v) => v.name)));
    for (const n of ['PatientName', 'PatientID', 'StudyDate', 'InstitutionName', 'SeriesInstanceUID']) {
      expect(names.has(n), n).toBe(true);
    }
  });

  it('has exactly the allow-listed fields; series description only on request', async () => {
    const meta = (await readDicomFile(dataPath('ct-single/ctimage_explicit-vr-le.dcm'))).meta;
    const pub = publicMeta(meta);
    expect(Object.keys(pub).sort()).toEqual(
      [
        'modality',
        'sopClassUid',
        'manufacturer',
        'manufacturerModelName',
        'transferSyntaxUid',
        'transferSyntaxName',
        'rows',
        'columns',
        'numberOfFrames',
        'bitsAllocated',
        'bitsStored',
        'pixelRepresentation',
        'photometricInterpretation',
        'pixelSpacing',
        'sliceThickness',
        'imageOrientationPatient',
        'imagePositionPatient',
        'kvp',
        'convolutionKernel',
        'gantryDetectorTilt',
        'rescaleSlope',
        'rescaleIntercept',
        'rescaleSource',
        'seriesNumber',
        'instanceNumber',
        'studyUidHash',
        'seriesUidHash',
        'sopInstanceUidHash',
      ].sort(),
    );
    expect(pub).toMatchObject({
      modality: 'CT',
      rows: 512,
      columns: 512,
      manufacturer: 'GE MEDICAL SYSTEMS',
    });
    expect(publicMeta(meta, { includeSeriesDescription: true }).seriesDescription).toBe(
      meta.seriesDescription,
    );
  });

  it('hashed UIDs are valid 2.25 UIDs, stable, salted on request, and keep series grouping', async () => {
    const uid = '1.2.840.113619.2.30.1.1762295590.1623.978668949.890';
    const h = hashUid(uid)!;
    expect(h).toMatch(/^2\.25\.[1-9]\d*$/);
    expect(h.length).toBeLessThanOrEqual(64); // PS3.5 9.1: at most 64 characters
    expect(hashUid(uid)).toBe(h);
    expect(hashUid(uid, 'project-a')).not.toBe(h);
    expect(hashUid(null)).toBeNull();
    const a = (await readDicomFile(dataPath('ct-series/pydicom-ct5n-16x16/2062.dcm'))).meta;
    const b = (await readDicomFile(dataPath('ct-series/pydicom-ct5n-16x16/2392.dcm'))).meta;
    expect(publicMeta(a).seriesUidHash).toBe(publicMeta(b).seriesUidHash);
    expect(publicMeta(a).sopInstanceUidHash).not.toBe(publicMeta(b).sopInstanceUidHash);
  });
});
