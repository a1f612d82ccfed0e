// Worker-thread bootstrap of a batch series audit when running from TypeScript sources (CLI, vitest):
// registers tsx in this thread, then loads batch-worker.ts (as engine/host/worker-bootstrap.mjs does).
import { register } from 'tsx/esm/api';
import { fileURLToPath } from 'node:url';

register({ tsconfig: fileURLToPath(new URL('../../../../tsconfig.node.json', import.meta.url)) });
await import('./batch-worker.ts');
