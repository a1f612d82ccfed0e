/**
 * `ct-audit certify`: randomized-smoothing estimates and certificates (papers/002 Algorithm 3) at each radius,
 * at the attacked input — the audit's evaluation with the report off (audit-command.ts), so its numbers are
 * the audit's. `--steps 0` certifies the clean measurement (no attack) at each radius.
 */
import type { Command } from 'commander';
import { addAuditOptions, type AuditCliOptions } from '../audit-options';
import { runAuditCommand } from '../audit-command';

export function registerCertify(program: Command): void {
  const cmd = program
    .command('certify')
    .description(
      'randomized-smoothing certificates: at each radius, the smoothed and certified PSNR at the attacked input (papers/002 Table 1, Algorithm 3); --steps 0 certifies the clean measurement',
    );
  addAuditOptions(cmd, { data: true, outOptional: true }).action(async (o: AuditCliOptions, c: Command) => {
    await runAuditCommand(o, c, {
      command: 'certify',
      temporaryOut: true,
      under: { baseline: false, report: { pdf: false } },
    });
  });
}
