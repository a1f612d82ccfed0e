import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { GeometryChoice, ModelRef } from '@shared/ipc';
import {
  ATTACK_FIELDS,
  CERTIFICATION_FIELDS,
  attackSettingsSchema,
  certificationSettingsSchema,
  defaultSettings,
  fieldApplies,
  formatList,
  type AttackSettings,
  type CertificationSettings,
  type Field,
} from '@shared/robustness';
import { fieldErrors, isListField, parseListText } from '@shared/robustness-form';

export type SettingsGroup = 'attack' | 'certification';

const FIELDS: Record<SettingsGroup, readonly Field[]> = {
  attack: ATTACK_FIELDS,
  certification: CERTIFICATION_FIELDS,
};

function listTexts(group: SettingsGroup, values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of FIELDS[group]) {
    if (isListField(f)) out[f.key] = formatList(values[f.key] as (string | number)[]);
  }
  return out;
}

/**
 * The audit settings shared by the one-slice audit and the data-set (folder) and batch audits: the models, the
 * geometry for plain FBP, measurement noise and seed, and the attack and certification settings of
 * src/shared/robustness.ts (defaults from there). In Pinia, so the forms keep their values across views.
 */
export const useAuditSettingsStore = defineStore('audit-settings', () => {
  const attack = reactive<AttackSettings>(defaultSettings(ATTACK_FIELDS));
  const certification = reactive<CertificationSettings>(defaultSettings(CERTIFICATION_FIELDS));
  /** The comma text of the list fields, as typed (parsed into the settings when valid). */
  const texts = reactive<Record<SettingsGroup, Record<string, string>>>({
    attack: listTexts('attack', attack),
    certification: listTexts('certification', certification),
  });
  const textErrors = reactive<Record<SettingsGroup, Record<string, string>>>({
    attack: {},
    certification: {},
  });

  /** Workspace models to compare (plain FBP is always the baseline), and model folders picked by path. */
  const models = ref<string[]>([]);
  const modelPaths = ref<string[]>([]);
  const geometry = ref<GeometryChoice>({ preset: 'demo' });
  const noise = ref('none');
  const seed = ref(0);

  /** The data-set and batch forms (names, data, slices, report), kept across views too. */
  const dataset = reactive({
    auditName: '',
    batchName: '',
    data: [] as string[],
    extraPath: '',
    maxSlices: 4,
    report: true,
    /** Batch only: a Redis queue URL; the units then run on `ct-audit worker` processes (memory only). */
    queue: '',
  });

  function setText(group: SettingsGroup, key: string, text: string): void {
    texts[group][key] = text;
    const f = FIELDS[group].find((x) => x.key === key);
    if (!f || !isListField(f)) return;
    const r = parseListText(f, text);
    if (r.error !== null) textErrors[group][key] = r.error;
    else {
      delete textErrors[group][key];
      (group === 'attack' ? attack : certification)[key as never] = r.value as never;
    }
  }

  /** Per field key: why the value is not accepted (list text first, then the zod schema's bounds). */
  const errors = computed<Record<SettingsGroup, Record<string, string>>>(() => ({
    attack: { ...fieldErrors(attackSettingsSchema, attack, ATTACK_FIELDS), ...textErrors.attack },
    certification: {
      ...fieldErrors(certificationSettingsSchema, certification, CERTIFICATION_FIELDS),
      ...textErrors.certification,
    },
  }));
  /** Only the errors of fields the chosen attack uses block a run. */
  const blocking = computed(() => [
    ...Object.entries(errors.value.attack)
      .filter(([k]) => {
        const f = FIELDS.attack.find((x) => x.key === k);
        return !f || fieldApplies(f, attack.kind);
      })
      .map(([, v]) => v),
    ...(certification.enabled ? Object.values(errors.value.certification) : []),
  ]);

  function reset(group: SettingsGroup): void {
    const target = group === 'attack' ? attack : certification;
    Object.assign(target, defaultSettings(FIELDS[group] as typeof ATTACK_FIELDS));
    texts[group] = listTexts(group, target);
    textErrors[group] = {};
  }

  /** The model picked with "Use in Audit": selected (the others stay selected). */
  function useModel(name: string): void {
    if (!models.value.includes(name)) models.value = [...models.value, name];
  }

  /** The settings of a request: copies (plain objects for the IPC), parsed so every default is filled. */
  function requestSettings(): { attack: AttackSettings; certification: CertificationSettings } {
    return {
      attack: attackSettingsSchema.parse(JSON.parse(JSON.stringify(attack))),
      certification: certificationSettingsSchema.parse(JSON.parse(JSON.stringify(certification))),
    };
  }

  function modelRefs(max: number): ModelRef[] {
    const refs: ModelRef[] = [
      ...models.value.map((name) => ({ kind: 'workspace' as const, name })),
      ...modelPaths.value.map((path) => ({ kind: 'path' as const, path })),
    ];
    return refs.length ? refs.slice(0, max) : [{ kind: 'fbp' }];
  }

  return {
    attack,
    certification,
    texts,
    errors,
    blocking,
    models,
    modelPaths,
    geometry,
    noise,
    seed,
    dataset,
    setText,
    reset,
    useModel,
    requestSettings,
    modelRefs,
  };
});
