/**
 * `ct-audit audit`: the main job (DESIGN.md sections 4-5): models x slices -> at every radius the attack's worst
 * case and the certificate at the attacked input, summary, images and report in one folder. From a spec file
 * (`--spec audit.json`) or flags; flags override the file.
 */
import type { Command } from 'commander';
import { addAuditOptions, type AuditCliOptions } from '../audit-options';
import { runAuditCommand } from '../audit-command';

export function registerAudit(program: Command): void {
  const cmd = program
    .command('audit')
    .description(
      'audit models on slices: at every radius the worst case (rho-hat) and the randomized-smoothing estimate and certificate at the attacked input; summary, images, PDF report',
    );
  addAuditOptions(cmd, { data: true }).action(async (o: AuditCliOptions, c: Command) => {
    await runAuditCommand(o, c, { command: 'audit' });
  });
}
