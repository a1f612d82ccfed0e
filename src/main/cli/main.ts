/**
 * `ct-audit` command-line interface. Thin: parses flags, calls the engine, prints.
 * Exit codes: 0 ok, 1 input error (bad file, bad data), 2 usage error; one line on stderr, no stack trace
 * unless --debug.
 */
import { Command, CommanderError } from 'commander';
import { CtAuditError, isUserError } from '@shared/errors';
import { registerInfo } from './commands/info';
import { registerDicom } from './commands/dicom';
import { registerPhantom } from './commands/phantom';
import { registerRadon } from './commands/radon';
import { registerReconstruct } from './commands/reconstruct';
import { registerAttack } from './commands/attack';
import { registerCertify } from './commands/certify';
import { registerTrain } from './commands/train';
import { registerReproduce } from './commands/reproduce';
import { registerServe } from './commands/serve';
import { registerAudit } from './commands/audit';
import { registerBatch } from './commands/batch';
import { registerReport } from './commands/report';
import { registerDemo } from './commands/demo';
import { registerReproduceCtRobustness } from './commands/reproduce-ct-robustness';
import { APP_VERSION } from './context';

export function buildProgram(): Command {
  const program = new Command('ct-audit')
    .description('Robustness audits of deep-learning CT reconstruction')
    .version(APP_VERSION)
    .option('--debug', 'print stack traces for errors')
    .option(
      '--backend <name>',
      'tfjs backend: webgpu, tensorflow, wasm or cpu (default: a hardware GPU, else the best CPU backend; env CT_AUDIT_BACKEND)',
    )
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerInfo(program);
  registerDicom(program);
  registerPhantom(program);
  registerRadon(program);
  registerReconstruct(program);
  registerAttack(program);
  registerCertify(program);
  registerTrain(program);
  registerReproduce(program);
  registerServe(program);
  registerAudit(program);
  registerBatch(program);
  registerReport(program);
  registerDemo(program);
  registerReproduceCtRobustness(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  program.configureOutput({ outputError: (str, write) => write(str) });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const debug = argv.includes('--debug');
    if (e instanceof CommanderError) {
      // commander already printed its message (help, version, or the usage error).
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.exitCode === 0)
        return 0;
      return 2;
    }
    if (debug) console.error(e);
    if (isUserError(e)) {
      console.error(`ct-audit: ${e.message}`);
      return e.code === 'USAGE' ? 2 : 1;
    }
    const err = e as Error;
    console.error(
      `ct-audit: internal error: ${err?.message ?? String(e)}${debug ? '' : ' (run with --debug for details)'}`,
    );
    return e instanceof CtAuditError ? 1 : 70;
  }
}
