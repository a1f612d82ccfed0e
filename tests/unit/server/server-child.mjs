// Runs server-child.ts through tsx's loader (as bin/ct-audit.mjs runs the CLI), with the @shared alias
// of tsconfig.node.json.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.node.json', import.meta.url)) });
await import('./server-child.ts');
