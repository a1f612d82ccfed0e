/**
 * Strict readers for element values of a dicom-parser DataSet. dicom-parser's own `intString` /
 * `floatString` use parseInt/parseFloat, which accept garbage ("1A" -> 1); these readers reject it so a
 * bad header is an error instead of a silently wrong image.
 */
import type { DataSet } from 'dicom-parser';

/** dicom-parser tag key for (group, element), e.g. tagKey(0x0028, 0x0010) === 'x00280010'. */
export function tagKey(group: number, element: number): string {
  return 'x' + ((group << 16) | element).toString(16).padStart(8, '0');
}

/** '(GGGG,EEEE)' from a dicom-parser key such as 'x7fe00010'. */
export function tagLabel(key: string): string {
  return `(${key.slice(1, 5).toUpperCase()},${key.slice(5, 9).toUpperCase()})`;
}

/** Present, non-empty and inside the buffer (a truncated file can end inside an element). */
export function hasValue(ds: DataSet, tag: string): boolean {
  const el = ds.elements[tag];
  return el !== undefined && el.length > 0 && el.dataOffset + el.length <= ds.byteArray.length;
}

/** A trimmed string value (index-th of a multi-valued one), or null when absent or empty. */
export function readString(ds: DataSet, tag: string, index?: number): string | null {
  if (!hasValue(ds, tag)) return null;
  const s = ds.string(tag, index);
  if (s === undefined) return null;
  // eslint-disable-next-line no-control-regex
  const t = s.replace(/\u0000+$/, '').trim();
  return t.length > 0 ? t : null;
}

/** Every value of a backslash-separated string element (empty array when absent). */
export function readStrings(ds: DataSet, tag: string): string[] {
  if (!hasValue(ds, tag)) return [];
  const el = ds.elements[tag];
  const raw = Buffer.from(ds.byteArray.buffer, ds.byteArray.byteOffset + el.dataOffset, el.length)
    .toString('latin1')
    // eslint-disable-next-line no-control-regex
    .replace(/\u0000+$/, '');
  return raw.split('\\').map((s) => s.trim());
}

export class ValueFormatError extends Error {
  constructor(
    readonly tag: string,
    readonly value: string,
    readonly expected: string,
  ) {
    super(`${tagLabel(tag)} is '${value}', not ${expected}`);
  }
}

const IS_RE = /^[+-]?\d+$/;
const DS_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** An Integer String (IS) value; null when absent; throws ValueFormatError when not an integer. */
export function readIntString(ds: DataSet, tag: string, index = 0): number | null {
  const values = readStrings(ds, tag);
  if (values.length <= index || values[index] === '') return null;
  const v = values[index];
  if (!IS_RE.test(v)) throw new ValueFormatError(tag, v, 'an integer');
  return Number(v);
}

/** Every Decimal String (DS) value; empty when absent; throws ValueFormatError on a malformed value. */
export function readDecimals(ds: DataSet, tag: string): number[] {
  const values = readStrings(ds, tag);
  if (values.length === 1 && values[0] === '') return [];
  return values.map((v) => {
    if (!DS_RE.test(v)) throw new ValueFormatError(tag, v, 'a decimal number');
    return Number(v);
  });
}

/** The first DS value or null. */
export function readDecimal(ds: DataSet, tag: string): number | null {
  const v = readDecimals(ds, tag);
  return v.length > 0 ? v[0] : null;
}

/** An unsigned 16-bit (US) value; null when absent. Works for VR UN too (the bytes are the same). */
export function readUint16(ds: DataSet, tag: string): number | null {
  const el = ds.elements[tag];
  if (el === undefined || el.length < 2 || !hasValue(ds, tag)) return null;
  return ds.uint16(tag) ?? null;
}

/**
 * A US-or-SS value (Pixel Padding Value and friends) read with the given signedness, whatever VR the
 * file used (implicit VR files do not say). 4-byte values (UL/SL, allowed for 32-bit pixels) too.
 */
export function readPixelValue(ds: DataSet, tag: string, signed: boolean): number | null {
  const el = ds.elements[tag];
  if (el === undefined || el.length < 2 || !hasValue(ds, tag)) return null;
  if (el.length >= 4 && el.length % 4 === 0 && el.vr !== 'US' && el.vr !== 'SS') {
    return (signed ? ds.int32(tag) : ds.uint32(tag)) ?? null;
  }
  return (signed ? ds.int16(tag) : ds.uint16(tag)) ?? null;
}

/** The data set of the first item of a sequence, or null. */
export function firstItem(ds: DataSet, tag: string): DataSet | null {
  return ds.elements[tag]?.items?.[0]?.dataSet ?? null;
}

/** The data set of the index-th item of a sequence, or null. */
export function itemAt(ds: DataSet, tag: string, index: number): DataSet | null {
  return ds.elements[tag]?.items?.[index]?.dataSet ?? null;
}
