/** Entry of the compiled CLI (out/cli/ct-audit.mjs): runs `ct-audit` with this process's arguments. */
import { main } from './main';

process.exitCode = await main(process.argv);
