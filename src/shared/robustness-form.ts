/**
 * The UI's forms (RobustnessSettingsForm.vue) generated from the field descriptors of src/shared/robustness.ts: list fields are edited as comma
 * text and parsed with src/shared/eps.ts; every value is checked with the fields' own zod schema, so no
 * option, bound or default is written down a second time here.
 */
import type { z } from 'zod';
import { parseEps, parseSigma, splitList } from './eps';
import type { Field } from './robustness';

export type ListField = Extract<Field, { type: 'radii' | 'sigmas' | 'numbers' }>;

export function isListField(f: Field): f is ListField {
  return f.type === 'radii' || f.type === 'sigmas' || f.type === 'numbers';
}

/** The parsers speak to CLI users ("--eps: ..."); a form names the field by its label instead. */
function forForm(f: Field, e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return `${f.label}: ${msg.replace(/^--[\w-]+:\s*/, '')}`;
}

/** Comma text -> the list value of `f`, or the reason it is not one. */
export function parseListText(
  f: ListField,
  text: string,
): { value: string[] | number[]; error: null } | { value: null; error: string } {
  try {
    const parts = splitList(text, f.flag, f.type === 'radii' ? 'radii' : 'values');
    if (f.type === 'radii') return { value: parts.map((p) => parseEps(p, f.flag).text), error: null };
    if (f.type === 'sigmas') return { value: parts.map((p) => parseSigma(p, f.flag).text), error: null };
    const nums = parts.map((p) => {
      const v = Number(p);
      if (p === '' || !Number.isFinite(v)) throw new Error(`"${p}" is not a number`);
      return v;
    });
    return { value: nums, error: null };
  } catch (e) {
    return { value: null, error: forForm(f, e) };
  }
}

/** The messages of a failed parse of a settings object, by field key (the first message per field). */
export function fieldErrors(
  schema: z.ZodType,
  value: unknown,
  fields: readonly Field[],
): Record<string, string> {
  const r = schema.safeParse(value);
  const out: Record<string, string> = {};
  if (r.success) return out;
  for (const issue of r.error.issues) {
    const key = String(issue.path[0] ?? '');
    const f = fields.find((x) => x.key === key);
    if (f && !(key in out)) out[key] = `${f.label}: ${issue.message}`;
    else if (!f && !('' in out)) out[''] = issue.message;
  }
  return out;
}

/** The HTML `step` of a number input: whole numbers for ints, any value otherwise. */
export function stepOf(f: Field): string {
  return f.type === 'int' ? '1' : 'any';
}

/** A range hint for the tooltip: "1 to 100", "> 0 and < 1". */
export function boundsText(f: Field): string {
  if (f.type === 'int') return `${f.min} to ${f.max}`;
  if (f.type === 'number') {
    const lo = f.exclusiveMin ? `> ${f.min}` : `≥ ${f.min}`;
    const hi = f.exclusiveMax ? `< ${f.max}` : `≤ ${f.max}`;
    return `${lo} and ${hi}`;
  }
  if (f.type === 'numbers') return `each ≥ ${f.min}`;
  return '';
}

/** Tooltip of a field: its help, bounds and default. */
export function tooltipOf(f: Field): string {
  const bounds = boundsText(f);
  const def = Array.isArray(f.default) ? f.default.join(', ') : String(f.default);
  return `${f.help}${bounds ? ` (${bounds})` : ''}; default ${def}; CLI --${f.flag}`;
}
