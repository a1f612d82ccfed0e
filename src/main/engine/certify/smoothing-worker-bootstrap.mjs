// Worker-thread bootstrap of a smoothing thread when running from TypeScript sources (CLI, vitest): registers
// tsx in this thread, then loads smoothing-worker.ts (as engine/host/worker-bootstrap.mjs does).
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../../../../tsconfig.node.json', import.meta.url)) });
await import('./smoothing-worker.ts');
