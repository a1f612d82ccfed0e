/**
 * The audit settings form's logic (src/shared/robustness-form.ts): list text parsed with the eps
 * grammar, errors named by the field's label, bounds from the field descriptors' zod schema, tooltips that
 * state the descriptor's help, bounds and default.
 */
import { describe, expect, it } from 'vitest';
import {
  ATTACK_FIELDS,
  CERTIFICATION_FIELDS,
  DEFAULT_ATTACK,
  DEFAULT_CERTIFICATION,
  attackSettingsSchema,
  certificationSettingsSchema,
  type Field,
} from '@shared/robustness';
import { fieldErrors, isListField, parseListText, tooltipOf } from '@shared/robustness-form';

const field = (fields: readonly Field[], key: string) => {
  const f = fields.find((x) => x.key === key);
  if (!f || !isListField(f)) throw new Error(`no list field ${key}`);
  return f;
};

describe('parseListText', () => {
  it('parses radii, sigma entries and numbers as the CLI does', () => {
    expect(parseListText(field(ATTACK_FIELDS, 'eps'), ' 0.1%, 5HU ,0.5')).toEqual({
      value: ['0.1%', '5HU', '0.5'],
      error: null,
    });
    expect(parseListText(field(CERTIFICATION_FIELDS, 'sigma'), 'eps/0.5, eps / 1.5, 2%').value).toEqual([
      'eps/0.5',
      'eps/1.5',
      '2%',
    ]);
    expect(parseListText(field(ATTACK_FIELDS, 'lambda'), '1, 0.5').value).toEqual([1, 0.5]);
  });

  it('names the field by its label, not the CLI flag', () => {
    const r = parseListText(field(ATTACK_FIELDS, 'eps'), '1%, abc');
    expect(r.value).toBeNull();
    expect(r.error).toMatch(/^Radii: "abc" is not a radius/);
    expect(r.error).not.toContain('--eps');
    expect(parseListText(field(ATTACK_FIELDS, 'eps'), ' , ').error).toMatch(/^Radii: expected/);
    expect(parseListText(field(CERTIFICATION_FIELDS, 'sigma'), 'eps/0').error).toMatch(/^Smoothing noise/);
    expect(parseListText(field(ATTACK_FIELDS, 'lambda'), '1, x').error).toBe(
      'Penalty weights: "x" is not a number',
    );
  });
});

describe('fieldErrors', () => {
  it('accepts the defaults and reports out-of-bounds values by field, with the bound of the descriptor', () => {
    expect(fieldErrors(attackSettingsSchema, DEFAULT_ATTACK, ATTACK_FIELDS)).toEqual({});
    expect(fieldErrors(certificationSettingsSchema, DEFAULT_CERTIFICATION, CERTIFICATION_FIELDS)).toEqual({});
    const steps = ATTACK_FIELDS.find((f) => f.key === 'steps')!;
    const e = fieldErrors(
      attackSettingsSchema,
      { ...DEFAULT_ATTACK, steps: steps.max + 1, momentum: NaN },
      ATTACK_FIELDS,
    );
    expect(Object.keys(e).sort()).toEqual(['momentum', 'steps']);
    expect(e.steps).toContain(`${steps.label}:`);
    expect(e.steps).toContain(String(steps.max));
    const c = fieldErrors(
      certificationSettingsSchema,
      { ...DEFAULT_CERTIFICATION, confidence: 1 },
      CERTIFICATION_FIELDS,
    );
    expect(Object.keys(c)).toEqual(['confidence']);
  });
});

describe('tooltipOf', () => {
  it('states the help, the bounds and the default of the descriptor', () => {
    for (const f of [...ATTACK_FIELDS, ...CERTIFICATION_FIELDS] as readonly Field[]) {
      const t = tooltipOf(f);
      expect(t.startsWith(f.help)).toBe(true);
      const def = Array.isArray(f.default) ? f.default.join(', ') : String(f.default);
      expect(t).toContain(`default ${def}`);
      if (f.type === 'int') expect(t).toContain(`${f.min} to ${f.max}`);
    }
  });
});
