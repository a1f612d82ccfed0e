#!/usr/bin/env node
// `ct-audit` launcher: runs the TypeScript CLI from source through tsx's loader, so the command works right
// after `npm install` with no build step. The packaged desktop app bundles the same entry instead.
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../tsconfig.node.json', import.meta.url)) });
const { main } = await import('../src/main/cli/main.ts');
process.exitCode = await main(process.argv);
