/**
 * The CLI flags of the attack and certification settings, generated from their one definition
 * (src/shared/robustness.ts: flag, help, bounds, default), for `audit`, `batch`, `attack` and `certify`.
 * Values are only collected here; the schema (parseAuditSpec) validates and fills defaults.
 */
import type { Command } from 'commander';
import { splitList } from '@shared/eps';
import { UsageError } from '@shared/errors';
import { ATTACK_FIELDS, CERTIFICATION_FIELDS, formatList, type Field } from '@shared/robustness';
import { parseChoice, parseIntOption, parseNumberOption } from './context';

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

function defaultText(f: Field): string {
  const d = f.default;
  return Array.isArray(d) ? formatList(d) : String(d);
}

function addField(cmd: Command, f: Field): void {
  const help = `${f.help}${f.appliesTo ? ` [${f.appliesTo.join(', ')}]` : ''} (default: ${defaultText(f)})`;
  switch (f.type) {
    case 'int':
      cmd.option(`--${f.flag} <n>`, help, parseIntOption(f.flag, f.min, f.max));
      break;
    case 'number':
      cmd.option(`--${f.flag} <x>`, help, parseNumberOption(f.flag, f.min, f.max));
      break;
    case 'choice':
      cmd.option(
        `--${f.flag} <name>`,
        `${help}; one of ${f.choices.join(', ')}`,
        parseChoice(f.flag, f.choices),
      );
      break;
    case 'boolean':
      if (f.default) cmd.option(`--no-${f.flag}`, help);
      else cmd.option(`--${f.flag}`, help);
      break;
    case 'radii':
    case 'sigmas':
      cmd.option(`--${f.flag} <list>`, help, (v: string) => splitList(v, f.flag));
      break;
    case 'numbers':
      cmd.option(`--${f.flag} <list>`, help, (v: string) =>
        splitList(v, f.flag).map((t) => {
          const n = Number(t);
          if (!Number.isFinite(n) || n < f.min) {
            throw new UsageError(`--${f.flag}: "${t}" must be a number >= ${f.min}`);
          }
          return n;
        }),
      );
      break;
  }
}

/** Adds every attack and certification flag (`--attack`, `--eps`, `--steps`, ..., `--sigma`, `--samples`...). */
export function addRobustnessOptions(cmd: Command): Command {
  for (const f of [...ATTACK_FIELDS, ...CERTIFICATION_FIELDS] as readonly Field[]) addField(cmd, f);
  cmd.option(
    '--batch-size <n>',
    'noisy copies per forward pass (performance only)',
    parseIntOption('batch-size', 1),
  );
  return cmd;
}

function collect(fields: readonly Field[], o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = o[camel(f.flag)];
    if (v !== undefined && !(f.type === 'boolean' && v === f.default)) out[f.key] = v;
  }
  return out;
}

/** The attack and certification parts the flags set (only those given), to lay over a spec. */
export function robustnessFromOptions(o: Record<string, unknown>): {
  attack: Record<string, unknown>;
  certification: Record<string, unknown>;
} {
  const certification = collect(CERTIFICATION_FIELDS, o);
  if (o.batchSize !== undefined) certification.batchSize = o.batchSize;
  return { attack: collect(ATTACK_FIELDS, o), certification };
}
