/**
 * `ct-audit attack`: worst-case perturbations of models on slices over a grid of radii, rho-hat(eps) (eq. 8-9
 * of papers/000) — the audit's evaluation with certification and the report off (audit-command.ts), so its
 * numbers are the audit's. Every attack kind of the registry (src/shared/robustness.ts), `--attack`.
 */
import type { Command } from 'commander';
import { addAuditOptions, type AuditCliOptions } from '../audit-options';
import { runAuditCommand } from '../audit-command';

export function registerAttack(program: Command): void {
  const cmd = program
    .command('attack')
    .description(
      'worst-case perturbations of models: Delta_max per slice and rho-hat(eps) over a grid of radii (papers/000 eq. 8-9); the audit without certification or report',
    );
  addAuditOptions(cmd, { data: true, outOptional: true }).action(async (o: AuditCliOptions, c: Command) => {
    await runAuditCommand(o, c, {
      command: 'attack',
      temporaryOut: true,
      under: { baseline: false, certification: { enabled: false }, report: { pdf: false } },
    });
  });
}
