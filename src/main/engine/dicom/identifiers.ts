/**
 * The identifying elements of a DICOM header (PS3.15 basic profile attributes the app could meet in a CT
 * header), read from a parsed data set for redaction (audit/phi.ts). They never enter DicomMeta: callers
 * that need them (the audit inventory) ask the scan for them and keep them in memory.
 */
import type { DataSet } from 'dicom-parser';

/** Tag -> attribute name of the identifying elements read. */
export const IDENTIFYING_TAGS: Readonly<Record<string, string>> = {
  x00100010: 'PatientName',
  x00100020: 'PatientID',
  x00100030: 'PatientBirthDate',
  x00101000: 'OtherPatientIDs',
  x00101001: 'OtherPatientNames',
  x00101040: 'PatientAddress',
  x00080050: 'AccessionNumber',
  x00080080: 'InstitutionName',
  x00080081: 'InstitutionAddress',
  x00080090: 'ReferringPhysicianName',
  x00081050: 'PerformingPhysicianName',
  x00081070: 'OperatorsName',
  x00321032: 'RequestingPhysician',
  x00200010: 'StudyID',
  x00080020: 'StudyDate',
  x00080021: 'SeriesDate',
  x00080022: 'AcquisitionDate',
  x00080023: 'ContentDate',
};

/** Attribute name -> value (trimmed, non-empty) of the identifying elements present. */
export type Identifiers = Partial<Record<string, string>>;

/** The identifying values of a parsed data set by attribute name. */
export function identifiersOf(ds: DataSet): Identifiers {
  const out: Identifiers = {};
  for (const [tag, name] of Object.entries(IDENTIFYING_TAGS)) {
    const el = ds.elements[tag];
    if (!el || el.length === 0 || el.dataOffset + el.length > ds.byteArray.length) continue;
    let v: string | undefined;
    try {
      v = ds.string(tag);
    } catch {
      v = undefined;
    }
    // eslint-disable-next-line no-control-regex
    const t = v?.replace(/\u0000/g, '').trim();
    if (t) out[name] = t;
  }
  return out;
}
