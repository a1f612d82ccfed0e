/**
 * `ct-audit` command-line interface. Thin: parses flags, calls the engine, prints.
 * Exit codes: 0 ok, 1 input error (bad file, bad data), 2 usage error; one line on stderr, no stack trace
 * unless --debug.
 */
import { Command, CommanderError } from 'commander';
import { CtAuditError, isUserError } from '@shared/errors';
import { COMMANDS } from './commands/catalog';
import { APP_VERSION } from '../engine/app-version';

/** Global options that take a value (their value is not the command name). */
const GLOBAL_VALUE_OPTIONS = new Set(['--backend']);

/** The command named on the command line (`help <name>` counts), or undefined. */
export function requestedCommand(argv: readonly string[]): string | undefined {
  const args = argv.slice(2);
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (GLOBAL_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a === 'help' ? args[i + 1] : a;
  }
  return undefined;
}

/**
 * The program with the requested command fully registered (its module loaded) and every other command as a
 * summary line only, so that `ct-audit --help` and `ct-audit info` load no more than they use.
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
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
  const wanted = requestedCommand(argv);
  for (const entry of COMMANDS) {
    if (entry.name === wanted) (await entry.load())(program);
    else program.command(entry.name).summary(entry.summary);
  }
  for (const c of program.commands) {
    const entry = COMMANDS.find((e) => e.name === c.name());
    if (entry) c.summary(entry.summary);
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = await buildProgram(argv);
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
