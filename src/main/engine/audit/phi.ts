/**
 * Patient identifiers and audit outputs (DESIGN.md section 7). The engine's DICOM metadata holds no
 * identifiers (dicom/public-meta.ts), but identifiers also hide where the engine does not look: file and
 * folder names ("Doe^John/001.dcm"), slice ids built from them, warnings that quote paths, the command line.
 * So, with PHI policy 'exclude', the audit reads the identifying elements of every input DICOM header here,
 * in memory only, and redacts each of their values from every string it writes (JSON string values, never
 * numbers; the report builder gets the same terms as `phi.redactTerms`). With 'include' they are kept, and
 * the manifest lists them per series.
 */
import { promises as fs } from 'node:fs';
import { parseDicomBuffer } from '../dicom/parse-part10';
import { IDENTIFYING_TAGS, identifiersOf, type Identifiers } from '../dicom/identifiers';

export { IDENTIFYING_TAGS, type Identifiers };

/** The identifying values of a DICOM file by attribute name; {} when the file cannot be parsed. */
export async function readIdentifiers(file: string): Promise<Identifiers> {
  try {
    return identifiersOf(parseDicomBuffer(file, await fs.readFile(file)).dataSet);
  } catch {
    return {};
  }
}

const PERSON_NAME_TAGS = new Set([
  'x00100010',
  'x00101001',
  'x00080090',
  'x00081050',
  'x00081070',
  'x00321032',
]);

/** Values that carry nothing (already anonymized or empty person-name components). */
const PLACEHOLDER = /^(?:[\^\s=-]*|removed|anonymi[sz]ed|anonymous|none|unknown|n\/a)$/i;

/**
 * Terms to redact from the identifiers of many files: every value, and for person names every component
 * ("Doe^John" -> "Doe^John", "Doe", "John", "Doe John"), of at least 3 characters, placeholders excepted.
 */
export function redactionTerms(all: readonly Identifiers[]): string[] {
  const terms = new Set<string>();
  const add = (s: string) => {
    const t = s.trim();
    if (t.length >= 3 && !PLACEHOLDER.test(t)) terms.add(t);
  };
  const personNames = new Set(
    Object.entries(IDENTIFYING_TAGS)
      .filter(([tag]) => PERSON_NAME_TAGS.has(tag))
      .map(([, name]) => name),
  );
  for (const ids of all) {
    for (const [name, value] of Object.entries(ids)) {
      if (!value) continue;
      for (const v of value.split('\\')) {
        add(v);
        if (personNames.has(name)) {
          const parts = v
            .split('^')
            .map((p) => p.trim())
            .filter((p) => p.length > 0);
          for (const p of parts) add(p);
          add(parts.join(' '));
          add(parts.join('_'));
        }
      }
    }
  }
  // Longest first, so "Doe^John" is replaced before "Doe".
  return [...terms].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export type Redactor = (s: string) => string;

export const REDACTED = '[redacted]';

/** A case-insensitive replacer of every term by "[redacted]"; the identity for no terms. */
export function makeRedactor(terms: readonly string[]): Redactor {
  if (terms.length === 0) return (s) => s;
  const re = new RegExp(terms.map(escapeRegExp).join('|'), 'gi');
  return (s) => s.replace(re, REDACTED);
}

/** JSON text of `value` with every string value (and object key) passed through `redact`. */
export function stringifyRedacted(value: unknown, redact: Redactor, space = 2): string {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) out[redact(k)] = walk(val);
      return out;
    }
    return v;
  };
  return JSON.stringify(walk(value), null, space);
}
