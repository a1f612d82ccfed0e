/**
 * The audit spec schema (src/shared/audit-spec.ts): defaults filled, idempotent, FBP baseline and model names,
 * every validation error with its path.
 */
import { describe, expect, it } from 'vitest';
import { AuditSpecError, formatAuditSpec, parseAuditSpec } from '../../../src/shared/audit-spec';
import {
  ATTACK_FIELDS,
  CERTIFICATION_FIELDS,
  DEFAULT_ATTACK,
  DEFAULT_CERTIFICATION,
} from '../../../src/shared/robustness';

const minimal = { models: ['models/ord'], data: { sources: ['ellipses'] } };

describe('audit spec', () => {
  it('fills every default and adds FBP as the first model', () => {
    const s = parseAuditSpec(minimal);
    expect(s.models).toEqual([
      { path: 'fbp', name: 'fbp' },
      { path: 'models/ord', name: 'ord' },
    ]);
    // The attack and certification defaults are the fields' (src/shared/robustness.ts), every one of them.
    expect(s.attack).toEqual(DEFAULT_ATTACK);
    expect(s.certification).toEqual(DEFAULT_CERTIFICATION);
    expect(Object.keys(s.attack).sort()).toEqual(ATTACK_FIELDS.map((f) => f.key).sort());
    expect(Object.keys(s.certification).sort()).toEqual(CERTIFICATION_FIELDS.map((f) => f.key).sort());
    expect(s.attack).toMatchObject({ kind: 'pga-y', eps: ['0.1%', '0.5%', '1%', '2%'], steps: 100 });
    expect(s.certification).toMatchObject({
      enabled: true,
      sigma: ['eps/0.5', 'eps/1', 'eps/1.5'],
      samples: 100,
      confidence: 0.99,
      quantile: 0.5,
      reference: 'truth',
    });
    expect(s.geometry).toEqual({ preset: 'demo' });
    expect(s.data).toEqual({ sources: ['ellipses'], phantoms: 4, allowNonCt: false });
    expect(s.phi).toBe('exclude');
    expect(s.seed).toBe(0);
    expect(s.noise).toBe('none');
    expect(s.report).toEqual({ worstSlices: 3, pdf: true });
  });

  it('is idempotent: the written spec parses to itself', () => {
    const s = parseAuditSpec({ ...minimal, models: ['a/m', 'b/m', { path: 'fbp' }], seed: 'x' });
    const again = parseAuditSpec(JSON.parse(formatAuditSpec(s)));
    expect(again).toEqual(s);
    expect(s.models.map((m) => m.name)).toEqual(['m', 'm-2', 'fbp']);
  });

  it('keeps an explicit fbp and honours baseline: false', () => {
    expect(parseAuditSpec({ ...minimal, baseline: false }).models.map((m) => m.name)).toEqual(['ord']);
    expect(parseAuditSpec({ ...minimal, models: ['models/ord', 'fbp'] }).models.map((m) => m.path)).toEqual([
      'models/ord',
      'fbp',
    ]);
  });

  it.each([
    [{ ...minimal, attack: { eps: ['1%', 'x'] } }, /attack\.eps\.1: .*"x" is not a radius/],
    [
      { ...minimal, certification: { sigma: ['-2%'] } },
      /certification\.sigma\.0: --sigma: "-2%" is not a noise level/,
    ],
    [{ ...minimal, attack: { steps: 100001 } }, /attack\.steps/],
    [{ ...minimal, attack: { kind: 'fgsm' } }, /attack\.kind/],
    [{ ...minimal, certification: { space: 'x' } }, /unrecognized key/i],
    [{ ...minimal, noise: 'loud' }, /noise: noise "loud" not understood/],
    [{ ...minimal, phi: 'maybe' }, /phi: /],
    [{ ...minimal, extra: 1 }, /unrecognized key/i],
    [{ models: [], data: { sources: ['ellipses'] } }, /models: /],
    [{ models: ['fbp'] }, /data: /],
    [{ ...minimal, models: [{ path: 'a', name: 'x y' }] }, /models\.0\.name: model names use letters/],
    [{ ...minimal, certification: { confidence: 1 } }, /certification\.confidence/],
  ])('rejects %j', (spec, pattern) => {
    expect(() => parseAuditSpec(spec)).toThrow(pattern);
    try {
      parseAuditSpec(spec);
    } catch (e) {
      expect(e).toBeInstanceOf(AuditSpecError);
      expect((e as AuditSpecError).code).toBe('USAGE');
    }
  });

  it('refuses two models with one name', () => {
    expect(() =>
      parseAuditSpec({
        ...minimal,
        models: [
          { path: 'a', name: 'm' },
          { path: 'b', name: 'm' },
        ],
      }),
    ).toThrow(/two models are named "m"/);
  });
});
